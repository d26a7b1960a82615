"""News-flow charts: the numbers (per China day, zero-filled, published only), the SVG,
the pages that show them, their links, their query counts and their caching."""

import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import chinatime
from articles.models import Article
from charts import data as charts
from charts import svg as charts_svg
from legacy.models import ImportRun

CHINA = ZoneInfo("Asia/Shanghai")


def china(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA)


def days_ago(n: int, hour: int = 10) -> datetime:
    """`hour` o'clock China time, `n` days before today (China)."""
    day = chinatime.today() - timedelta(n)
    return china(day.year, day.month, day.day, hour)


def svg_of(html: str, klass: str = "chart-svg") -> str:
    match = re.search(rf'<svg class="{klass}[^"]*".*?</svg>', html, re.S)
    assert match, f"no <svg class={klass}> in the page"
    return match.group(0)


class _Checker(HTMLParser):
    """Fails on tags that are opened and closed out of order (broken nesting)."""

    VOID = {"br", "img", "input", "link", "meta", "source", "hr", "rect", "line", "circle"}
    VOID |= {"path", "polyline"}

    def __init__(self):
        super().__init__()
        self.stack = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


def assert_well_formed(fragment: str):
    checker = _Checker()
    checker.feed(fragment)
    assert checker.stack == []


# --- aggregation -------------------------------------------------------------------


def test_daily_counts_count_published_articles_per_day_and_fill_empty_days_with_zero(
    make_article,
):
    """Days without articles are zeros in the series, not gaps."""
    make_article(published_at=china(2024, 3, 1, 9))
    make_article(published_at=china(2024, 3, 1, 18))
    make_article(published_at=china(2024, 3, 4, 12))
    series = charts.daily_counts(date(2024, 2, 29), date(2024, 3, 5))
    assert series == [
        (date(2024, 2, 29), 0),
        (date(2024, 3, 1), 2),
        (date(2024, 3, 2), 0),
        (date(2024, 3, 3), 0),
        (date(2024, 3, 4), 1),
        (date(2024, 3, 5), 0),
    ]


def test_a_day_runs_from_midnight_to_midnight_beijing_time(make_article):
    """23:59:59 and 00:00 China time fall on different days, though both are 'the same
    UTC day' (15:59:59 and 16:00 UTC)."""
    make_article(published_at=datetime(2024, 3, 1, 15, 59, 59, tzinfo=ZoneInfo("UTC")))
    make_article(published_at=datetime(2024, 3, 1, 16, 0, 0, tzinfo=ZoneInfo("UTC")))
    make_article(published_at=china(2024, 3, 2, 23, 59, 59))
    assert charts.daily_counts(date(2024, 3, 1), date(2024, 3, 3)) == [
        (date(2024, 3, 1), 1),
        (date(2024, 3, 2), 2),
        (date(2024, 3, 3), 0),
    ]


def test_the_database_finds_the_same_china_day_as_python(make_article):
    """ChinaDate does the time-zone arithmetic in SQL (a fixed +8 hours on SQLite):
    it must agree with Python's zoneinfo on every boundary, microseconds included."""
    utc = ZoneInfo("UTC")
    moments = [
        datetime(2024, 3, 1, 15, 59, 59, 999999, tzinfo=utc),
        datetime(2024, 3, 1, 16, 0, tzinfo=utc),
        datetime(2023, 12, 31, 16, 0, tzinfo=utc),  # New Year in China, not yet in UTC
        datetime(2024, 2, 28, 16, 30, tzinfo=utc),  # 29 February in China
        datetime(2000, 1, 1, 0, 0, tzinfo=utc),
    ]
    for moment in moments:
        make_article(published_at=moment)
    found = sorted(
        Article.objects.annotate(day=chinatime.ChinaDate("published_at")).values_list(
            "published_at", "day"
        )
    )
    assert found == sorted((m, m.astimezone(CHINA).date()) for m in moments)


def test_drafts_and_scheduled_articles_never_count(make_article, make_stock, category):
    """Only what readers can see is in the numbers."""
    nio = make_stock(106, "NIO", "蔚来")
    make_article(published_at=days_ago(1), stocks=[nio], tags=["新能源"])
    make_article(
        published_at=days_ago(1), stocks=[nio], tags=["新能源"], status=Article.Status.DRAFT
    )
    make_article(published_at=timezone.now() + timedelta(hours=2), stocks=[nio], tags=["新能源"])
    from taggit.models import Tag

    tag = Tag.objects.get(name="新能源")
    for series in (
        charts.stock_flow(nio),
        charts.category_flow(category),
        charts.tag_flow(tag),
        charts.news_flow("all"),
    ):
        assert series.total == 1
    assert charts.dashboard().total == 1
    assert [s.count for s in charts.hot_stocks().stocks] == [1]


