"""News-flow charts: how often a stock, a tag or a section is in the news.

Two halves, data (this module) and drawing (charts/svg.py), which any template
reaches through the `charts` template tags (charts/templatetags/charts.py):

- **Aggregation** returns plain data (lists of `(date, count)`, zero-filled). Every
  number starts from `Article.objects.published()`, the single rule for what the
  public may see, so drafts and scheduled articles never count. Each chart is one or
  two aggregate queries (GROUP BY day in the database, on the indexed columns
  `status`/`published_at`, `category`, `ArticleStock.stock`); no article is loaded
  into Python.
- **Rendering** turns that data into inline SVG built with `format_html`, with a
  `<title>` and `<desc>` for screen readers. No script, no external file: colours
  come from CSS classes in `static/css/charts.css`, which take them from the page's
  own custom properties.

Days are China days (Asia/Shanghai): an article published at 00:00 Beijing time
belongs to that day, whatever the database's time zone. Charts are drawn inside
pages that the page cache (pagecache/) keeps whole, so they share its invalidation; the
only "now" they read (today's date, the last 24 hours) moves less within a page's
cache lifetime (at most five minutes) than anything a reader could notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F
from django.utils import timezone

from articles.chinatime import CHINA, ChinaDate, day_bounds, day_start, today
from articles.models import Article, ArticleStock, Category, StockReference
from legacy.models import ImportRun

# ?range= values of the news-flow charts: (label, days back from today, None = all time).
RANGES = {"90d": ("近 90 天", 90), "1y": ("近 1 年", 365), "all": ("全部", None)}
DEFAULT_RANGE = "90d"
# An all-time chart longer than this is drawn by month, so bars stay readable.
MAX_DAILY_BUCKETS = 366
RELATED_STOCKS_LIMIT = 8
HOT_LIMIT = 8
SPARKLINE_DAYS = 14
DASHBOARD_DAYS = 30


def parse_range(value) -> str:
    """A valid ?range= key; anything else falls back to the 90-day default."""
    return value if value in RANGES else DEFAULT_RANGE


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


# ---------------------------------------------------------------------------
# Aggregation
# ---------------------------------------------------------------------------


def daily_counts(start: date | None, end: date, **filters) -> list[tuple[date, int]]:
    """Published articles per China day from `start` to `end` (inclusive), zero-filled.

    `filters` narrow `Article.objects.published()` (e.g. `category=…`, `tags=…`,
    `pk__in=…`); each of those matches an article at most once, so counting rows
    counts articles. One query. With `start=None` the series
    begins on the first day that has an article (and is empty when none has).
    """
    articles = Article.objects.published().filter(
        published_at__lt=day_start(end + timedelta(1)), **filters
    )
    if start is not None:
        articles = articles.filter(published_at__gte=day_start(start))
    rows = (
        articles.annotate(day=ChinaDate("published_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {row["day"]: row["n"] for row in rows}
    if start is None:
        if not counts:
            return []
        start = min(counts)
    return [(day, counts.get(day, 0)) for day in _days(start, end)]


def by_month(points: list[tuple[date, int]]) -> list[tuple[date, int]]:
    """Daily points folded into calendar months (dated the 1st), zeros kept."""
    months: dict[date, int] = {}
    for day, n in points:
        key = day.replace(day=1)
        months[key] = months.get(key, 0) + n
    return list(months.items())


@dataclass
class Series:
    """A zero-filled news-flow series, ready to draw."""

    points: list[tuple[date, int]]
    range_key: str = DEFAULT_RANGE
    bucket: str = "day"  # or "month"
    # The default window moved back to end on the newest article, because the last 90
    # days had none: the chart says so instead of drawing an empty box.
    moved_back: bool = False
    total: int = field(init=False)
    peak: tuple[date, int] | None = field(init=False)

    def __post_init__(self):
        self.total = sum(n for _, n in self.points)
        self.peak = max(self.points, key=lambda p: p[1]) if self.total else None

    @property
    def start(self) -> date | None:
        return self.points[0][0] if self.points else None

    @property
    def end(self) -> date | None:
        return self.points[-1][0] if self.points else None

    @property
    def range_label(self) -> str:
        if self.moved_back and self.end:
            return f"截至 {self.end.year}年{self.end.month}月{self.end.day}日的 90 天"
        return RANGES[self.range_key][0]


def news_flow(range_key: str = DEFAULT_RANGE, *, end: date | None = None, **filters) -> Series:
    """The news-flow series of whatever `filters` select (a stock, a tag, a section).

    90 days and one year end today; "all" runs from the first published article to
    the newest, by month when that is longer than a year. A subject quiet for the last
    90 days gets, by default, the 90 days up to its newest article (one more query),
    marked `moved_back`: an archive's stock or tag is still worth a look.
    """
    range_key = parse_range(range_key)
    end = end or today()
    days_back = RANGES[range_key][1]
    start = end - timedelta(days_back - 1) if days_back else None
    points = daily_counts(start, end, **filters)
    if range_key == "all":
        # Up to the newest article, not stretched to today with empty months.
        while points and not points[-1][1]:
            points.pop()
        if len(points) > MAX_DAILY_BUCKETS:
            return Series(by_month(points), range_key, "month")
        return Series(points, range_key)
    series = Series(points, range_key)
    if not series.total and range_key == DEFAULT_RANGE:
        newest = _newest_day(**filters)
        if newest is not None and newest < start:
            points = daily_counts(newest - timedelta(days_back - 1), newest, **filters)
            return Series(points, range_key, moved_back=True)
    return series


def _newest_day(**filters) -> date | None:
    """The China day of the newest published article that `filters` select."""
    newest = (
        Article.objects.published()
        .filter(**filters)
        .order_by("-published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return newest.astimezone(CHINA).date() if newest else None


def _mentioning(stock: StockReference):
    """Ids of the articles that mention `stock`, from the stock's index on ArticleStock.

    As `pk__in`, this lets the database start from the stock's few links instead of
    walking every published article (SQLite's planner does the latter for a join).
    """
    return ArticleStock.objects.filter(stock=stock).values("article_id")


def stock_flow(stock: StockReference, range_key: str = DEFAULT_RANGE, **kw) -> Series:
    # Joined from the articles' side: the (status, published_at) index covers the
    # window and the day, and each article's link is one probe of the unique
    # (article, stock) index. For a stock in 8,000 of 100,000 articles the 90-day
    # chart took 6 ms this way and 33 ms through the stock's full list of links.
    # An article mentions a stock once (unique together), so rows are articles.
    return news_flow(range_key, stock_links__stock=stock, **kw)


def category_flow(category: Category, range_key: str = DEFAULT_RANGE, **kw) -> Series:
    return news_flow(range_key, category=category, **kw)


def tag_flow(tag, range_key: str = DEFAULT_RANGE, **kw) -> Series:
    return news_flow(range_key, tags=tag, **kw)


@dataclass
class StockCount:
    """A security and a number of published articles (a row of a ranking)."""

    market: int
    code: str
    name: str
    count: int
    id: int = 0
    sparkline: list[tuple[date, int]] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        return f"{self.market}.{self.code}"

    @property
    def label(self) -> str:
        return self.name or self.code

    @property
    def detail(self) -> str:
        """The line under the label: the code, or the exchange when the code is the label."""
        if self.name:
            return self.code
        return StockReference.MARKETS.get(self.market, str(self.market))

    def get_absolute_url(self) -> str:
        return StockReference(market=self.market, code=self.code).get_absolute_url()


def _stock_rows(links, limit: int) -> list[StockCount]:
    """Rank the stocks of `links` (ArticleStock rows) by how many articles mention them.

    Sector boards (market 90) are not securities and are left out.
    """
    rows = (
        links.exclude(stock__market=StockReference.SECTOR_MARKET)
        .values("stock_id", "stock__market", "stock__code", "stock__name")
        .annotate(n=Count("id"))
        .order_by("-n", "stock__market", "stock__code")[:limit]
    )
    return [
        StockCount(r["stock__market"], r["stock__code"], r["stock__name"], r["n"], r["stock_id"])
        for r in rows
    ]


def related_stocks(stock: StockReference, limit: int = RELATED_STOCKS_LIMIT) -> list[StockCount]:
    """The securities most often mentioned in the same published articles as `stock`.

    One query: ArticleStock joined to itself through the published articles that
    mention `stock` (its stock index, then the unique article/stock index), grouped
    by the other stock.
    """
    articles = Article.objects.published().filter(pk__in=_mentioning(stock)).values("pk")
    links = ArticleStock.objects.filter(article__in=articles).exclude(stock=stock)
    return _stock_rows(links, limit)


@dataclass
class HotStocks:
    """The home page's "今日热股": what the ranking covers, and the ranked stocks."""

    stocks: list[StockCount]
    recent: bool  # True: the last 24 hours; False: the newest day with articles
    day: date | None  # the last day of the sparklines
    days: list[date] = field(default_factory=list)


def hot_stocks(
    limit: int = HOT_LIMIT, days: int = SPARKLINE_DAYS, newest: datetime | None = None
) -> HotStocks:
    """The most-mentioned securities of the last 24 hours, each with a sparkline.

    When nothing was published in the last 24 hours (a quiet weekend, an archive),
    the newest China day that has articles is ranked instead, and the sparklines end
    on that day. `newest` is the time of the newest published article when the
    caller already knows it (the home page's lead story); otherwise one indexed query
    finds it. Then one query ranks the stocks and one fetches every sparkline at once.
    """
    now = timezone.now()
    if not newest:
        newest = Article.objects.published().values_list("published_at", flat=True).first()
    if newest is None:
        return HotStocks([], True, None)
    recent = newest >= now - timedelta(hours=24)
    if recent:
        window = {"published_at__gte": now - timedelta(hours=24)}
        last_day = today()
    else:
        last_day = timezone.localtime(newest, CHINA).date()
        window = day_bounds(last_day)
    ranked = _stock_rows(
        ArticleStock.objects.filter(
            article__in=Article.objects.published().filter(**window).values("pk")
        ),
        limit,
    )
    first_day = last_day - timedelta(days - 1)
    span = _days(first_day, last_day)
    if ranked:
        # From the articles' side: their (status, published_at) index covers the
        # window and the day, so SQLite never reads the wide article rows.
        rows = (
            Article.objects.published()
            .filter(
                published_at__gte=day_start(first_day),
                published_at__lt=day_start(last_day + timedelta(1)),
                stock_links__stock_id__in=[s.id for s in ranked],
            )
            .values(stock_id=F("stock_links__stock_id"), day=ChinaDate("published_at"))
            .annotate(n=Count("id"))
            .order_by()
        )
        counts = {(r["stock_id"], r["day"]): r["n"] for r in rows}
        for stock in ranked:
            stock.sparkline = [(day, counts.get((stock.id, day), 0)) for day in span]
    return HotStocks(ranked, recent, last_day, span)


@dataclass
class Dashboard:
    """What the admin index shows above the app list."""

    days: list[date]
    categories: list[tuple[int, str]]  # (id, name) of the sections with articles, menu order
    matrix: dict[tuple[date, int], int]  # (day, category id) -> published articles
    totals: list[int]  # per day, all sections
    drafts: int
    scheduled: list
    scheduled_count: int
    import_runs: list
    newest: datetime | None = None  # the latest publication, when the 30 days are empty

    @property
    def total(self) -> int:
        return sum(self.totals)

    def rows(self):
        """[(day, [count per category], total)] for the data table."""
        return [
            (day, [self.matrix.get((day, cid), 0) for cid, _ in self.categories], total)
            for day, total in zip(self.days, self.totals, strict=True)
        ]


def dashboard(days: int = DASHBOARD_DAYS, scheduled_limit: int = 8, runs: int = 5) -> Dashboard:
    """Articles published per day and section over `days`, drafts, the schedule, imports."""
    end = today()
    start = end - timedelta(days - 1)
    rows = (
        Article.objects.published()
        .filter(published_at__gte=day_start(start))
        .annotate(day=ChinaDate("published_at"))
        .values("day", "category_id", "category__name", "category__position")
        .annotate(n=Count("id"))
        .order_by()
    )
    matrix: dict[tuple[date, int], int] = {}
    names: dict[int, tuple] = {}
    for r in rows:
        matrix[(r["day"], r["category_id"])] = r["n"]
        names[r["category_id"]] = (r["category__position"], r["category__name"])
    categories = [
        (cid, name) for cid, (_, name) in sorted(names.items(), key=lambda kv: (kv[1], kv[0]))
    ]
    span = _days(start, end)
    totals = [sum(matrix.get((day, cid), 0) for cid, _ in categories) for day in span]
    scheduled = list(
        Article.objects.scheduled()
        .order_by("published_at", "id")
        .only("title", "published_at")[: scheduled_limit + 1]
    )
    scheduled_count = len(scheduled)
    if scheduled_count > scheduled_limit:
        scheduled_count = Article.objects.scheduled().count()
    newest = None
    if not matrix:
        newest = Article.objects.published().values_list("published_at", flat=True).first()
    return Dashboard(
        days=span,
        categories=categories,
        matrix=matrix,
        totals=totals,
        drafts=Article.objects.drafts().count(),
        scheduled=scheduled[:scheduled_limit],
        scheduled_count=scheduled_count,
        import_runs=list(ImportRun.objects.filter(dry_run=False)[:runs]),
        newest=newest,
    )
