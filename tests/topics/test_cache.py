"""Cached 专题 pages and menus follow every change that reaches them (pagecache).

A 专题 edit, a menu change, and an article write that makes an article belong (a new
story with the rule's tag, a chosen draft published) or stop belonging (a takedown)
show on the next request of the cached page and feed, with no wait.
"""

import re

import pytest
from django.core.cache import cache
from taggit.models import Tag

from articles import services as article_services
from articles.models import Article
from topics import services
from topics.models import NavItem


@pytest.fixture
def page_cache(settings, tmp_path):
    """The page and fragment caches switched on, on the disk cache, starting empty."""
    settings.CACHES = {
        "default": {"BACKEND": "diskcache.DjangoCache", "LOCATION": str(tmp_path / "cache")}
    }
    settings.NEWSROOM_PAGE_CACHE = settings.NEWSROOM_FRAGMENT_CACHE = True
    cache.clear()
    yield
    cache.clear()


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response, response.content.decode()


def _cached(client, *urls):
    for url in urls:
        _get(client, url)
        assert _get(client, url)[0]["X-Page-Cache"] == "hit", url


def test_an_article_that_comes_to_match_a_rule_reaches_the_cached_topic(
    client, page_cache, write, make_topic, make_article, make_stock
):
    nio = make_stock(106, "NIO", "蔚来")
    chosen = write(lambda: make_article(title="精选草稿", status=Article.Status.DRAFT))
    topic = write(lambda: make_topic(articles=[chosen], tags=["新能源"], stocks=[nio]))
    page, feed = topic.get_absolute_url(), f"/topic/{topic.slug}/feed/rss/"
    _cached(client, page, feed)

    write(lambda: make_article(title="新标签文章", tags=["新能源"]))
    write(lambda: make_article(title="新证券文章", stocks=[nio]))
    draft = write(lambda: make_article(title="后来加标签", status=Article.Status.DRAFT))
    write(lambda: article_services.article_save(article=draft, tags=["新能源"]))
    assert "后来加标签" not in _get(client, page)[1]
    write(lambda: article_services.article_publish(article_id=draft.pk, by=None))
    write(lambda: article_services.article_publish(article_id=chosen.pk, by=None))
    for url in (page, feed):
        _, body = _get(client, url)
        for title in ("新标签文章", "新证券文章", "后来加标签", "精选草稿"):
            assert title in body, (url, title)


def test_a_takedown_leaves_the_cached_topic_at_once(
    client, page_cache, write, make_topic, make_article
):
    chosen = write(lambda: make_article(title="被撤回的精选"))
    matched = write(lambda: make_article(title="被撤回的规则文章", tags=["新能源"]))
    topic = write(lambda: make_topic(articles=[chosen], tags=["新能源"]))
    page, feed = topic.get_absolute_url(), f"/topic/{topic.slug}/feed/atom/"
    _cached(client, page, feed)
    for article in (chosen, matched):
        write(lambda a=article: article_services.article_unpublish(article_id=a.pk, by=None))
    for url in (page, feed):
        _, body = _get(client, url)
        assert "被撤回" not in body, url


def test_a_topic_edit_reaches_its_page_feed_sitemap_and_the_menu(
    client, page_cache, write, make_topic, make_article
):
    article = write(lambda: make_article(title="一篇文章", tags=["芯片"]))
    topic = write(lambda: make_topic("半导体"))
    write(lambda: services.nav_item_save(item=NavItem(topic=topic, position=1)))
    page = topic.get_absolute_url()
    urls = ["/", page, f"/topic/{topic.slug}/feed/rss/", "/sitemap-topics.xml"]
    _cached(client, *urls, article.get_absolute_url())

    topic.title, topic.intro = "半导体与芯片", "新的导语"
    write(lambda: services.topic_save(topic=topic, rule_tags=Tag.objects.filter(name="芯片")))
    _, html = _get(client, page)
    assert "<h1>半导体与芯片</h1>" in html and "新的导语" in html and "一篇文章" in html
    assert "专题：半导体与芯片" in _get(client, f"/topic/{topic.slug}/feed/rss/")[1]
    for url in ("/", article.get_absolute_url()):  # the menu is on every page
        nav = re.search(r'<nav class="site-nav".*?</nav>', _get(client, url)[1], re.S).group(0)
        assert "半导体与芯片" in nav, url


def test_a_menu_change_reaches_every_cached_page(
    client, page_cache, write, make_topic, make_article, category
):
    article = write(lambda: make_article(title="文章页"))
    topic = write(lambda: make_topic("美联储"))
    urls = ["/", article.get_absolute_url(), "/category/", topic.get_absolute_url()]
    _cached(client, *urls)
    item = NavItem(label="议息🔥", topic=topic, position=1)
    write(lambda: services.nav_item_save(item=item))
    for url in urls:
        assert "议息🔥" in _get(client, url)[1], url
    write(lambda: services.nav_item_delete(item=item))
    for url in urls:
        assert "议息🔥" not in _get(client, url)[1], url


def test_a_deleted_topic_is_gone_from_the_cache(client, page_cache, write, make_topic):
    topic = write(lambda: make_topic("临时专题"))
    _cached(client, topic.get_absolute_url())
    write(lambda: services.topic_delete(topic=topic))
    assert client.get(topic.get_absolute_url()).status_code == 404
    assert "临时专题" not in _get(client, "/sitemap-topics.xml")[1]