def test_ranges_end_today_and_bad_values_fall_back_to_ninety_days(make_article, make_stock):
    """90 days and a year end today; "all" runs from the first article to the newest."""
    stock = make_stock(1, "600519", "贵州茅台")
    make_article(published_at=days_ago(200), stocks=[stock])
    make_article(published_at=days_ago(3), stocks=[stock])
    ninety = charts.stock_flow(stock, "90d")
    assert len(ninety.points) == 90 and ninety.end == chinatime.today() and ninety.total == 1
    year = charts.stock_flow(stock, "1y")
    assert len(year.points) == 365 and year.total == 2
    everything = charts.stock_flow(stock, "all")
    assert everything.start == chinatime.today() - timedelta(200) and everything.total == 2
    assert everything.bucket == "day" and len(everything.points) == 198
    assert everything.end == chinatime.today() - timedelta(3), "not stretched to today"
    for bogus in ("", "7d", None, "ALL", "1y; drop"):
        assert charts.stock_flow(stock, bogus).range_key == "90d"


def test_all_time_longer_than_a_year_is_drawn_by_month(make_article, make_stock):
    """Five years of days would be hairlines; months stay readable, zeros kept."""
    stock = make_stock(1, "600519")
    make_article(published_at=days_ago(800), stocks=[stock])
    make_article(published_at=days_ago(2), stocks=[stock])
    series = charts.stock_flow(stock, "all")
    assert series.bucket == "month"
    assert all(day.day == 1 for day, _ in series.points)
    assert series.total == 2 and 0 in [n for _, n in series.points]
    assert series.points[-1][0] == (chinatime.today() - timedelta(2)).replace(day=1)


def test_an_empty_all_time_series_has_no_points(make_stock):
    assert charts.stock_flow(make_stock(1, "600000"), "all").points == []


def test_related_stocks_count_articles_mentioning_both(make_article, make_stock):
    """相关个股: co-mentions, most first, never the stock itself, sector boards left out."""
    nio, baba, bidu = make_stock(106, "NIO"), make_stock(106, "BABA"), make_stock(105, "BIDU")
    board = make_stock(90, "BK1037", "新能源车")
    make_article(stocks=[nio, baba, board])
    make_article(stocks=[baba, nio])
    make_article(stocks=[nio, bidu])
    make_article(stocks=[baba, bidu])  # no NIO
    make_article(stocks=[nio, bidu], status=Article.Status.DRAFT)
    related = charts.related_stocks(nio)
    assert [(s.code, s.count) for s in related] == [("BABA", 2), ("BIDU", 1)]


def test_hot_stocks_rank_the_last_24_hours_with_14_day_sparklines(make_article, make_stock):
    """今日热股: the most-mentioned securities of the last day, each with its last 14 days."""
    a, b, c = make_stock(1, "600519", "贵州茅台"), make_stock(0, "300750"), make_stock(106, "NIO")
    make_article(published_at=timezone.now() - timedelta(hours=2), stocks=[a, b])
    make_article(published_at=timezone.now() - timedelta(hours=3), stocks=[a])
    make_article(published_at=timezone.now() - timedelta(hours=30), stocks=[c])
    make_article(published_at=days_ago(5), stocks=[a])
    make_article(published_at=days_ago(20), stocks=[a])  # outside the sparkline
    board = charts.hot_stocks()
    assert board.recent and board.day == chinatime.today()
    assert [(s.code, s.count) for s in board.stocks] == [("600519", 2), ("300750", 1)]
    spark = dict(board.stocks[0].sparkline)
    assert len(spark) == 14 and sum(spark.values()) == 3
    assert spark[chinatime.today() - timedelta(5)] == 1


def test_hot_stocks_fall_back_to_the_newest_day_with_articles(make_article, make_stock):
    """An archive (or a quiet weekend) still shows its last busy day."""
    a, b = make_stock(1, "600519"), make_stock(0, "300750")
    make_article(published_at=china(2022, 6, 22, 10), stocks=[a, b])
    make_article(published_at=china(2022, 6, 22, 0, 5), stocks=[b])
    make_article(published_at=china(2022, 6, 21, 23, 55), stocks=[a])  # the day before
    make_article(published_at=china(2022, 6, 23, 9), stocks=[a], status=Article.Status.DRAFT)
    board = charts.hot_stocks()
    assert not board.recent and board.day == date(2022, 6, 22)
    assert [(s.code, s.count) for s in board.stocks] == [("300750", 2), ("600519", 1)]
    assert board.stocks[1].sparkline[-2:] == [(date(2022, 6, 21), 1), (date(2022, 6, 22), 1)]


