"""Feeds, sitemaps and robots.txt: valid XML, the right articles, no leaks, bounded queries."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.sitemaps import ArticleSitemap

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
DC = "{http://purl.org/dc/elements/1.1/}"
HOST = "http://testserver"
KINDS = ["site", "category", "tag", "stock"]
FORMATS = ["rss", "atom"]
SECTIONS = ["articles", "categories", "tags", "stocks", "topics"]
SITEMAP_PAGES = ["/sitemap.xml"] + [f"/sitemap-{section}.xml" for section in SECTIONS]
# What the `draft` and `scheduled` fixtures carry: titles, bodies, slugs.
SECRETS = ("尚未发布的独家新闻", "明天才发布", "DRAFTBODY", "SCHEDULEDBODY")
SECRETS += ("secret-draft", "secret-scheduled")


def xml(response):
    """The parsed document; ElementTree raises on anything that is not well-formed XML."""
    return ET.fromstring(response.content)


def feed_url(kind, fmt, category=None, tag="证券日报新闻", stock=None):
    """The URL of one feed, reversed by its name as the templates would."""
    kwargs = {"fmt": fmt}
    if kind == "category":
        kwargs["slug"] = category.slug
    elif kind == "tag":
        kwargs["slug"] = tag
    elif kind == "stock":
        kwargs.update(market=stock.market, code=stock.code)
    return reverse(f"articles:feed-{kind}", kwargs=kwargs)


def rss_items(root):
    return root.find("channel").findall("item")


def atom_entries(root):
    return root.findall(f"{ATOM}entry")


def item_titles(response, fmt):
    root = xml(response)
    if fmt == "rss":
        return [item.findtext("title") for item in rss_items(root)]
    return [entry.findtext(f"{ATOM}title") for entry in atom_entries(root)]


def sitemap_urls(response):
    """{loc: lastmod} of one sitemap page."""
    root = xml(response)
    assert root.tag == f"{SITEMAP}urlset"
    return {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in root.findall(f"{SITEMAP}url")
    }


def same_instant(text, when):
    """The index writes lastmod as a full ISO 8601 time; compare as instants."""
    return datetime.fromisoformat(text) == when


def same_day(text, when):
    """Django's section template writes lastmod as a date (Y-m-d) in the site's time zone."""
    return text == timezone.localtime(when).date().isoformat()


def set_times(article, published_at, updated_at):
    """Pin an article's times; `updated_at` is auto_now, so only update() can backdate it."""
    Article.objects.filter(pk=article.pk).update(published_at=published_at, updated_at=updated_at)
    article.refresh_from_db()


@pytest.fixture
def nio(make_stock):
    return make_stock(106, "NIO", "蔚来")


@pytest.fixture
def author(db):
    return get_user_model().objects.create_user("wang-login", first_name="王小明")


@pytest.fixture
def story(make_article, nio, author):
    """A published story reachable from every feed: its category, a Chinese tag, a stock."""
    return make_article(
        title="蔚来交付量创新高 <快讯> & 更多",
        body_source=(
            '<p>蔚来公布<strong>月度交付</strong>数据。</p><script>alert("x")</script>'
            '<p onclick="steal()">第二段 SECONDPARAGRAPH。</p>'
        ),
        tags=["证券日报新闻", "新能源"],
        stocks=[nio],
        author=author,
    )


# --- feeds -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_rss_feed_is_valid_rss_2_with_the_required_elements(client, story, nio, kind):
    """Feed readers reject a feed that lacks any element RSS 2.0 requires."""
    response = client.get(feed_url(kind, "rss", story.category, stock=nio))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = xml(response)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for element in ("title", "link", "description"):
        assert channel.findtext(element), element
    [item] = rss_items(root)
    permalink = HOST + story.get_absolute_url()
    assert item.findtext("title") == story.title
    assert item.findtext("link") == permalink
    guid = item.find("guid")
    assert guid.text == permalink and guid.get("isPermaLink") == "true"
    published = parsedate_to_datetime(item.findtext("pubDate"))
    assert published == story.published_at.replace(microsecond=0)


@pytest.mark.parametrize("kind", KINDS)
def test_every_atom_feed_is_valid_atom_with_the_required_elements(client, story, nio, kind):
    """Atom readers need the feed's id and updated, and each entry's id, updated and link."""
    response = client.get(feed_url(kind, "atom", story.category, stock=nio))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = xml(response)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id").startswith(HOST)
    assert datetime.fromisoformat(root.findtext(f"{ATOM}updated")) == story.updated_at
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "财经新闻网"
    self_link = root.find(f"{ATOM}link[@rel='self']").get("href")
    assert unquote(self_link) == HOST + unquote(feed_url(kind, "atom", story.category, stock=nio))
    [entry] = atom_entries(root)
    permalink = HOST + story.get_absolute_url()
    assert entry.findtext(f"{ATOM}id") == permalink
    assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == permalink
    updated = datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
    assert updated == story.updated_at
    published = datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
    assert published == story.published_at


