"""头条 and 置顶: stories editors put on top of home or of a section, until a set time.

A pin names a place (home, or one section), an article and an expiry. 头条 is the
lead story of its place (the newest lead pin wins); 置顶 stories come first in its
list, in the editors' order, at most MAX_PINNED of them. Past its expiry, or while its
article is not public, a pin shows nothing: the place is newest first again, as it is
without pins. No job runs at the expiry: pages and their fragments are kept no later
than the next expiry (pagecache.store.next_change).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .content import Article, Category

MAX_PINNED = 5


class PinQuerySet(models.QuerySet):
    def active(self, at=None):
        """Pins in force now whose article readers may see."""
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, expires_at__gt=at).filter(
            article__in=Article.objects.published()
        )

    def at_place(self, category: Category | None):
        return self.filter(category=category)


class Pin(models.Model):
    class Kind(models.TextChoices):
        LEAD = "lead", "头条"
        PINNED = "pinned", "置顶"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.PINNED)
    category = models.ForeignKey(
        Category,
        verbose_name="位置",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pins",
        help_text="留空为首页；选择栏目则在该栏目页生效。",
    )
    article = models.ForeignKey(
        Article, verbose_name="文章", on_delete=models.CASCADE, related_name="pins"
    )
    position = models.PositiveSmallIntegerField(
        "顺序", default=0, help_text="置顶文章按此从小到大排列。"
    )
    starts_at = models.DateTimeField("开始时间", default=timezone.now)
    expires_at = models.DateTimeField("到期时间", help_text="北京时间。到期后自动恢复按时间排列。")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设置人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    objects = PinQuerySet.as_manager()

    class Meta:
        ordering = ["category_id", "kind", "position", "-created_at"]
        verbose_name = "头条与置顶"
        verbose_name_plural = "头条与置顶"
        indexes = [models.Index(fields=["expires_at"], name="pin_expiry_idx")]

    def __str__(self):
        return f"{self.place_label} {self.get_kind_display()}：{self.article}"

    @property
    def place_label(self) -> str:
        return self.category.name if self.category_id else "首页"

    def clean(self):
        if self.expires_at and self.starts_at and self.expires_at <= self.starts_at:
            raise ValidationError({"expires_at": "到期时间须晚于开始时间。"})
        if self.kind == self.Kind.PINNED and self.expires_at:
            overlapping = (
                Pin.objects.filter(kind=self.Kind.PINNED, category=self.category_id)
                .filter(starts_at__lt=self.expires_at, expires_at__gt=self.starts_at)
                .exclude(pk=self.pk)
            )
            if overlapping.count() >= MAX_PINNED:
                raise ValidationError(
                    f"{self.place_label}同一时间最多置顶 {MAX_PINNED} 篇文章，"
                    "请先撤下或缩短其他置顶。"
                )


def place_pins(category: Category | None) -> tuple[Article | None, list[Article]]:
    """(the lead story, the pinned stories in order) of a place now; one query."""
    pins = list(
        Pin.objects.active()
        .at_place(category)
        .select_related("article", "article__category")
        .order_by("kind", "position", "-created_at")
    )
    lead = next((p.article for p in pins if p.kind == Pin.Kind.LEAD), None)
    pinned, seen = [], {lead.pk} if lead else set()
    for pin in pins:
        if pin.kind == Pin.Kind.PINNED and pin.article_id not in seen:
            seen.add(pin.article_id)
            pinned.append(pin.article)
    return lead, pinned[:MAX_PINNED]


def next_pin_change(now=None):
    """When the next pin starts or expires (None if none will): pages must change then."""
    now = now or timezone.now()
    starts = Pin.objects.filter(starts_at__gt=now).aggregate(at=models.Min("starts_at"))["at"]
    ends = Pin.objects.filter(expires_at__gt=now).aggregate(at=models.Min("expires_at"))["at"]
    return min((t for t in (starts, ends) if t), default=None)