def test_hot_stocks_take_two_queries_when_the_newest_time_is_given(
    make_article, make_stock, django_assert_num_queries
):
    """One query ranks, one fetches every sparkline, whatever the number of stocks."""
    stocks = [make_stock(1, f"6000{i:02d}") for i in range(10)]
    for i in range(10):
        make_article(published_at=timezone.now() - timedelta(hours=1 + i), stocks=stocks[: i + 1])
    newest = Article.objects.published().first().published_at
    with django_assert_num_queries(2):
        board = charts.hot_stocks(newest=newest)
    assert len(board.stocks) == charts.HOT_LIMIT
    with django_assert_num_queries(3):
        charts.hot_stocks()


def test_dashboard_counts_by_day_and_section_and_lists_the_schedule(
    make_article, make_category, draft
):
    """The admin's numbers: per day and section, drafts, the next publish times, imports."""
    other = make_category(name="财联社", slug="cailianshe")
    make_article(published_at=days_ago(0, hour=0))
    make_article(published_at=days_ago(2), category=other)
    make_article(published_at=days_ago(2), category=other)
    make_article(published_at=days_ago(40))  # outside the 30 days
    later = make_article(title="明早的稿子", published_at=timezone.now() + timedelta(hours=10))
    ImportRun.objects.create(created=3, updated=1, failed=2, finished_at=timezone.now())
    ImportRun.objects.create(dry_run=True, created=99)
    board = charts.dashboard()
    assert len(board.days) == 30 and board.total == 3
    assert [name for _, name in board.categories] == ["证券日报", "财联社"]
    rows = {day: counts for day, counts, _ in board.rows()}
    assert rows[chinatime.today()] == [1, 0] and rows[chinatime.today() - timedelta(2)] == [0, 2]
    assert board.drafts == 1
    assert [a.title for a in board.scheduled] == [later.title] and board.scheduled_count == 1
    assert [(r.created, r.updated, r.failed) for r in board.import_runs] == [(3, 1, 2)]


# --- rendering ---------------------------------------------------------------------


def test_bar_chart_has_title_desc_one_bar_per_day_and_links_only_on_days_with_articles():
    series = charts.Series([(date(2024, 3, d), n) for d, n in [(1, 0), (2, 3), (3, 1)]])
    svg = charts_svg.bar_chart_svg(
        series, cid="c1", title="标题", desc="说明", href=lambda d, b: f"/x/?day={d}"
    )
    assert '<title id="c1-title">标题</title><desc id="c1-desc">说明</desc>' in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert svg.count('class="chart-zero"') == 1
    assert svg.count('class="chart-bar') == 2 and svg.count("chart-peak") == 1
    assert re.findall(r'<a href="([^"]+)"', svg) == ["/x/?day=2024-03-02", "/x/?day=2024-03-03"]
    assert "2024年3月2日：3 篇" in svg
    assert_well_formed(svg)


def test_chart_text_is_escaped():
    """A stock or section name is data: it cannot inject markup into the SVG."""
    points = [(date(2024, 3, 1), 1)]
    svg = charts_svg.sparkline_svg(points, cid="s", title="<script>x</script>", desc='"&')
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&quot;&amp;" in svg


def test_sparkline_keeps_zero_days_on_the_baseline():
    points = [(date(2024, 3, d), n) for d, n in [(1, 0), (2, 2), (3, 0), (4, 1)]]
    svg = charts_svg.sparkline_svg(points, cid="s", title="t", desc="d")
    coords = re.search(r'points="([^"]+)"', svg).group(1).split()
    assert len(coords) == 4
    assert [float(c.split(",")[1]) for c in coords] == [22, 2, 22, 12]
    assert 'role="img"' in svg


# --- pages -------------------------------------------------------------------------


