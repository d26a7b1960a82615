"""What readers see on the public site: navigation, Chinese tag URLs, 404s, home blocks,
7×24 flashes, indexes, archives, related articles, page metadata and query counts."""

import json
import re
from datetime import datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import listings
from articles.models import Article

# ------------------------------------------------------------------------------------------
# The public site: navigation, Chinese tag URLs, hidden drafts, 404s and query counts.


def test_home_lists_published_articles_newest_first(client, make_article):
    """Readers land on the newest story first."""
    now = timezone.now()
    make_article(title="较早的新闻", published_at=now - timedelta(days=2))
    make_article(title="最新的新闻", published_at=now - timedelta(minutes=1))
    make_article(title="中间的新闻", published_at=now - timedelta(days=1))
    html = client.get("/").content.decode()
    assert html.index("最新的新闻") < html.index("中间的新闻") < html.index("较早的新闻")


def test_navigation_from_home_to_article_to_category_to_tag_and_back(
    client, make_article, make_stock
):
    """Every link a reader follows on the way leads to a working page."""
    nio = make_stock(106, "NIO", "蔚来")
    article = make_article(
        title="蔚来发布新车", tags=["证券日报新闻", "新能源"], stocks=[nio], source_name="证券日报"
    )
    home = client.get("/")
    assert home.status_code == 200
    assert article.get_absolute_url() in home.content.decode()

    page = client.get(article.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>蔚来发布新车</h1>" in html
    assert "来源：证券日报" in html
    assert 'href="http://quote.eastmoney.com/unify/r/106.NIO"' in html
    assert f'<link rel="canonical" href="http://testserver{article.get_absolute_url()}">' in html
    category_url = reverse("articles:category", args=[article.category.slug])
    tag_url = reverse("articles:tag", args=["证券日报新闻"])
    assert category_url in html
    assert tag_url in html

    category_page = client.get(category_url)
    assert category_page.status_code == 200
    assert "蔚来发布新车" in category_page.content.decode()

    tag_page = client.get(tag_url)
    assert tag_page.status_code == 200
    assert "蔚来发布新车" in tag_page.content.decode()
    assert 'href="/"' in tag_page.content.decode()


def test_chinese_tag_url_works_percent_encoded_too(client, make_article):
    """Browsers send Chinese paths percent-encoded; both forms must resolve."""
    make_article(title="有标签的文章", tags=["证券日报新闻"])
    assert unquote(reverse("articles:tag", args=["证券日报新闻"])) == "/tag/证券日报新闻/"
    for url in (
        "/tag/%E8%AF%81%E5%88%B8%E6%97%A5%E6%8A%A5%E6%96%B0%E9%97%BB/",
        "/tag/证券日报新闻/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "有标签的文章" in response.content.decode()


def test_article_page_links_previous_and_next_in_the_same_category(
    client, make_article, make_category
):
    """Readers can page through a section without going back to the list."""
    first = make_article(title="第一篇")
    middle = make_article(title="第二篇")
    last = make_article(title="第三篇")
    make_article(title="别的栏目", category=make_category())
    # make_article gives each later article an earlier time, so order is last < middle < first.
    html = client.get(middle.get_absolute_url()).content.decode()
    assert f'rel="prev" href="{last.get_absolute_url()}"' in html
    assert f'rel="next" href="{first.get_absolute_url()}"' in html
    assert "别的栏目" not in html


def test_drafts_and_scheduled_articles_are_404_for_the_public(client, draft, scheduled):
    """Unpublished work must not leak through its URL."""
    for article in (draft, scheduled):
        assert client.get(article.get_absolute_url()).status_code == 404


def test_drafts_never_appear_on_any_public_list(client, make_article, draft, scheduled):
    """No list, tag or category page may show an unpublished title or body."""
    make_article(title="公开文章", tags=["草稿标签"])
    urls = [
        "/",
        reverse("articles:category", args=[draft.category.slug]),
        reverse("articles:tag", args=["草稿标签"]),
        draft.get_absolute_url(),
        scheduled.get_absolute_url(),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        for secret in ("尚未发布的独家新闻", "明天才发布", "DRAFTBODY", "SCHEDULEDBODY"):
            assert secret not in html, (url, secret)


def test_staff_can_preview_a_draft_with_a_banner(editor_client, draft):
    """Editors check their work before it goes live."""
    response = editor_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "预览模式" in response.content.decode()


def test_published_article_has_no_preview_banner_for_staff(editor_client, make_article):
    """The banner marks only what readers cannot see."""
    article = make_article()
    assert "预览模式" not in editor_client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/article/no-such-article/",
        "/category/no-such-category/",
        "/tag/不存在的标签/",
        "/stock/106.NOPE/",
        "/?page=999",
        "/?page=abc",
        "/?page=-1",
        "/?page=0",
        "/?page=" + "9" * 5000,
        "/article/%E0%A4%A/",
        "/category/../../etc/passwd",
        "/no/such/path/",
    ],
)
def test_bad_urls_give_a_branded_404_never_a_500(client, make_article, url):
    """Malformed input is the reader's mistake, not a server error."""
    make_article()
    response = client.get(url)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_page_two_exists_with_more_than_twenty_articles(client, make_article):
    """Lists paginate by 20 and link the next page."""
    for _ in range(21):
        make_article()
    first = client.get("/").content.decode()
    assert 'href="?page=2"' in first
    second = client.get("/?page=2")
    assert second.status_code == 200
    assert second.content.decode().count('class="item"') == 1


def test_every_page_has_the_site_name_and_category_menu(client, make_article, make_category):
    """The header is the reader's map of the site."""
    make_category(name="财联社", slug="cailianshe")
    article = make_article()
    for url in ("/", article.get_absolute_url(), "/category/cailianshe/"):
        html = client.get(url).content.decode()
        assert "财经新闻网" in html
        assert re.search(
            r'<nav class="site-nav"[^>]*>.*href="/category/cailianshe/"[^>]*>财联社</a>', html, re.S
        )


def test_stock_page_lists_articles_that_mention_it(client, make_article, make_stock):
    """A stock page collects the coverage of one security."""
    nio = make_stock(106, "NIO", "蔚来")
    make_article(title="提到蔚来", stocks=[nio])
    make_article(title="没提到")
    html = client.get("/stock/106.NIO/").content.decode()
    assert "提到蔚来" in html and "没提到" not in html
    assert "纽交所" in html


@pytest.mark.parametrize("count", [3, 30])
def test_list_and_article_pages_run_a_constant_number_of_queries(
    client, django_assert_max_num_queries, make_article, make_stock, make_category, count
):
    """Query counts must not grow with the articles, tags or stocks on a page."""
    stocks = [make_stock(1, f"60{i:04d}") for i in range(3)]
    for i in range(count):
        make_article(tags=[f"标签{i}", "共同标签"], stocks=stocks)
    article = Article.objects.first()
    budgets = {
        # And the editors' 头条 and 置顶, and their menu (topics.navigation: one query,
        # no longer shared with the section blocks).
        "/": 10,
        reverse("articles:category", args=[article.category.slug]): 8,
        reverse("articles:tag", args=["共同标签"]): 8,
        # Article, tags, stocks, previous, next, menu, and five for related reading
        # (link counts, stock, tag, section, the related articles' sections).
        article.get_absolute_url(): 11,
        stocks[0].get_absolute_url(): 8,
    }
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200


def test_server_error_page_is_branded_and_needs_no_database():
    """The 500 page must render even when the database is what broke."""
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "服务器出错了" in html and 'lang="zh-Hans"' in html


@pytest.mark.parametrize("common_links", [2000, 2])
def test_tag_and_stock_lists_are_the_same_whichever_plan_reads_them(
    client, make_article, make_stock, monkeypatch, common_links
):
    """A common tag or stock is read by walking the date index, a rare one by its links."""
    from articles import listings

    monkeypatch.setattr(listings, "COMMON_LINKS", common_links)
    nio = make_stock(106, "NIO", "蔚来")
    tagged = [make_article(tags=["新能源"], stocks=[nio]) for _ in range(3)]
    make_article(tags=["别的"])
    newest_first = [a.title for a in sorted(tagged, key=lambda a: a.published_at, reverse=True)]
    for url in (reverse("articles:tag", args=["新能源"]), nio.get_absolute_url()):
        html = client.get(url).content.decode()
        found = re.findall(r'class="item-title"><a [^>]*>([^<]+)<', html)
        assert found == newest_first, url


def test_tags_and_stocks_of_unpublished_articles_only_have_no_public_page(
    client, make_article, make_stock, draft
):
    """Their page would tell a visitor who guessed the name that unpublished work uses it."""
    secret = make_stock(116, "09999", "未公开")
    draft.tags.add("草稿专用")
    draft.set_stocks([secret])
    assert client.get(reverse("articles:tag", args=["草稿专用"])).status_code == 404
    assert client.get(secret.get_absolute_url()).status_code == 404
    make_article(tags=["草稿专用"], stocks=[secret])
    assert client.get(reverse("articles:tag", args=["草稿专用"])).status_code == 200
    assert client.get(secret.get_absolute_url()).status_code == 200


# ------------------------------------------------------------------------------------------
# Reader pages beyond the basics: home blocks, 7×24 flashes, indexes, archives,

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def rolling(make_category):
    return make_category(name="东财滚动新闻", slug="emnews")


def test_home_leads_with_the_newest_story_and_its_summary(client, make_article):
    """The top story is what a reader sees first."""
    make_article(title="较早", published_at=timezone.now() - timedelta(days=1))
    make_article(title="头条新闻", summary="头条的摘要", published_at=timezone.now())
    html = client.get("/").content.decode()
    lead = html[html.index('class="lead-story"') : html.index('id="latest-heading"')]
    assert "头条新闻" in lead and "头条的摘要" in lead and "较早" not in lead


def test_home_shows_the_five_newest_of_each_category(client, make_article, make_category):
    """Like the legacy home page, every section gets a block of its newest posts."""
    other = make_category(name="财联社", slug="cailianshe")
    for i in range(7):
        make_article(title=f"财联社{i}号", category=other)
    html = client.get("/").content.decode()
    block = re.search(r'id="block-cailianshe".*?</section>', html, re.S).group(0)
    # make_article gives later articles earlier times, so 0–4 are the five newest.
    assert [f"财联社{i}号" for i in range(5)] == re.findall(r"财联社\d号", block)


def test_rolling_news_is_a_timeline_grouped_by_china_day(client, make_article, rolling):
    """The 7×24 column reads like a wire: time and headline, newest first, by day."""
    day1 = datetime(2024, 3, 1, 23, 30, tzinfo=SHANGHAI)
    day2 = datetime(2024, 3, 2, 0, 15, tzinfo=SHANGHAI)  # 16:15 UTC on 1 March
    make_article(title="深夜快讯", category=rolling, published_at=day1, summary="深夜摘要")
    make_article(title="凌晨快讯", category=rolling, published_at=day2, summary="凌晨摘要")
    days = listings.flash_timeline(listings.rolling_news())
    assert [(d.day.isoformat(), [a.title for a in d.items]) for d in days] == [
        ("2024-03-02", ["凌晨快讯"]),
        ("2024-03-01", ["深夜快讯"]),
    ]
    home = client.get("/").content.decode()
    assert 'class="flash flash-compact"' in home and "00:15" in home
    page = client.get("/category/emnews/").content.decode()
    # The timeline itself (the news-flow chart above it names these days too).
    page = page[page.index('<div class="flash') :]
    assert (
        page.index("3月2日")
        < page.index("凌晨快讯")
        < page.index("3月1日")
        < page.index("深夜快讯")
    )
    assert "凌晨摘要" in page


def test_stock_index_counts_published_mentions_grouped_by_exchange(
    client, make_article, make_stock, draft
):
    """Readers find the most-covered securities; unpublished articles do not count."""
    nio, maotai = make_stock(106, "NIO", "蔚来"), make_stock(1, "600519", "贵州茅台")
    make_article(stocks=[nio, maotai])
    make_article(stocks=[nio])
    draft.set_stocks([maotai])
    groups = dict(listings.stock_leaderboard())
    assert [(s.code, s.mentions) for s in groups["纽交所"]] == [("NIO", 2)]
    assert [(s.code, s.mentions) for s in groups["上交所"]] == [("600519", 1)]
    html = client.get("/stocks/").content.decode()
    assert "纽交所" in html and 'href="/stock/106.NIO/"' in html


def test_category_index_lists_every_category_with_its_published_count(
    client, make_article, category, draft, scheduled
):
    """Counts must only include what readers can open."""
    make_article()
    html = client.get("/category/").content.decode()
    assert re.search(r"证券日报</span> <span class=\"count\">1 篇", html)


def test_tag_cloud_sizes_by_count_and_the_list_is_in_pinyin_order(client, make_article, draft):
    """Frequent tags stand out; the A–Z list orders Chinese by pinyin."""
    for _ in range(5):
        make_article(tags=["银行"])
    make_article(tags=["阿里巴巴", "Zoom"])
    cloud = {t.name: t for t in listings.tag_cloud()}
    assert cloud["银行"].count == 5 and cloud["银行"].size == 5
    assert cloud["阿里巴巴"].size < cloud["银行"].size
    assert "草稿标签" not in cloud  # only a draft carries it
    initials = [
        (i, [t.name for t in tags]) for i, tags in listings.tags_by_initial(list(cloud.values()))
    ]
    assert initials == [("A", ["阿里巴巴"]), ("Y", ["银行"]), ("Z", ["Zoom"])]
    html = client.get("/tags/").content.decode()
    assert 'class="cloud-5" href="/tag/%E9%93%B6%E8%A1%8C/"' in html


def test_date_archives_list_the_period_and_link_adjacent_periods(client, make_article):
    """Year, month and day archives let readers go back in time, period by period."""
    make_article(title="一月文章", published_at=datetime(2023, 1, 15, 9, 0, tzinfo=SHANGHAI))
    make_article(title="三月文章", published_at=datetime(2023, 3, 1, 0, 30, tzinfo=SHANGHAI))
    make_article(title="去年文章", published_at=datetime(2022, 12, 31, 23, 50, tzinfo=SHANGHAI))
    year = client.get("/archive/2023/").content.decode()
    assert "一月文章" in year and "三月文章" in year and "去年文章" not in year
    assert 'href="/archive/2022/"' in year
    month = client.get("/archive/2023/3/").content.decode()
    assert "三月文章" in month and "一月文章" not in month
    assert 'rel="prev" href="/archive/2023/1/"' in month  # February is empty: skipped
    day = client.get("/archive/2023/3/1/").content.decode()
    assert "三月文章" in day  # 00:30 China time is 1 March, though UTC says 28 February
    assert client.get("/archive/2022/12/31/").content.decode().count("去年文章") >= 1


@pytest.mark.parametrize(
    "url", ["/archive/1999/", "/archive/2023/13/", "/archive/2023/2/30/", "/archive/2023/2/"]
)
def test_empty_or_impossible_archive_periods_are_404(client, make_article, url):
    """No empty pages and no crashes on impossible dates."""
    make_article(published_at=datetime(2023, 1, 15, tzinfo=SHANGHAI))
    assert client.get(url).status_code == 404


def test_related_articles_prefer_shared_stocks_then_tags_then_category(
    make_article, make_stock, make_category, draft
):
    """Related reading is most useful when it is about the same company."""
    nio = make_stock(106, "NIO")
    now = timezone.now()
    article = make_article(title="主文", stocks=[nio], tags=["电动车"])
    same_cat_new = make_article(title="同栏目最新", published_at=now - timedelta(minutes=1))
    same_tag = make_article(
        title="同标签",
        tags=["电动车"],
        category=make_category(),
        published_at=now - timedelta(days=2),
    )
    same_stock = make_article(
        title="同股票", stocks=[nio], category=make_category(), published_at=now - timedelta(days=3)
    )
    make_article(title="无关", category=make_category(), published_at=now)
    draft.set_stocks([nio])
    related = listings.related_articles(article)
    assert [a.title for a in related][:3] == [same_stock.title, same_tag.title, same_cat_new.title]
    assert draft not in related and article not in related
    assert "无关" not in [a.title for a in related]


def test_related_articles_take_a_fixed_number_of_queries(
    make_article, make_stock, django_assert_max_num_queries
):
    """Related reading must not cost a query per candidate: one to see how common the
    article's stocks and tags are, one per preference used, one for the sections."""
    nio = make_stock(106, "NIO")
    article = make_article(stocks=[nio], tags=["电动车"])
    for _ in range(8):
        make_article(stocks=[nio], tags=["电动车"])
    article = Article.objects.for_listing().get(pk=article.pk)
    with django_assert_max_num_queries(3):  # counts, the stock's articles, sections
        assert len(listings.related_articles(article)) == 5
    lonely = Article.objects.for_listing().get(
        pk=make_article(stocks=[make_stock(1, "600000")], tags=["孤"]).pk
    )
    with django_assert_max_num_queries(5):  # counts, stock, tag, section, sections
        listings.related_articles(lonely)


def test_related_articles_are_the_same_whichever_way_they_are_read(
    make_article, make_stock, monkeypatch
):
    """A common stock or tag walks the date index, a rare one reads its links: same list."""
    nio, tsla = make_stock(106, "NIO"), make_stock(105, "TSLA")
    now = timezone.now()
    article = make_article(stocks=[nio], tags=["电动车"], published_at=now)
    for i in range(1, 9):
        make_article(
            stocks=[nio] if i % 3 == 0 else [tsla],
            tags=["电动车"] if i % 2 else [],
            published_at=now - timedelta(hours=i),
        )
    article = Article.objects.for_listing().get(pk=article.pk)
    rare = [a.pk for a in listings.related_articles(article)]
    monkeypatch.setattr(listings, "COMMON_LINKS", 1)
    common = [a.pk for a in listings.related_articles(article)]
    assert common == rare and len(rare) == 5


def test_article_page_has_metadata_for_search_engines_and_social_cards(client, make_article):
    """Shares and search results show a proper title, description, card and NewsArticle."""
    article = make_article(
        title="蔚来发布财报<测试>", summary="摘要：营收增长", source_name="证券日报"
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<title>蔚来发布财报&lt;测试&gt; - 财经新闻网</title>" in html
    assert '<meta name="description" content="摘要：营收增长">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="蔚来发布财报&lt;测试&gt;">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1)
    )
    assert data["@type"] == "NewsArticle" and data["headline"] == "蔚来发布财报<测试>"
    assert data["datePublished"] == article.published_at.isoformat()
    assert data["author"]["name"] == "证券日报" and data["publisher"]["name"] == "财经新闻网"
    assert "<测试>" not in re.search(r"ld\+json\">(.*?)</script>", html).group(1)


def test_every_page_type_has_a_distinct_title_description_and_canonical(
    client, make_article, make_stock, rolling
):
    """Search engines index each page on its own merits."""
    nio = make_stock(106, "NIO", "蔚来")
    article = make_article(tags=["新能源"], stocks=[nio])
    urls = [
        "/",
        "/?page=1",
        article.get_absolute_url(),
        "/category/",
        f"/category/{article.category.slug}/",
        "/category/emnews/",
        "/tags/",
        reverse("articles:tag", args=["新能源"]),
        "/stocks/",
        "/stock/106.NIO/",
        f"/archive/{timezone.localtime(article.published_at).year}/",
    ]
    titles = set()
    for url in urls:
        html = client.get(url).content.decode()
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert re.search(r'<meta name="description" content="[^"]+">', html), url
        assert re.search(r'<link rel="canonical" href="http://testserver/[^"]*">', html), url
        assert '<meta property="og:title"' in html, url
        assert html.count("<h1") == 1, url
        titles.add(title)
    assert len(titles) == len(urls) - 1  # "/" and "/?page=1" are the same page


def test_pages_link_their_feeds(client, make_article, make_stock):
    """Feed readers discover feeds from the page itself."""
    nio = make_stock(106, "NIO", "蔚来")
    article = make_article(tags=["新能源"], stocks=[nio])
    cases = {
        "/": "/feed/rss/",
        f"/category/{article.category.slug}/": f"/category/{article.category.slug}/feed/rss/",
        reverse("articles:tag", args=["新能源"]): reverse(
            "articles:feed-tag", args=["新能源", "rss"]
        ),
        "/stock/106.NIO/": "/stock/106.NIO/feed/rss/",
    }
    for page, feed in cases.items():
        html = client.get(page).content.decode()
        assert '<link rel="alternate" type="application/rss+xml"' in html
        assert f'href="{feed}"' in html, page


def test_breadcrumbs_on_article_category_tag_and_stock_pages(client, make_article, make_stock):
    """Readers always know where they are and can climb back up."""
    nio = make_stock(106, "NIO", "蔚来")
    article = make_article(tags=["新能源"], stocks=[nio])
    for url in (
        article.get_absolute_url(),
        f"/category/{article.category.slug}/",
        reverse("articles:tag", args=["新能源"]),
        "/stock/106.NIO/",
    ):
        html = client.get(url).content.decode()
        crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
        assert '<a href="/">首页</a>' in crumbs and 'aria-current="page"' in crumbs, url


def test_pages_are_accessible_and_self_contained(client, make_article):
    """lang, skip link, landmarks, and no resource loaded from another host."""
    article = make_article(
        body_source='<p>正文</p><img src="https://dfscdn.dfcfw.com/x.jpg" alt="图">'
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<html lang="zh-Hans">' in html
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert "<header" in html and "<footer" in html and 'role="search"' in html
    for attr in re.findall(r'<(?:img|script|link|iframe)[^>]+(?:src|href)="([^"]+)"', html):
        assert not attr.startswith(("http:", "https:", "//")) or attr.startswith(
            "http://testserver/"
        ), attr


@pytest.mark.parametrize("count", [3, 30])
def test_reader_pages_run_a_constant_number_of_queries(
    client, django_assert_max_num_queries, make_article, make_stock, rolling, count
):
    """Every page type stays cheap however many articles, tags and stocks it shows."""
    stocks = [make_stock(1, f"60{i:04d}", f"股票{i}") for i in range(3)]
    for i in range(count):
        make_article(tags=[f"标签{i}", "共同标签"], stocks=stocks)
        make_article(category=rolling, summary=f"快讯{i}")
    article = Article.objects.exclude(category=rolling).first()
    year = timezone.localtime(article.published_at).year
    urls = [
        "/",
        "/?page=2" if count == 30 else "/",
        article.get_absolute_url(),
        "/category/emnews/",
        "/category/",
        "/tags/",
        "/stocks/",
        f"/archive/{year}/",
        stocks[0].get_absolute_url(),
    ]
    for url in urls:
        # The article page adds its related-article queries (link counts, stock, tag,
        # section, and the related articles' sections); home its 头条 and 置顶, and the
        # editors' menu, which it no longer shares with its section blocks.
        budget = {article.get_absolute_url(): 11, "/": 10}.get(url, 8)
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200, url


def test_footer_carries_owner_icp_and_report_contact_from_settings(client, settings, db):
    """Chinese rules want the 备案号 and a 举报 contact on every page; empty means absent."""
    page = client.get("/").content.decode()
    assert "ICP" not in page and "违法和不良信息举报" not in page
    settings.SITE_OWNER = "某某传媒有限公司"
    settings.SITE_OWNER_ADDRESS = "北京市朝阳区某路 1 号"
    settings.SITE_ICP = "京ICP备12345678号-1"
    settings.SITE_REPORT_PHONE = "010-12345678"
    settings.SITE_REPORT_EMAIL = "jubao@example.com"
    page = client.get("/").content.decode()
    assert "主办单位：某某传媒有限公司 · 地址：北京市朝阳区某路 1 号" in page
    assert '<a href="https://beian.miit.gov.cn/" rel="noopener">京ICP备12345678号-1</a>' in page
    assert '违法和不良信息举报：电话 <a href="tel:010-12345678">010-12345678</a>' in page
    assert '<a href="mailto:jubao@example.com">jubao@example.com</a>' in page
