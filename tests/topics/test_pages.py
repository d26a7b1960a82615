"""The public 专题 page, its feeds and sitemap, and one menu on every page."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from topics.models import NavItem

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _titles(html) -> list[str]:
    return re.findall(r'class="item-title">(?:<span[^>]*>[^<]*</span>)?<a [^>]*>([^<]+)</a>', html)


def _menu(html) -> str:
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    return nav.replace(' aria-current="page"', "")


def test_a_topic_page_shows_its_chosen_articles_first_then_what_its_rules_pull_in(
    client, make_topic, make_article, make_stock
):
    """What the editor put on top stays on top; the rules keep the page current."""
    nio = make_stock(106, "NIO", "蔚来")
    now = timezone.now()
    pick = make_article(title="编辑精选深度", published_at=now - timedelta(days=5))
    newest = make_article(
        title="最新电池消息", tags=["新能源"], published_at=now - timedelta(hours=1)
    )
    older = make_article(title="蔚来交付量", stocks=[nio], published_at=now - timedelta(hours=5))
    make_article(title="白酒消息", tags=["白酒"])
    topic = make_topic(
        "新能源汽车",
        intro="电动车产业链。\n\n第二段导语。",
        articles=[pick],
        tags=["新能源"],
        stocks=[nio],
    )
    html = _html(client, topic.get_absolute_url())
    assert _titles(html) == [pick.title, newest.title, older.title]
    assert "<h1>新能源汽车</h1>" in html and "<p>第二段导语。</p>" in html
    assert "<title>新能源汽车 - 财经新闻网</title>" in html
    assert f'href="/topic/{topic.slug}/feed/rss/"' in html
    assert client.get("/topic/no-such-topic/").status_code == 404


def test_a_topic_pages_on_past_twenty_rule_articles(client, make_topic, make_article):
    picks = [make_article(title=f"精选{n}") for n in range(2)]
    for n in range(25):
        make_article(title=f"规则文章{n}", tags=["半导体"])
    topic = make_topic("半导体", articles=picks, tags=["半导体"])
    first = _titles(_html(client, topic.get_absolute_url()))
    second = _titles(_html(client, topic.get_absolute_url() + "?page=2"))
    assert first[:2] == ["精选0", "精选1"] and len(first) == 22
    assert len(second) == 5 and not set(first) & set(second)
    assert client.get(topic.get_absolute_url() + "?page=3").status_code == 404


def test_no_topic_surface_shows_a_draft_or_a_scheduled_article(
    client, make_topic, make_article, draft, scheduled
):
    """A chosen draft, or a scheduled story carrying the rule's tag, stays hidden."""
    make_article(title="公开文章", tags=["草稿标签"])
    topic = make_topic("泄露检查", articles=[draft, scheduled], tags=["草稿标签", "定时标签"])
    urls = [
        topic.get_absolute_url(),
        f"/topic/{topic.slug}/feed/rss/",
        f"/topic/{topic.slug}/feed/atom/",
        "/sitemap-topics.xml",
    ]
    for url in urls:
        body = _html(client, url)
        assert "公开文章" in body or "sitemap" in url
        for secret in ("尚未发布的独家新闻", "明天才发布", "DRAFTBODY", "SCHEDULEDBODY"):
            assert secret not in body, (url, secret)
        assert "secret-draft" not in body and "secret-scheduled" not in body


def test_a_topic_has_rss_and_atom_feeds_like_a_section(client, make_topic, make_article):
    chosen = make_article(title="精选旧闻", published_at=timezone.now() - timedelta(days=3))
    make_article(title="规则新闻", tags=["美联储"], body_source="<p>议息<script>x()</script></p>")
    topic = make_topic("美联储 & 加息", articles=[chosen], tags=["美联储"])
    rss = ET.fromstring(client.get(f"/topic/{topic.slug}/feed/rss/").content)
    assert rss.findtext("channel/title") == "财经新闻网 - 专题：美联储 & 加息"
    assert [i.findtext("title") for i in rss.iter("item")] == ["规则新闻", "精选旧闻"]
    assert "<script" not in rss.find("channel/item").findtext("description")
    atom = ET.fromstring(client.get(f"/topic/{topic.slug}/feed/atom/").content)
    assert [e.findtext(f"{ATOM}title") for e in atom.iter(f"{ATOM}entry")] == [
        "规则新闻",
        "精选旧闻",
    ]
    bare = client.get(f"/topic/{topic.slug}/feed/")
    assert bare.status_code == 301 and bare["Location"] == f"/topic/{topic.slug}/feed/rss/"
    assert client.get(f"/topic/{topic.slug}/feed/json/").status_code == 404