def test_stock_page_shows_its_news_flow_related_stocks_and_a_data_table(
    client, make_article, make_stock
):
    nio, baba = make_stock(106, "NIO", "蔚来"), make_stock(106, "BABA", "阿里巴巴")
    make_article(published_at=days_ago(1), stocks=[nio, baba])
    make_article(published_at=days_ago(1, hour=15), stocks=[nio])
    make_article(published_at=days_ago(10), stocks=[nio])
    html = client.get("/stock/106.NIO/").content.decode()
    svg = svg_of(html)
    assert "<title" in svg and "蔚来新闻热度（近 90 天）" in svg and "<desc" in svg
    assert svg.count('<rect class="chart-bar') == 2 and svg.count('class="chart-zero"') == 88
    assert "近 90 天共 <strong>3</strong> 篇" in html
    assert re.search(r'<section class="related-stocks".*阿里巴巴.*1 篇', html, re.S)
    table = re.search(r'<div class="visually-hidden"><table>.*?</table>', html, re.S).group(0)
    assert table.count("<tr>") == 91  # header + 90 days
    yesterday = chinatime.today() - timedelta(1)
    assert (
        f'<th scope="row">{yesterday:%Y}年{yesterday.month}月{yesterday.day}日</th><td>2</td>'
        in table
    )
    assert_well_formed(re.search(r'<div class="chart-row">.*?</section>\s*</div>', html, re.S)[0])


