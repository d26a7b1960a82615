"""Sections, articles and their revisions: the content itself.

A `Category` groups articles into the sections of the site menu. An `Article`
belongs to one category, carries taggit tags and mentions `StockReference`s in
order through `ArticleStock` (models/stocks.py). Every write keeps a `Revision`
of the whole article (articles.services records them). What the public may see
is decided only by `ArticleQuerySet.published()`.
"""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models, router
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager

from .. import signals
from ..chinatime import PUBLISHED_AT_RANGE_MESSAGE, china_day, in_publication_range
from ..sanitizer import sanitize_html
from ..text import SLUG_MAX_LENGTH, clean_line, clean_text, slug_from_title, summarize
from ..urlcache import cached_reverse
from .redirects import LegacyRedirect
from .stocks import ArticleStock, StockReference


def validate_published_at(value) -> None:
    if value is not None and not in_publication_range(value):
        raise ValidationError(PUBLISHED_AT_RANGE_MESSAGE, code="published_at_range")


def person_name(user) -> str:
    """How a newsroom prints a person: their 署名 if they set one (people.Profile), else
    张三 (family name first, no space) or "Jane Doe". Never the login name."""
    try:
        display = user.profile.display_name  # select_related("…__profile") saves a query
    except ObjectDoesNotExist:
        display = ""
    if display:
        return display
    first, last = clean_line(user.first_name), clean_line(user.last_name)
    if any("\u4e00" <= c <= "\u9fff" for c in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


class Category(models.Model):
    """A section of the site (证券日报, 东财滚动新闻 …); every article has exactly one."""

    name = models.CharField("名称", max_length=100, help_text="栏目的中文名称，显示在导航菜单中。")
    slug = models.SlugField(
        "网址标识",
        max_length=100,
        unique=True,
        help_text="只能使用小写英文字母、数字和连字符，例如 zhengquanribao。发布后请勿修改。",
    )
    description = models.TextField("简介", blank=True, help_text="显示在栏目页标题下方。")
    position = models.PositiveIntegerField(
        "菜单顺序", default=100, db_index=True, help_text="数字越小，在导航菜单中越靠前。"
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "栏目"
        verbose_name_plural = "栏目"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Shown in the menu, every page's title and the feeds: no control characters.
        self.name = clean_line(self.name)
        self.description = clean_text(self.description)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return cached_reverse("articles:category", self.slug)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The single definition of what the public may see: published, and not in the future."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def drafts(self):
        """Articles an editor still works on; never public, whatever their date."""
        return self.filter(status=Article.Status.DRAFT)

    def scheduled(self):
        """Published with a future time: they go live by themselves when the time comes."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def create_many(
        self, articles: list["Article"], *, revision_kind: str = "", links=None
    ) -> list:
        """Insert new articles in one statement, doing for them what `save()` does for one.

        For bulk writers (the importer): each article's derived fields come from
        `derive_fields()`, as in `save()`; each gets its first revision, which lists the
        tags and stocks the caller will link (`links`: one (tags, stocks) pair per
        article, in order); `signals.articles_changed` tells the search index and the page
        cache, since bulk_create sends no model signals.
        The caller's transaction decides whether all of it lands.
        """
        for article in articles:
            article.derive_fields()
            article.note_publication()
        created = self.bulk_create(articles)
        pairs = links if links is not None else [((), ())] * len(created)
        Revision.objects.bulk_create(
            Revision(
                **Revision.state_of(
                    article,
                    tags=[tag.name for tag in tags],
                    stocks=[stock.symbol for stock in stocks],
                ),
                article=article,
                kind=revision_kind or Revision.Kind.EDIT,
            )
            for article, (tags, stocks) in zip(created, pairs, strict=True)
        )
        signals.articles_changed.send(
            sender=Article, ids=[article.pk for article in created], using=self.db
        )
        return created

    def for_listing(self):
        """Everything a list item shows, in a fixed number of queries whatever the page size.

        The prefetches land in plain lists (`to_attr`), read by `tag_list()` and
        `ordered_stocks()`. Prefetching into the managers instead makes Django build a
        fresh taggit queryset per article, which cost more than the queries themselves.
        """
        return self.select_related("category").prefetch_related(*_listing_prefetches())


def _listing_prefetches() -> tuple:
    return (
        models.Prefetch("tags", to_attr="listing_tags"),
        models.Prefetch(
            "stock_links",
            queryset=ArticleStock.objects.select_related("stock").order_by("position"),
            to_attr="listing_stock_links",
        ),
    )


def read_links_together(articles) -> None:
    """Read the tags and stocks of `articles` (a page of a list) only if one of them is
    asked for, and then for all of them at once, as `for_listing()` does.

    Lists keep each item's HTML between renders (pagecache's fragments): most renders
    of a list then need no tags and no stocks, and the two prefetch queries were most
    of their cost.
    """
    batch = list(articles)
    for article in batch:
        article._listing_batch = batch


def _read_pending_links(article) -> None:
    batch = article.__dict__.pop("_listing_batch", None)
    if batch is not None:
        pending = [a for a in batch if not hasattr(a, "listing_tags")]
        models.prefetch_related_objects(pending, *_listing_prefetches())


class Article(models.Model):
    """A news story. `body_source` is what was written or imported; `body_html` is derived.

    `save()` always re-derives `body_html` through the sanitizer and `excerpt` from the
    summary or the body, so no write path can store unsanitized HTML.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    title = models.CharField("标题", max_length=255)
    slug = models.SlugField(
        "网址标识",
        max_length=SLUG_MAX_LENGTH + 10,
        unique=True,
        blank=True,
        help_text="留空则根据标题自动生成拼音网址。已发布文章的网址请勿随意修改。",
    )
    body_source = models.TextField(
        "正文",
        help_text="HTML 正文。保存时会按白名单清理：脚本、样式和事件属性会被移除。",
    )
    body_html = models.TextField("清理后的正文", editable=False, default="")
    summary = models.TextField(
        "摘要", blank=True, help_text="显示在列表和分享卡片中；留空则自动截取正文开头。"
    )
    excerpt = models.TextField("列表摘要", editable=False, default="")
    category = models.ForeignKey(
        Category,
        verbose_name="栏目",
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="栏目中还有文章时不能删除该栏目。",
    )
    tags = TaggableManager(
        "标签",
        blank=True,
        help_text="多个标签用逗号、顿号或分号分隔（中英文标点均可），例如：光伏，新能源、业绩。",
    )
    stocks = models.ManyToManyField(
        StockReference,
        verbose_name="相关证券",
        through="ArticleStock",
        related_name="articles",
        blank=True,
    )
    status = models.CharField(
        "状态",
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="只有“已发布”且发布时间已到的文章对读者可见；发布时间在将来即为定时发布。",
    )
    published_at = models.DateTimeField(
        "发布时间",
        default=timezone.now,
        help_text="北京时间。设为将来的时间即定时发布。须在 1970 至 2099 年之间。",
    )
    source_name = models.CharField("来源", max_length=100, blank=True, help_text="例如 证券日报。")
    important = models.BooleanField(
        "加红",
        default=False,
        help_text="重要快讯：在 7×24 时间线和订阅源中标红显示。",
    )
    original_url = models.URLField("原文链接", max_length=500, blank=True)
    legacy_key = models.CharField(
        "旧站标识",
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="从旧站导入时的稿件编号或文件路径，用于重复导入时识别同一篇文章。",
    )
    import_fingerprint = models.CharField(
        "导入指纹",
        max_length=64,
        blank=True,
        editable=False,
        help_text="导入时写入内容的摘要；与当前内容不同说明编辑改过，重新导入不会覆盖。",
    )
    cover = models.ImageField("封面图", upload_to="covers/%Y/%m/", blank=True)
    cover_alt = models.CharField("封面图说明", max_length=200, blank=True)
    # Filled by articles.images.build_renditions(): {"thumb": {"width", "height",
    # "jpeg", "webp"}, "large": {...}}. The admin list shows the thumb.
    cover_renditions = models.JSONField("封面图尺寸", default=dict, blank=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任编辑",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="published_articles",
        help_text="第一次把文章发布出去的编辑。",
    )
    first_published_at = models.DateTimeField(
        "首次发布时间",
        null=True,
        blank=True,
        editable=False,
        help_text="第一次对读者可见的时间。撤回后再“立即发布”沿用原来的发布时间。",
    )
    # Optimistic concurrency: every save adds one, and a form or list posted with an
    # older number was made from a version someone has changed since (articles.services).
    version = models.PositiveIntegerField("版本号", default=1, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        verbose_name = "文章"
        verbose_name_plural = "文章"
        # Writers may add and change articles but only editors hold this one; see
        # articles/workflow.py for where it is checked.
        permissions = [("can_publish", "可以发布文章")]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_public_idx"),
            models.Index(
                fields=["category", "status", "-published_at"], name="article_category_idx"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, record_revision: bool = True, **kwargs):
        """Derive, store, and keep the old URL and a revision.

        Writers other than the shell go through `articles.services`, which locks the
        row, checks the version the editor started from, and records the revision
        itself once tags and stocks are set (`record_revision=False` here).
        """
        slug_given = bool(self.slug)
        self.derive_fields()
        self.note_publication()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            # A partial save must still store what it derived, or body_html could
            # lag behind body_source.
            kwargs["update_fields"] = set(update_fields) | {
                "body_html",
                "excerpt",
                "slug",
                "title",
                "version",
                "first_published_at",
            }
        using = kwargs.get("using") or router.db_for_write(Article, instance=self)
        adding = self._state.adding
        stored = None
        if not adding and self.pk is not None:
            # What the row says before this save: the old slug may need a redirect, and
            # the version goes on from the stored one, not from this (maybe stale) object.
            stored = (
                Article.objects.using(using)
                .filter(pk=self.pk)
                .values("slug", "status", "version")
                .first()
            )
        if stored is not None:
            self.version = stored["version"] + 1
        if slug_given and (stored is None or stored["slug"] != self.slug):
            # A slug given by the caller (the form, the shell) may belong to another
            # article by now; the row keeps its own, whoever asked for it first.
            self.slug = self.unique_slug(self.slug)
        super().save(*args, **kwargs)
        if stored is not None and stored["slug"] != self.slug:
            self._redirect_old_slug(stored["slug"], stored["status"], using)
        if record_revision:
            Revision.capture(self, using=using, first=adding)

    def get_absolute_url(self):
        return cached_reverse("articles:detail", self.slug)

    def note_publication(self) -> None:
        """Keep `first_published_at`: the time readers first saw the article.

        Until that moment has passed it follows the schedule (a draft again before
        going live never was public); after it, it stays, whatever happens next.
        """
        now = timezone.now()
        if self.status == self.Status.PUBLISHED:
            if self.first_published_at is None or self.first_published_at > now:
                self.first_published_at = self.published_at
        elif self.first_published_at is not None and self.first_published_at > now:
            self.first_published_at = None

    @property
    def was_public(self) -> bool:
        """Whether readers have ever seen this article (it may be a draft again now)."""
        return self.first_published_at is not None and self.first_published_at <= timezone.now()

    def _redirect_old_slug(self, old_slug: str, old_status: str, using: str) -> None:
        """Keep the old URL of a published (or scheduled) article answering with a 301.

        Drafts get no redirect: their URL was never public, and a redirect would tell
        anonymous visitors the draft's new slug.
        """
        if old_status != self.Status.PUBLISHED:
            return
        LegacyRedirect.objects.using(using).update_or_create(
            path=reverse("articles:detail", kwargs={"slug": old_slug}),
            defaults={"article": self, "category": None},
        )
        # Back to a former slug: its redirect would now point at the live page itself.
        LegacyRedirect.objects.using(using).filter(
            path=self.get_absolute_url(), article=self
        ).delete()

    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    is_published.boolean = True
    is_published.short_description = "读者可见"

    @property
    def byline(self) -> str:
        """The author's name as readers see it (their full name), or "" when there is none.

        Never the login name: that is half of an editor's credentials.
        """
        return person_name(self.author) if self.author_id else ""

    @property
    def editor_name(self) -> str:
        """责任编辑 as readers see them, or ""."""
        return person_name(self.published_by) if self.published_by_id else ""

    @property
    def published_day(self):
        """The China day of publication: what the archive's day pages are keyed by."""
        return china_day(self.published_at)

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    def ordered_stocks(self) -> list[StockReference]:
        """Stocks in order of mention; uses the `for_listing()` prefetch when present."""
        _read_pending_links(self)
        links = getattr(self, "listing_stock_links", None)
        if links is None:
            links = self.stock_links.all()
            if "stock_links" not in getattr(self, "_prefetched_objects_cache", {}):
                links = links.select_related("stock")  # one query, not one per stock
            links = sorted(links, key=lambda link: link.position)
        return [link.stock for link in links]

    def tag_list(self) -> list:
        """The article's tags; uses the `for_listing()` prefetch when present."""
        _read_pending_links(self)
        tags = getattr(self, "listing_tags", None)
        return list(self.tags.all()) if tags is None else tags

    def set_stocks(self, stocks) -> None:
        """Replace the article's stocks with `stocks`, keeping their order."""
        ArticleStock.objects.filter(article=self).delete()
        seen = set()
        links = []
        for stock in stocks:
            if stock.pk in seen:
                continue
            seen.add(stock.pk)
            links.append(ArticleStock(article=self, stock=stock, position=len(links)))
        ArticleStock.objects.bulk_create(links)
        # bulk_create sends no signals: say which article's links changed.
        signals.articles_changed.send(sender=Article, ids=[self.pk], using=self._state.db)

    def derive_fields(self) -> None:
        """Recompute everything that is derived from what an editor or importer wrote.

        Text fields lose control characters here, whoever wrote them (the form, the
        importer, the shell): one in a title made every feed listing it fail.
        """
        self.title = clean_line(self.title)
        self.summary = clean_text(self.summary)
        self.source_name = clean_line(self.source_name)
        self.cover_alt = clean_line(self.cover_alt)
        self.original_url = clean_line(self.original_url)
        validate_published_at(self.published_at)
        self.body_html = sanitize_html(self.body_source)
        self.excerpt = summarize(self.summary if self.summary.strip() else self.body_html)
        if not self.slug:
            self.slug = self.unique_slug(slug_from_title(self.title))

    def unique_slug(self, base: str) -> str:
        """`base` if no other article has it, else `base-YYYYMMDD` (the China day of
        publication), then `base-YYYYMMDD-2` and so on.

        Newsrooms reuse headlines every day (早盘播报, 收评), so a clash is the normal
        case, and the date tells readers which day's 收评 a link is.
        """
        others = Article.objects.exclude(pk=self.pk) if self.pk else Article.objects.all()
        day = china_day(self.published_at or timezone.now())
        start = 0
        while True:
            batch = list(_slug_candidates(base, day, start, 20))
            taken = set(others.filter(slug__in=batch).values_list("slug", flat=True))
            for slug in batch:
                if slug not in taken:
                    return slug
            start += 20


def _slug_candidates(base: str, day, start: int, count: int):
    """Slugs to try for `base`, from the `start`-th on; each fits the slug column."""
    limit = Article._meta.get_field("slug").max_length
    base = base[:limit].strip("-") or "article"
    for n in range(start, start + count):
        if n == 0:
            yield base
            continue
        suffix = f"-{day:%Y%m%d}" + (f"-{n}" if n > 1 else "")
        yield base[: limit - len(suffix)].rstrip("-") + suffix


class Revision(models.Model):
    """What an article was after one write: its text and everything a restore needs.

    Each save through `articles.services` records one, saying who, when and why (an
    edit, an import, a restore, a publication); `Article.save()` records one for the
    shell. A write that leaves everything as the latest revision has it (a second
    save of the same form) records nothing.

    Revisions from before migration 0008 hold only the text (`status` is empty);
    restoring one puts the text back and leaves the rest alone.
    """

    class Kind(models.TextChoices):
        EDIT = "edit", "修改"
        IMPORT = "import", "导入"
        RESTORE = "restore", "恢复"
        PUBLISH = "publish", "发布"
        UNPUBLISH = "unpublish", "撤回"
        SCHEDULE = "schedule", "定时"
        # The review workflow (models/reviews.py): each step is recorded even when the
        # article itself did not change, with the editor's comment.
        SUBMIT = "submit", "提交审核"
        RETURN = "return", "退回"
        APPROVE = "approve", "通过"

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="revisions", verbose_name="文章"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="article_revisions",
    )
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.EDIT)
    note = models.CharField("说明", max_length=200, blank=True)
    comment = models.TextField(
        "审核意见", blank=True, help_text="退回或通过时编辑写给撰稿人的话，原样保存。"
    )
    version = models.PositiveIntegerField("文章版本号", null=True, blank=True)
    title = models.CharField("标题", max_length=255)
    body_source = models.TextField("正文")
    summary = models.TextField("摘要", blank=True)
    status = models.CharField("状态", max_length=10, choices=Article.Status.choices, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    category = models.ForeignKey(
        Category, verbose_name="栏目", on_delete=models.SET_NULL, null=True, blank=True
    )
    tags = models.JSONField("标签", default=list, blank=True)
    stocks = models.JSONField(
        "相关证券", default=list, blank=True, help_text="市场.代码，按提及顺序"
    )
    cover = models.CharField("封面图", max_length=255, blank=True)
    cover_alt = models.CharField("封面图说明", max_length=200, blank=True)
    important = models.BooleanField("加红", default=False)

    # What a revision compares and restores, beyond who and when.
    STATE_FIELDS = (
        "title",
        "body_source",
        "summary",
        "status",
        "published_at",
        "category_id",
        "tags",
        "stocks",
        "cover",
        "cover_alt",
        "important",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        verbose_name = "修订版本"
        verbose_name_plural = "修订版本"

    def __str__(self):
        return f"{self.article} @ {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

    @property
    def author_name(self) -> str:
        """Who wrote this revision, as the desk calls them (张三), or 系统 for the importer."""
        if self.author is None:
            return "系统"
        return person_name(self.author) or self.author.get_username()

    @property
    def has_state(self) -> bool:
        """False for revisions from before migration 0008, which kept only the text."""
        return bool(self.status)

    def same_text_as(self, article: Article) -> bool:
        return (self.title, self.body_source, self.summary) == (
            article.title,
            article.body_source,
            article.summary,
        )

    def restores_nothing(self, article: Article, *, with_state: bool = False) -> bool:
        """Whether restoring this revision would leave `article` as it is."""
        if not self.has_state:
            return self.same_text_as(article)
        skip = set() if with_state else {"status", "published_at"}
        if not self.category_id:
            skip.add("category_id")
        now, then = Revision.state_of(article), self.state()
        return all(now[name] == then[name] for name in self.STATE_FIELDS if name not in skip)

    def state(self) -> dict:
        return {name: getattr(self, name) for name in self.STATE_FIELDS}

    @staticmethod
    def state_of(article: Article, *, tags=None, stocks=None, using=None) -> dict:
        """The article's state as a revision keeps it; tags and stocks are read unless given."""
        if tags is None:
            tags = list(article.tags.names()) if article.pk else []
        if stocks is None:
            links = ArticleStock.objects.using(using or article._state.db).filter(article=article)
            stocks = [
                f"{market}.{code}"
                for market, code in links.order_by("position").values_list(
                    "stock__market", "stock__code"
                )
            ]
        return {
            "title": article.title,
            "body_source": article.body_source,
            "summary": article.summary,
            "status": article.status,
            "published_at": article.published_at,
            "category_id": article.category_id,
            "tags": sorted(tags),
            "stocks": list(stocks),
            "cover": article.cover.name or "",
            "cover_alt": article.cover_alt,
            "important": article.important,
            "version": article.version,
        }

    @classmethod
    def capture(
        cls,
        article: Article,
        *,
        author=None,
        kind: str = "",
        note: str = "",
        comment: str = "",
        using: str | None = None,
        first: bool = False,
        always: bool = False,
    ) -> "Revision | None":
        """Record the article as it is now, unless the latest revision already has it.

        `first` says the article was just created, so there is nothing to compare with;
        `always` records a step that decides about the article without changing it
        (提交审核, 退回): the decision is the record.
        """
        manager = cls.objects.using(using or article._state.db)
        state = cls.state_of(article, using=using)
        if not (first or always):
            latest = manager.filter(article=article).first()
            if latest is not None and latest.state() == {
                k: v for k, v in state.items() if k != "version"
            }:
                return None
        return manager.create(
            article=article,
            author=author if getattr(author, "pk", None) else None,
            kind=kind or cls.Kind.EDIT,
            note=note[:200],
            comment=comment,
            **state,
        )