def test_the_sitemap_lists_every_topic(client, make_topic):
    topic = make_topic("半导体")
    index = ET.fromstring(client.get("/sitemap.xml").content)
    assert "http://testserver/sitemap-topics.xml" in [s.findtext(f"{SITEMAP}loc") for s in index]
    urls = ET.fromstring(client.get("/sitemap-topics.xml").content)
    assert [u.findtext(f"{SITEMAP}loc") for u in urls] == [
        f"http://testserver{topic.get_absolute_url()}"
    ]


@pytest.mark.parametrize("editors_menu", [False, True])
def test_the_menu_is_in_the_same_order_on_every_page(
    client, make_topic, make_article, make_category, editors_menu
):
    """Issue 17: /category/ used to re-sort the menu; readers find sections by place."""
    small = make_category(name="小栏目", slug="small", position=1)
    big = make_category(name="大栏目", slug="big", position=2)
    for _ in range(3):
        article = make_article(category=big, tags=["新能源"])
    make_article(category=small)
    topic = make_topic("新能源", tags=["新能源"])
    if editors_menu:
        NavItem.objects.create(topic=topic, position=1)
        NavItem.objects.create(category=big, position=2)
        NavItem.objects.create(category=small, label="小栏目🔥", position=3)
    urls = ["/", "/category/", "/category/big/", article.get_absolute_url(), "/tags/"]
    urls += [topic.get_absolute_url(), "/stocks/", "/search/?q=新能源"]
    menus = {url: _menu(_html(client, url)) for url in urls}
    assert len(set(menus.values())) == 1, menus
    labels = re.findall(r">([^<]+)</a>", menus["/"])
    expected = (
        ["新能源", "大栏目", "小栏目🔥"] if editors_menu else ["小栏目", "大栏目", "证券日报"]
    )
    assert labels == expected


def test_a_topic_in_the_menu_is_marked_as_the_current_page(client, make_topic):
    topic = make_topic("半导体")
    NavItem.objects.create(topic=topic)
    html = _html(client, topic.get_absolute_url())
    assert f'<a href="{topic.get_absolute_url()}" aria-current="page">半导体</a>' in html


@pytest.mark.parametrize("count", [3, 30])
def test_a_topic_page_runs_a_constant_number_of_queries(
    client, make_topic, make_article, make_stock, django_assert_max_num_queries, count
):
    """However many articles, tags and stocks a 专题 shows."""
    stocks = [make_stock(1, f"60{i:04d}") for i in range(3)]
    picks = [make_article(tags=["精选"], stocks=stocks) for _ in range(count)]
    for i in range(count):
        make_article(tags=[f"标签{i}", "新能源"], stocks=stocks)
    topic = make_topic(articles=picks, tags=["新能源"], stocks=stocks[:1])
    client.get(topic.get_absolute_url())  # the content type, cached for the process
    # The 专题, its chosen articles, a page of the rules', their tags and stocks, the
    # menu, and what the page depends on (chosen ids, rule tags, rule stocks).
    with django_assert_max_num_queries(9):
        assert client.get(topic.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(f"/topic/{topic.slug}/feed/rss/").status_code == 200


def test_a_topic_page_fits_a_phone(client, make_topic, make_article):
    """The shared layout: viewport meta, the menu and the list items a phone reflows."""
    make_article(title="手机上的文章", tags=["新能源"])
    html = _html(client, make_topic("新能源汽车", tags=["新能源"]).get_absolute_url())
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'class="site-nav"' in html and 'class="item' in html
    assert Article.objects.count() == 1