def test_a_bar_links_to_the_stock_page_filtered_to_that_day(client, make_article, make_stock):
    """The peaks link to that day's articles: the link answers 200 and lists exactly them."""
    nio = make_stock(106, "NIO", "蔚来")
    make_article(title="那天的新闻", published_at=days_ago(4, hour=0), stocks=[nio])
    make_article(title="前一天深夜", published_at=days_ago(5, hour=23), stocks=[nio])
    make_article(title="那天的别家新闻", published_at=days_ago(4))
    html = client.get("/stock/106.NIO/?range=1y").content.decode()
    day = chinatime.today() - timedelta(4)
    link = f"/stock/106.NIO/?range=1y&amp;day={day.isoformat()}"
    assert f'<a href="{link}"' in svg_of(html)
    response = client.get(link.replace("&amp;", "&"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "那天的新闻" in page and "前一天深夜" not in page and "那天的别家新闻" not in page
    assert f"{day.year}年{day.month}月{day.day}日提及蔚来的文章" in page


@pytest.mark.parametrize(
    "query",
    [
        "?range=all",
        "?range=1y",
        "?range=bogus",
        "?day=2024-02-30",
        "?day=x&range=%00",
        "?day=9999-12-31",
    ],
)
def test_stock_page_range_and_day_never_fail(client, make_article, make_stock, query):
    """Whatever is typed after the ?, the page answers 200 (bad values are ignored)."""
    nio = make_stock(106, "NIO", "蔚来")
    make_article(title="蔚来新闻", stocks=[nio])
    response = client.get("/stock/106.NIO/" + query)
    assert response.status_code == 200
    assert "蔚来新闻" in response.content.decode() or "day=2024" not in query


def test_a_quiet_ninety_days_shows_the_ninety_days_up_to_the_newest_article(
    client, make_article, make_stock
):
    """The imported archive is years old: the default chart moves back to where the
    news is, and says so in its heading, instead of drawing an empty box."""
    nio = make_stock(106, "NIO", "蔚来")
    make_article(published_at=china(2022, 3, 8, 6), stocks=[nio])
    make_article(published_at=china(2022, 1, 20, 6), stocks=[nio])
    make_article(published_at=china(2021, 6, 1, 6), stocks=[nio])  # outside those 90 days
    series = charts.stock_flow(nio)
    assert series.moved_back and series.end == date(2022, 3, 8) and len(series.points) == 90
    assert series.total == 2
    html = client.get("/stock/106.NIO/").content.decode()
    heading = html.split('class="chart-heading">', 1)[1].split("</h2>", 1)[0]
    assert "近 90 天没有相关文章，显示截至 2022年3月8日的 90 天" in heading
    assert "截至 2022年3月8日的 90 天共 <strong>2</strong> 篇" in html
    assert "2022年3月8日" in svg_of(html)
    everything = client.get("/stock/106.NIO/?range=all").content.decode()
    assert "全部共 <strong>3</strong> 篇" in everything and "2022年3月" in svg_of(everything)


def test_a_subject_with_no_article_at_all_says_so_and_offers_all_time(client, make_category):
    empty = make_category(name="新栏目", slug="xin")
    html = client.get(empty.get_absolute_url()).content.decode()
    assert "近 90 天没有相关的已发布文章" in html
    assert f'href="{empty.get_absolute_url()}?range=all"' in html
    assert 'class="chart-svg' not in html and "chart-moved" not in html


def test_category_and_tag_pages_show_their_news_flow_linking_to_the_day_archive(
    client, make_article, category
):
    make_article(title="栏目新闻", published_at=days_ago(2), tags=["新能源"])
    day = chinatime.today() - timedelta(2)
    archive = reverse("articles:archive-day", args=[day.year, day.month, day.day])
    for url, subject in (
        (category.get_absolute_url(), "证券日报新闻热度"),
        (reverse("articles:tag", args=["新能源"]), "标签“新能源”新闻热度"),
    ):
        html = client.get(url).content.decode()
        svg = svg_of(html)
        assert subject in svg and f'<a href="{archive}"' in svg
    day_page = client.get(archive)
    assert day_page.status_code == 200 and "栏目新闻" in day_page.content.decode()


def test_only_the_first_page_of_a_list_draws_the_chart(client, make_article):
    for _ in range(21):
        make_article()
    url = reverse("articles:category", args=["zhengquanribao"])
    assert 'class="chart-svg' in client.get(url).content.decode()
    assert 'class="chart-svg' not in client.get(url + "?page=2").content.decode()


def test_home_shows_todays_hot_stocks_with_sparklines(
    client, make_article, make_stock, make_category
):
    rolling = make_category(name="东财滚动新闻", slug="emnews")
    moutai = make_stock(1, "600519", "贵州茅台")
    make_article(published_at=timezone.now() - timedelta(hours=1), stocks=[moutai])
    make_article(
        published_at=timezone.now() - timedelta(hours=2), stocks=[moutai], category=rolling
    )
    html = client.get("/").content.decode()
    panel = re.search(r'<section class="hot-stocks".*?</section>', html, re.S).group(0)
    assert "今日热股" in panel and "近 24 小时" in panel
    assert 'href="/stock/1.600519/"' in panel and "2 篇" in panel
    assert panel.count('class="chart-svg chart-spark"') == 1
    assert "<caption>近 14 天每天提及热股的文章数</caption>" in panel
    assert_well_formed(panel)


def test_drafts_leave_no_trace_in_any_chart(client, make_article, make_stock, draft, make_category):
    """A draft's stock, day and count appear nowhere: not in bars, tables or panels."""
    make_category(name="东财滚动新闻", slug="emnews")
    secret = make_stock(1, "688888", "机密股份")
    public = make_stock(1, "600000", "浦发银行")
    draft.set_stocks([secret, public])
    draft.published_at = timezone.now() - timedelta(minutes=5)
    draft.save()
    make_article(published_at=days_ago(2), stocks=[public])
    for url in ("/", "/stock/1.600000/?range=all"):
        html = client.get(url).content.decode()
        assert "机密股份" not in html and "688888" not in html, url
    stock_page = client.get("/stock/1.600000/?range=all").content.decode()
    assert "全部共 <strong>1</strong> 篇" in stock_page
    # The draft's own stock has no public article: its page is empty, or not found at all.
    secret = client.get("/stock/1.688888/?range=all")
    assert secret.status_code in (200, 404)
    assert 'class="chart-svg' not in secret.content.decode()
    if secret.status_code == 200:
        assert "全部没有相关的已发布文章" in secret.content.decode()


def test_admin_index_shows_the_dashboard_to_editors(editor_client, make_article, scheduled):
    make_article(published_at=days_ago(1))
    ImportRun.objects.create(created=28, updated=1, failed=2, finished_at=timezone.now())
    html = editor_client.get("/admin/").content.decode()
    assert html.index('class="newsroom-dashboard"') < html.index('class="app-articles')
    board = re.search(
        r'<div class="newsroom-dashboard">.*?</div>\s*</div>\s*(?=<div class="app)', html, re.S
    )
    assert board, "dashboard missing"
    text = board.group(0)
    assert "近 30 天发布" in text and 'role="img"' in text and "<desc" in text
    assert "定时发布" in text and scheduled.title in text
    assert f"{timezone.localtime(scheduled.published_at):%H:%M}" in text
    assert '<td>28</td><td>1</td><td class="dashboard-warn">2</td>' in text
    assert "css/charts.css" in html


def test_writers_see_the_dashboard_too(writer_client, draft):
    """Writers (who may view articles) see the desk's numbers; the admin is staff-only."""
    html = writer_client.get("/admin/").content.decode()
    assert "newsroom-dashboard" in html and "待发布草稿" in html


def test_anonymous_visitors_get_the_login_page_not_the_dashboard(client, make_article):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("count", [3, 30])
def test_pages_with_charts_run_a_constant_number_of_queries(
    client,
    editor_client,
    django_assert_max_num_queries,
    make_article,
    make_stock,
    make_category,
    count,
):
    """Each chart is one or two aggregate queries, whatever the number of articles."""
    rolling = make_category(name="东财滚动新闻", slug="emnews")
    stocks = [make_stock(1, f"60{i:04d}", f"股票{i}") for i in range(4)]
    make_article(category=rolling, stocks=stocks)  # the home sidebar needs a flash
    for i in range(count):
        make_article(
            published_at=timezone.now() - timedelta(hours=3 * i + 1),
            tags=[f"标签{i}", "共同标签"],
            stocks=stocks[: 1 + i % 4],
        )
    day = timezone.localtime(Article.objects.first().published_at).date().isoformat()
    # Before the charts: home 7, section 6, tag 6, stock 6 queries.
    budgets = {
        "/": 10,  # + the hot stocks and their sparklines, + the editors' menu (topics)
        reverse("articles:category", args=["zhengquanribao"]): 7,  # + its news flow
        rolling.get_absolute_url(): 6,  # the 7x24 timeline: 5, + its news flow
        reverse("articles:tag", args=["共同标签"]) + "?range=1y": 7,
        stocks[0].get_absolute_url(): 8,  # + news flow and related stocks
        stocks[0].get_absolute_url() + "?range=all": 8,
        stocks[0].get_absolute_url() + f"?day={day}": 8,
        stocks[0].get_absolute_url() + f"?range=all&month={day[:7]}": 8,
    }
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            response = client.get(url)
        assert response.status_code == 200 and 'class="chart-svg' in response.content.decode()
    with django_assert_max_num_queries(20):
        assert editor_client.get("/admin/").status_code == 200


def test_dashboard_takes_a_fixed_number_of_queries(make_article, django_assert_num_queries):
    for i in range(12):
        make_article(published_at=days_ago(i))
    with django_assert_num_queries(4):  # chart, schedule, drafts, imports
        charts.dashboard()


@pytest.mark.django_db(transaction=True)
def test_charts_are_cached_with_the_page_and_refresh_when_an_article_is_published(
    client, settings, make_article, make_stock, tmp_path
):
    """Same invalidation as the page: a committed write purges the stock's page."""
    from django.core.cache import cache

    settings.NEWSROOM_PAGE_CACHE = True
    cache.clear()
    nio = make_stock(106, "NIO", "蔚来")
    make_article(published_at=days_ago(1), stocks=[nio])
    first = client.get("/stock/106.NIO/")
    assert (
        first["X-Page-Cache"] == "miss"
        and "近 90 天共 <strong>1</strong> 篇" in first.content.decode()
    )
    assert client.get("/stock/106.NIO/")["X-Page-Cache"] == "hit"
    make_article(published_at=days_ago(1), stocks=[nio])
    fresh = client.get("/stock/106.NIO/")
    assert fresh["X-Page-Cache"] == "miss"
    assert "近 90 天共 <strong>2</strong> 篇" in fresh.content.decode()
    cache.clear()


def test_each_chart_costs_a_fixed_number_of_queries(
    rf, make_article, make_stock, category, django_assert_num_queries
):
    """What a chart adds to its page: one query per news flow, two for a stock's charts
    (flow and 相关个股), two for 今日热股 given the lead story's time."""
    from django.template import Context, Template
    from taggit.models import Tag

    stocks = [make_stock(1, f"60{i:04d}", f"股票{i}") for i in range(5)]
    for i in range(25):
        make_article(published_at=days_ago(i % 9), stocks=stocks[: 1 + i % 5], tags=["新能源"])
    tag = Tag.objects.get(name="新能源")
    newest = Article.objects.published().first().published_at
    request = rf.get("/x/?range=1y")
    cases = [
        ("{% news_flow category=c %}", 1),
        ("{% news_flow tag=t %}", 1),
        ("{% news_flow stock=s %}", 1),
        ("{% stock_charts s %}", 2),
        (
            '{% hot_stocks_board newest=n as hot %}{% include "articles/includes/hot_stocks.html"'
            " with board=hot.board items=hot.items day_label=hot.day_label %}",
            2,
        ),
    ]
    for source, queries in cases:
        template = Template("{% load charts %}" + source)
        context = Context(
            {"request": request, "c": category, "t": tag, "s": stocks[0], "n": newest}
        )
        with django_assert_num_queries(queries):
            html = template.render(context)
        assert "chart-svg" in html, source


# --- the 7x24 section, 今日热股 without it, months, page links ----------------------


def test_the_rolling_news_section_shows_its_news_flow_too(client, make_article, make_category):
    """/category/emnews/ has its own timeline layout, and the same chart above it."""
    rolling = make_category(name="东财滚动新闻", slug="emnews")
    make_article(title="一条快讯", published_at=days_ago(3), category=rolling)
    make_article(published_at=days_ago(3))  # another section: not counted here
    html = client.get(rolling.get_absolute_url()).content.decode()
    svg = svg_of(html)
    assert "东财滚动新闻新闻热度（近 90 天）" in svg
    day = chinatime.today() - timedelta(3)
    assert (
        f'<a href="{reverse("articles:archive-day", args=[day.year, day.month, day.day])}"' in svg
    )
    assert "近 90 天共 <strong>1</strong> 篇" in html
    assert html.index('class="chart-panel"') < html.index("一条快讯")
    for _ in range(21):
        make_article(category=rolling)
    page2 = client.get(rolling.get_absolute_url() + "?page=2").content.decode()
    assert 'class="chart-svg' not in page2


def test_hot_stocks_show_without_any_rolling_news(client, make_article, make_stock):
    """今日热股 needs stock mentions, nothing else: no 7x24 section, no flashes."""
    moutai = make_stock(1, "600519", "贵州茅台")
    make_article(title="头条", stocks=[moutai])
    make_article(stocks=[moutai])
    html = client.get("/").content.decode()
    assert 'class="home-side"' not in html  # no 7x24 column
    panel = re.search(r'<section class="hot-stocks".*?</section>', html, re.S).group(0)
    assert 'href="/stock/1.600519/"' in panel and "2 篇" in panel
    # Its own item of the home grid (the browser tests check where it lands on screen:
    # the right column on a desktop, right after the lead story on a phone).
    grid = re.search(r'<div class="home-grid">.*</div>\s*</main>', html, re.S).group(0)
    assert re.search(r'</div>\s*<section class="hot-stocks"', grid)


def test_no_hot_stocks_panel_without_mentions_or_beyond_page_one(
    client, make_article, make_stock, django_assert_max_num_queries
):
    for _ in range(22):
        make_article()
    assert 'class="hot-stocks"' not in client.get("/").content.decode()
    make_article(stocks=[make_stock(1, "600519", "贵州茅台")])
    assert 'class="hot-stocks"' in client.get("/").content.decode()
    with django_assert_max_num_queries(5):  # page 2 runs no chart query
        page2 = client.get("/?page=2")
    assert page2.status_code == 200 and 'class="hot-stocks"' not in page2.content.decode()


def test_parse_month_accepts_only_year_dash_month():
    assert chinatime.parse_month("2024-03") == date(2024, 3, 1)
    assert chinatime.parse_month("2024-12") == date(2024, 12, 1)
    for bad in (
        None,
        "",
        "2024-3",
        "2024-13",
        "2024-00",
        "2024/03",
        "2024-03-01",
        "１２３４-01",
        "-202-01",
        "1899-12",
        "9001-01",
        "2024-+3",
        " 2024-03",
    ):
        assert chinatime.parse_month(bad) is None, bad
    bounds = chinatime.month_bounds(date(2024, 12, 1))
    assert bounds == {
        "published_at__gte": china(2024, 12, 1),
        "published_at__lt": china(2025, 1, 1),
    }


def test_a_month_bar_links_to_the_stock_page_filtered_to_that_month(
    client, make_article, make_stock
):
    """All time longer than a year is drawn by month; each month with articles links to
    the stock page listing that month's articles (China time), and nothing else."""
    nio = make_stock(106, "NIO", "蔚来")
    make_article(title="三月一日零点", published_at=china(2022, 3, 1, 0, 0), stocks=[nio])
    make_article(title="三月末深夜", published_at=china(2022, 3, 31, 23, 59), stocks=[nio])
    make_article(title="二月末深夜", published_at=china(2022, 2, 28, 23, 59), stocks=[nio])
    make_article(title="四月一日零点", published_at=china(2022, 4, 1, 0, 0), stocks=[nio])
    make_article(title="三月别家", published_at=china(2022, 3, 10, 9))
    make_article(published_at=days_ago(1), stocks=[nio])
    html = client.get("/stock/106.NIO/?range=all").content.decode()
    svg = svg_of(html)
    links = re.findall(r'<a href="([^"]+)"', svg)
    assert "/stock/106.NIO/?range=all&amp;month=2022-03" in links
    assert len(links) == 4  # February, March, April 2022 and this month
    assert all("month=" in link for link in links)
    assert 'aria-label="2022年3月：2 篇，查看文章"' in svg
    response = client.get("/stock/106.NIO/?range=all&month=2022-03")
    page = response.content.decode()
    assert response.status_code == 200
    assert "三月一日零点" in page and "三月末深夜" in page
    assert "二月末深夜" not in page and "四月一日零点" not in page and "三月别家" not in page
    assert "2022年3月提及蔚来的文章" in page and 'href="/stock/106.NIO/">查看全部文章' in page


@pytest.mark.parametrize(
    "query",
    [
        "?month=2022-13",
        "?month=x",
        "?month=%00",
        "?month=2022-3",
        "?month=99999-01",
        "?month=2022-03-01",
        "?month=2022-03&month=%FF",
        "?range=all&month=0000-00",
    ],
)
def test_bad_months_are_ignored(client, make_article, make_stock, query):
    """Anything that is not YYYY-MM lists every article, answers 200, never 500."""
    nio = make_stock(106, "NIO", "蔚来")
    make_article(title="旧闻", published_at=china(2022, 3, 8, 6), stocks=[nio])
    make_article(title="新闻", published_at=days_ago(2), stocks=[nio])
    response = client.get("/stock/106.NIO/" + query)
    page = response.content.decode()
    assert response.status_code == 200
    assert "旧闻" in page and "新闻" in page and 'class="chart-filter"' not in page


def test_a_day_wins_over_a_month(client, make_article, make_stock):
    nio = make_stock(106, "NIO", "蔚来")
    make_article(title="八日", published_at=china(2022, 3, 8, 6), stocks=[nio])
    make_article(title="九日", published_at=china(2022, 3, 9, 6), stocks=[nio])
    page = client.get("/stock/106.NIO/?month=2022-03&day=2022-03-09").content.decode()
    assert "九日" in page and "八日" not in page and "2022年3月9日提及蔚来的文章" in page


def _page_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S)
    return re.findall(r'href="([^"]+)"', nav.group(0)) if nav else []


def test_page_links_keep_the_month_filter(client, make_article, make_stock):
    """Page 2 of a month is still that month: ?month= rides along on the page links."""
    nio = make_stock(106, "NIO", "蔚来")
    for i in range(25):
        make_article(title=f"三月第{i}条", published_at=china(2022, 3, 1 + i, 9), stocks=[nio])
    make_article(title="四月的别条", published_at=china(2022, 4, 2, 9), stocks=[nio])
    first = client.get("/stock/106.NIO/?month=2022-03").content.decode()
    assert _page_links(first) == ["?month=2022-03&amp;page=2"]
    second = client.get("/stock/106.NIO/?month=2022-03&page=2").content.decode()
    assert _page_links(second) == ["?month=2022-03&amp;page=1"]
    assert second.count('<article class="item') == 5 and "四月的别条" not in second
    assert "2022年3月提及蔚来的文章（第 2 页）" in second
    assert "第 2 页" in second  # no total: the lists do not count their rows


def test_page_links_keep_the_day_filter(client, make_article, make_stock):
    """A day fits on a page of 100; the 101st article is on page 2 of that same day."""
    nio = make_stock(106, "NIO", "蔚来")
    for i in range(101):
        make_article(published_at=china(2022, 3, 8, 0) + timedelta(minutes=i), stocks=[nio])
    make_article(title="次日", published_at=china(2022, 3, 9, 0), stocks=[nio])
    first = client.get("/stock/106.NIO/?day=2022-03-08").content.decode()
    assert _page_links(first) == ["?day=2022-03-08&amp;page=2"]
    second = client.get("/stock/106.NIO/?day=2022-03-08&page=2").content.decode()
    assert second.count('<article class="item') == 1 and "次日" not in second
    assert _page_links(second) == ["?day=2022-03-08&amp;page=1"]


def test_other_lists_keep_plain_page_links(client, make_article, make_stock):
    """Bad filters, other params and other lists: nothing but ?page= on the links."""
    nio = make_stock(106, "NIO", "蔚来")
    for _ in range(21):
        make_article(stocks=[nio])
    assert _page_links(client.get("/stock/106.NIO/?month=bogus&x=%22").content.decode()) == [
        "?page=2"
    ]
    assert _page_links(client.get("/").content.decode()) == ["?page=2"]
    assert _page_links(client.get("/category/zhengquanribao/").content.decode()) == ["?page=2"]
