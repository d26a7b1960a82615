"""专题: a collection of articles about one subject (新能源汽车, 半导体, 美联储).

A `Topic` holds the articles an editor chose, in the editor's order (`TopicEntry`),
and rules that pull in more: published articles carrying any of its `rule_tags` or
mentioning any of its `rule_stocks`, newest first, after the chosen ones and without
repeating them (topics/listings.py). Only `Article.objects.published()` is ever shown:
a chosen draft appears by itself when it is published.
"""

from django.db import models
from django.urls import reverse
from taggit.models import Tag

from articles.models import Article, StockReference
from articles.text import clean_line, clean_text, slug_from_title

SLUG_MAX_LENGTH = 90
# A 专题 is read on one page: the chosen articles all come first on page 1.
MAX_ENTRIES = 50


def slug_base(title: str) -> str:
    """The pinyin slug of a title (新能源汽车 -> xin-neng-yuan-qi-che), like articles';
    a title with no letters at all (📈) gets "zhuan-ti" (专题)."""
    slug = slug_from_title(title)[:SLUG_MAX_LENGTH].strip("-")
    if slug == "article" and "article" not in (title or "").lower():
        return "zhuan-ti"
    return slug or "zhuan-ti"


class Topic(models.Model):
    """A 专题 page (/topic/<slug>/) with its feed; it may also have a place in the menu
    (navigation.NavItem)."""

    title = models.CharField("标题", max_length=100, help_text="专题名称，例如 新能源汽车。")
    slug = models.SlugField(
        "网址标识",
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        blank=True,
        help_text="留空则根据标题自动生成拼音网址，例如 xin-neng-yuan-qi-che。公开后请勿修改。",
    )
    intro = models.TextField(
        "导语", max_length=2000, blank=True, help_text="显示在专题页标题下方，纯文本，可分段。"
    )
    cover = models.ImageField("封面图", upload_to="topics/%Y/%m/", blank=True)
    cover_alt = models.CharField(
        "封面图说明", max_length=200, blank=True, help_text="给看不到图片的读者的文字说明。"
    )
    # articles.images.build_renditions(): {"thumb": {...}, "large": {...}}.
    cover_renditions = models.JSONField("封面图尺寸", default=dict, blank=True, editable=False)
    rule_tags = models.ManyToManyField(
        Tag,
        verbose_name="按标签收录",
        related_name="topics",
        blank=True,
        help_text="带有其中任一标签的已发布文章自动收入本专题，按时间从新到旧排在精选文章之后。",
    )
    rule_stocks = models.ManyToManyField(
        StockReference,
        verbose_name="按证券收录",
        related_name="topics",
        blank=True,
        help_text="提到其中任一证券的已发布文章自动收入本专题。",
    )
    # Optimistic concurrency, as for articles: a form made from an older version is refused.
    version = models.PositiveIntegerField("版本号", default=1, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        get_latest_by = "updated_at"
        verbose_name = "专题"
        verbose_name_plural = "专题"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Shown in the menu, titles and feeds: no control characters (articles.text).
        self.title = clean_line(self.title)
        self.intro = clean_text(self.intro)
        self.cover_alt = clean_line(self.cover_alt)
        self.slug = self.unique_slug(clean_line(self.slug) or slug_base(self.title))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("topics:topic", args=[self.slug])

    def unique_slug(self, base: str) -> str:
        """`base` if no other 专题 has it, else `base-2`, `base-3` …"""
        others = Topic.objects.exclude(pk=self.pk) if self.pk else Topic.objects.all()
        taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, n = base, 1
        while slug in taken:
            n += 1
            suffix = f"-{n}"
            slug = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        return slug


class TopicEntry(models.Model):
    """An article an editor put in a 专题, at a place in its order."""

    topic = models.ForeignKey(
        Topic, verbose_name="专题", on_delete=models.CASCADE, related_name="entries"
    )
    article = models.ForeignKey(
        Article, verbose_name="文章", on_delete=models.CASCADE, related_name="topic_entries"
    )
    position = models.PositiveSmallIntegerField(
        "顺序", default=0, help_text="数字越小越靠前；精选文章排在按规则收录的文章之前。"
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "精选文章"
        verbose_name_plural = "精选文章（按顺序排在最前）"
        constraints = [
            models.UniqueConstraint(fields=["topic", "article"], name="topic_entry_unique")
        ]

    def __str__(self):
        return f"{self.topic}：{self.article}"