@pytest.mark.parametrize(
    "kind, title",
    [
        ("site", "财经新闻网 - 最新文章"),
        ("category", "财经新闻网 - 证券日报"),
        ("tag", "财经新闻网 - 标签：证券日报新闻"),
        ("stock", "财经新闻网 - 蔚来（106.NIO）"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_feed_titles_are_chinese_and_name_the_site_and_subject(
    client, story, nio, kind, title, fmt
):
    """Subscribers see the feed title in their reader's list; it must say what it follows."""
    root = xml(client.get(feed_url(kind, fmt, story.category, stock=nio)))
    found = root.findtext("channel/title") if fmt == "rss" else root.findtext(f"{ATOM}title")
    assert found == title


def test_feed_title_uses_the_configured_site_name(client, story, settings):
    """The site name is configuration, so a rebranded site must not need a code change."""
    settings.SITE_NAME = "测试站"
    root = xml(client.get(feed_url("site", "rss")))
    assert root.findtext("channel/title") == "测试站 - 最新文章"
    root = xml(client.get(feed_url("site", "atom")))
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "测试站"


def test_stock_without_a_name_is_titled_by_its_symbol(client, make_article, make_stock):
    """Many imported stocks have no name; the title must still identify the security."""
    stock = make_stock(1, "600519")
    make_article(stocks=[stock])
    root = xml(client.get(feed_url("stock", "rss", stock=stock)))
    assert root.findtext("channel/title") == "财经新闻网 - 1.600519"


def test_rss_description_is_the_full_sanitized_body(client, story):
    """Readers read the whole story in their feed reader, and a feed must never carry script."""
    [item] = rss_items(xml(client.get(feed_url("site", "rss"))))
    description = item.findtext("description")
    assert description == story.body_html
    assert "SECONDPARAGRAPH" in description and "<strong>月度交付</strong>" in description
    assert "<script" not in description and "alert" not in description
    assert "onclick" not in description


def test_atom_content_is_the_full_sanitized_body_and_summary_the_excerpt(client, story):
    """Atom readers show <content>; a whole article in <summary> would be mislabelled."""
    [entry] = atom_entries(xml(client.get(feed_url("site", "atom"))))
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert content.text == story.body_html
    assert "<script" not in content.text and "onclick" not in content.text
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "text" and summary.text == story.excerpt


def test_raw_feed_bytes_carry_no_script_element(client, story):
    """Escaping aside, no byte sequence a lax reader could execute may reach a subscriber."""
    for fmt in FORMATS:
        body = client.get(feed_url("site", fmt)).content.decode()
        assert "<script" not in body.lower() and "&lt;script" not in body.lower()
        assert "alert(" not in body and "steal()" not in body


def test_titles_with_markup_characters_stay_text(client, story):
    """A headline with < and & must be escaped, not break the XML or become markup."""
    for fmt in FORMATS:
        assert item_titles(client.get(feed_url("site", fmt)), fmt) == [story.title]


def test_items_carry_category_tags_and_author(client, story):
    """Readers file items by category and show who wrote them."""
    [item] = rss_items(xml(client.get(feed_url("site", "rss"))))
    assert [c.text for c in item.findall("category")] == ["证券日报", "新能源", "证券日报新闻"]
    assert item.findtext(f"{DC}creator") == "王小明"

    [entry] = atom_entries(xml(client.get(feed_url("site", "atom"))))
    terms = [c.get("term") for c in entry.findall(f"{ATOM}category")]
    assert terms == ["证券日报", "新能源", "证券日报新闻"]
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "王小明"


def test_author_login_name_is_never_published(client, make_article):
    """An editor without a full name must not have their admin login name exposed."""
    user = get_user_model().objects.create_user("secret-login-name")
    make_article(author=user)
    make_article(author=None)
    for fmt in FORMATS:
        body = client.get(feed_url("site", fmt)).content.decode()
        assert "secret-login-name" not in body
    root = xml(client.get(feed_url("site", "rss")))
    assert all(item.find(f"{DC}creator") is None for item in rss_items(root))


@pytest.mark.parametrize("fmt", FORMATS)
def test_feeds_hold_the_twenty_newest_articles_newest_first(client, make_article, fmt):
    """Feed readers poll often; 20 newest items is enough, and more would bloat every poll."""
    now = timezone.now()
    articles = [make_article(published_at=now - timedelta(minutes=i)) for i in range(22)]
    titles = item_titles(client.get(feed_url("site", fmt)), fmt)
    assert titles == [article.title for article in articles[:20]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_category_tag_and_stock_feeds_hold_only_their_own_articles(
    client, story, nio, make_article, make_category, fmt
):
    """Subscribing to one subject must not deliver everything else."""
    make_article(title="其他栏目的文章", category=make_category())
    make_article(title="同栏目无标签无股票", category=story.category)
    expectations = {
        "site": {story.title, "其他栏目的文章", "同栏目无标签无股票"},
        "category": {story.title, "同栏目无标签无股票"},
        "tag": {story.title},
        "stock": {story.title},
    }
    for kind, expected in expectations.items():
        response = client.get(feed_url(kind, fmt, story.category, stock=nio))
        assert set(item_titles(response, fmt)) == expected, kind


@pytest.mark.parametrize("fmt", FORMATS)
def test_drafts_and_scheduled_articles_never_appear_in_any_feed(
    client, story, nio, draft, scheduled, fmt
):
    """A feed is public: unpublished work must not leak through it, by title, body or URL."""
    urls = [feed_url(kind, fmt, story.category, stock=nio) for kind in KINDS]
    # Feeds of tags that only unpublished articles carry do not exist for the public.
    for tag in ("草稿标签", "定时标签"):
        assert client.get(feed_url("tag", fmt, tag=tag)).status_code == 404, tag
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in SECRETS:
            assert secret not in body, (url, secret)


@pytest.mark.parametrize(
    "url",
    [
        "/category/no-such-category/feed/rss/",
        "/category/no-such-category/feed/atom/",
        "/tag/不存在的标签/feed/rss/",
        "/tag/不存在的标签/feed/atom/",
        "/stock/106.NOPE/feed/rss/",
        "/stock/106.NOPE/feed/atom/",
        "/feed/json/",
        "/feed/",
        "/category/zhengquanribao/feed/xml/",
    ],
)
def test_unknown_feed_subject_or_format_is_a_branded_404(client, story, url):
    """A mistyped feed URL is the reader's mistake: a 404 page, never a 500."""
    response = client.get(url)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_chinese_tag_feed_url_works_raw_and_percent_encoded(client, story):
    """Feed readers send Chinese paths percent-encoded; both forms must resolve."""
    url = feed_url("tag", "rss")
    assert unquote(url) == "/tag/证券日报新闻/feed/rss/"
    for requested in (url, unquote(url)):
        response = client.get(requested)
        assert response.status_code == 200
        assert item_titles(response, "rss") == [story.title]
    channel_link = xml(client.get(url)).findtext("channel/link")
    assert unquote(channel_link) == HOST + "/tag/证券日报新闻/"


def test_stock_feed_answers_at_the_documented_url(client, story):
    """The URL in the issue, /stock/106.NIO/feed/rss/, is what gets published to readers."""
    response = client.get("/stock/106.NIO/feed/rss/")
    assert response.status_code == 200
    assert item_titles(response, "rss") == [story.title]


@pytest.mark.parametrize("count", [3, 30])
def test_feeds_run_a_constant_number_of_queries(
    client, django_assert_max_num_queries, make_article, make_stock, author, count
):
    """Feed readers poll constantly; a query per item, tag or stock would not scale."""
    stocks = [make_stock(1, f"60{i:04d}") for i in range(3)]
    for i in range(count):
        make_article(tags=[f"标签{i}", "共同标签"], stocks=stocks, author=author)
    category = Article.objects.first().category
    for fmt in FORMATS:
        for kind in KINDS:
            url = feed_url(kind, fmt, category, tag="共同标签", stock=stocks[0])
            with django_assert_max_num_queries(8):
                response = client.get(url)
            assert response.status_code == 200
            assert len(item_titles(response, fmt)) == min(count, 20)


# --- sitemaps --------------------------------------------------------------------------


def test_sitemap_index_lists_every_section_with_absolute_urls(client, story):
    """Search engines fetch only the index; every section must be reachable from it."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = xml(response)
    assert root.tag == f"{SITEMAP}sitemapindex"
    locs = [sitemap.findtext(f"{SITEMAP}loc") for sitemap in root]
    assert locs == [f"{HOST}/sitemap-{section}.xml" for section in SECTIONS]
    for sitemap in root:
        if sitemap.findtext(f"{SITEMAP}loc").endswith("-topics.xml"):
            continue  # no 专题 here (tests/topics/ date them)
        lastmod = sitemap.findtext(f"{SITEMAP}lastmod")
        assert same_instant(lastmod, story.updated_at), sitemap.findtext(f"{SITEMAP}loc")


def test_article_section_lists_published_articles_with_their_update_time(client, make_article):
    """Crawlers recrawl an article when its lastmod moves, so it must be its last edit."""
    now = timezone.now()
    first, second = make_article(), make_article()
    set_times(first, published_at=now - timedelta(days=9), updated_at=now - timedelta(days=5))
    set_times(second, published_at=now - timedelta(days=9), updated_at=now - timedelta(days=2))
    urls = sitemap_urls(client.get("/sitemap-articles.xml"))
    assert set(urls) == {HOST + first.get_absolute_url(), HOST + second.get_absolute_url()}
    for article in (first, second):
        assert same_day(urls[HOST + article.get_absolute_url()], article.updated_at)


def test_scheduled_article_that_went_live_is_dated_by_its_publication(client, make_article):
    """A scheduled story edited before it went live changed for readers when it went live."""
    article = make_article(title="定时发布已生效")
    went_live = timezone.now() - timedelta(minutes=5)
    set_times(article, published_at=went_live, updated_at=went_live - timedelta(days=3))
    urls = sitemap_urls(client.get("/sitemap-articles.xml"))
    assert same_day(urls[HOST + article.get_absolute_url()], went_live)
    category = sitemap_urls(client.get("/sitemap-categories.xml"))
    assert same_day(category[HOST + article.category.get_absolute_url()], went_live)
    # The index dates a section by its newest entry; tags and stocks are empty here.
    index = {
        s.findtext(f"{SITEMAP}loc"): s.findtext(f"{SITEMAP}lastmod")
        for s in xml(client.get("/sitemap.xml"))
    }
    assert same_instant(index[f"{HOST}/sitemap-articles.xml"], went_live)
    assert same_instant(index[f"{HOST}/sitemap-categories.xml"], went_live)
    assert index[f"{HOST}/sitemap-tags.xml"] is None


def test_category_tag_and_stock_sections_list_only_those_with_published_articles(
    client, story, nio, make_article, make_category, make_stock, draft, scheduled
):
    """An empty section page is thin content; listing it wastes the crawl budget."""
    empty_category = make_category(name="空栏目", slug="empty-section")
    hidden_category = make_category(name="只有草稿", slug="drafts-only")
    silent = make_stock(0, "000001", "平安银行")
    make_article(status=Article.Status.DRAFT, category=hidden_category, stocks=[silent])
    newer = make_article(title="更新的文章", tags=["新能源"], stocks=[nio])
    now = timezone.now()
    set_times(story, published_at=now - timedelta(days=9), updated_at=now - timedelta(days=6))
    set_times(newer, published_at=now - timedelta(days=9), updated_at=now - timedelta(days=3))

    categories = sitemap_urls(client.get("/sitemap-categories.xml"))
    assert set(categories) == {HOST + story.category.get_absolute_url()}
    assert HOST + empty_category.get_absolute_url() not in categories

    tags = sitemap_urls(client.get("/sitemap-tags.xml"))
    tag_url = HOST + reverse("articles:tag", args=["证券日报新闻"])
    energy_url = HOST + reverse("articles:tag", args=["新能源"])
    assert set(tags) == {tag_url, energy_url}

    stocks = sitemap_urls(client.get("/sitemap-stocks.xml"))
    assert set(stocks) == {HOST + nio.get_absolute_url()}

    # lastmod is the latest published article in each, and only among its own articles.
    assert same_day(tags[tag_url], story.updated_at)
    assert same_day(tags[energy_url], newer.updated_at)
    assert same_day(categories[HOST + story.category.get_absolute_url()], newer.updated_at)
    assert same_day(stocks[HOST + nio.get_absolute_url()], newer.updated_at)
    # The draft and the scheduled article, saved just now, must not move any lastmod.
    for lastmod in (*categories.values(), *tags.values(), *stocks.values()):
        assert not same_day(lastmod, now)


def test_chinese_tag_urls_in_the_sitemap_are_percent_encoded(client, story):
    """The sitemaps protocol requires URLs to be escaped ASCII."""
    tags = sitemap_urls(client.get("/sitemap-tags.xml"))
    assert all(loc.isascii() for loc in tags)
    assert HOST + "/tag/%E8%AF%81%E5%88%B8%E6%97%A5%E6%8A%A5%E6%96%B0%E9%97%BB/" in tags


def test_sections_paginate_and_the_index_lists_every_page(client, make_article, monkeypatch):
    """Past 1,000 URLs per file (the protocol allows 50,000), page 2 must exist and be listed."""
    assert ArticleSitemap.limit == 1000
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    articles = [make_article() for _ in range(3)]
    index = xml(client.get("/sitemap.xml"))
    locs = [sitemap.findtext(f"{SITEMAP}loc") for sitemap in index]
    assert f"{HOST}/sitemap-articles.xml?p=2" in locs
    assert f"{HOST}/sitemap-articles.xml?p=3" not in locs
    first = sitemap_urls(client.get("/sitemap-articles.xml"))
    second = sitemap_urls(client.get("/sitemap-articles.xml", {"p": 2}))
    assert len(first) == 2 and len(second) == 1
    assert set(first) | set(second) == {HOST + a.get_absolute_url() for a in articles}
    assert client.get("/sitemap-articles.xml", {"p": 3}).status_code == 404
    assert client.get("/sitemap-articles.xml", {"p": "abc"}).status_code == 404


@pytest.mark.parametrize("url", ["/sitemap-nope.xml", "/sitemap-admin.xml", "/sitemap-.xml"])
def test_unknown_sitemap_section_is_404(client, story, url):
    """Only the four sections exist; anything else is not found, never a server error."""
    response = client.get(url)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_drafts_and_scheduled_articles_never_appear_in_any_sitemap(
    client, make_category, make_article, make_stock, draft, scheduled
):
    """A sitemap would hand unpublished URLs to every crawler."""
    secret_category = make_category(name="秘密栏目", slug="secret-section")
    secret_stock = make_stock(105, "SECRETCO", "秘密公司")
    make_article(
        title="秘密草稿",
        slug="secret-two",
        category=secret_category,
        stocks=[secret_stock],
        status=Article.Status.DRAFT,
    )
    make_article()
    for url in SITEMAP_PAGES:
        body = unquote(client.get(url).content.decode())
        for secret in (
            *SECRETS,
            "secret-two",
            "secret-section",
            "SECRETCO",
            "草稿标签",
            "定时标签",
        ):
            assert secret not in body, (url, secret)


@pytest.mark.parametrize("count", [3, 30])
def test_sitemaps_run_a_constant_number_of_queries(
    client, django_assert_max_num_queries, make_article, make_stock, make_category, count
):
    """Lastmod comes from one aggregate query, not one query per category, tag or stock."""
    stocks = [make_stock(1, f"60{i:04d}") for i in range(3)]
    categories = [make_category() for _ in range(3)]
    for i in range(count):
        make_article(tags=[f"标签{i}", "共同标签"], stocks=stocks, category=categories[i % 3])
    for url in SITEMAP_PAGES:
        # The index: a count and a date for each section (专题 both from one list).
        with django_assert_max_num_queries(9):
            assert client.get(url).status_code == 200


# --- robots.txt ------------------------------------------------------------------------


def test_robots_txt_keeps_crawlers_out_of_the_admin_and_points_at_the_sitemap(client):
    """Crawlers find the sitemap through robots.txt, and must not index the editors' desk."""
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert f"Sitemap: {HOST}/sitemap.xml" in lines


def test_robots_txt_sitemap_url_follows_the_requests_scheme_and_host(client, settings):
    """Behind HTTPS on the real domain, the sitemap URL must be https and that domain."""
    settings.ALLOWED_HOSTS = ["news.example.com"]
    response = client.get("/robots.txt", secure=True, headers={"host": "news.example.com"})
    assert "Sitemap: https://news.example.com/sitemap.xml" in response.content.decode()


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feed_bodies_link_to_our_pages_and_images_by_absolute_url(client, make_article, fmt):
    """A feed reader shows the body on its own host, where `/media/x.jpg` is nothing."""
    make_article(
        title="图文",
        body_source=(
            '<p><img src="/media/uploads/a.jpg" alt="厂房"> 见<a href="/article/other/">旧文</a>，'
            '另见<a href="https://example.org/x">外站</a>'
            '与<a href="//cdn.example.org/y">协议相对</a>。'
            "</p><p>正文写着 href=&quot;/literal&quot; 的字样。</p>"
        ),
    )
    body = xml(client.get(feed_url("site", fmt)))
    text = (
        rss_items(body)[0].findtext("description")
        if fmt == "rss"
        else atom_entries(body)[0].find(f"{ATOM}content").text
    )
    assert f'src="{HOST}/media/uploads/a.jpg"' in text
    assert f'href="{HOST}/article/other/"' in text
    assert 'href="https://example.org/x"' in text
    # Another site's protocol-relative link, and text that looks like markup, are left be.
    assert 'href="//cdn.example.org/y"' in text
    assert "href=&quot;/literal&quot;" in text
