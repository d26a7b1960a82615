"""Fragments: the parts of a page kept between its renders (pagecache/fragments.py).

With the page cache off, every request below is a page miss: what these tests show is
what a miss costs once the fragments are warm, and that a fragment is never stale.
"""

import time

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from articles.models import Article
from pagecache import fragments, store
from pagecache import keys as page_keys

from .conftest import BACKENDS


@pytest.fixture
def fragment_cache(settings, tmp_path):
    """Fragments on (the disk cache, as `make run` has it), whole pages off."""
    settings.CACHES = {"default": {**BACKENDS["disk"], "LOCATION": str(tmp_path / "cache")}}
    settings.NEWSROOM_PAGE_CACHE = False
    settings.NEWSROOM_FRAGMENT_CACHE = True
    cache.clear()
    yield
    cache.clear()


def _html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_page_miss_with_warm_fragments_reads_only_what_varies(
    client, fragment_cache, make_article, make_stock, django_assert_max_num_queries
):
    """The article page reads its own row; home reads its list. Everything else is kept."""
    nio = make_stock(106, "NIO", "蔚来")
    for n in range(6):
        make_article(title=f"第{n}篇", tags=["新能源", f"标签{n}"], stocks=[nio])
    article = Article.objects.order_by("pk").first()
    for url in (article.get_absolute_url(), "/"):
        cold = _html(client, url)
        # The article's row, or home's list and its 头条/置顶: its items' tags and stocks
        # are not read.
        with django_assert_max_num_queries(1 if url != "/" else 2):
            warm = _html(client, url)
        assert warm == cold


def test_an_edit_renders_again_every_fragment_that_shows_the_article(
    client, fragment_cache, write, make_article
):
    """The article's body, its list item on home and its place in a neighbour's page."""
    first = write(
        lambda: make_article(title="旧标题甲", tags=["共同"], body_source="<p>旧正文</p>")
    )
    second = write(lambda: make_article(title="邻居乙", tags=["共同"]))
    pages = ("/", first.get_absolute_url(), second.get_absolute_url())
    for url in pages:
        assert "旧标题甲" in _html(client, url)
    first.title, first.body_source = "新标题丙", "<p>新正文</p>"
    write(first.save)
    for url in pages:
        html = _html(client, url)
        assert "新标题丙" in html and "旧标题甲" not in html, url
    assert "新正文" in _html(client, first.get_absolute_url())


def test_a_new_article_joins_related_lists_within_five_minutes_without_expiring_them(
    client, fragment_cache, write, make_article
):
    """A flash about a popular stock must not expire every page about that stock: the
    related list is kept up to five minutes, then drawn again."""
    older = write(lambda: make_article(title="老文章", tags=["半导体"]))
    assert "新文章" not in _html(client, older.get_absolute_url())
    write(lambda: make_article(title="新文章", tags=["半导体"]))
    assert "新文章" not in _html(client, older.get_absolute_url())
    around = fragments.digest(["article-around", older.pk])
    entry = fragments.load(around)
    assert entry is not None and entry["expires"] <= time.time() + 300
    cache.delete(fragments.FRAGMENT_PREFIX + around)  # as five minutes would
    store.worker_memo().fragments.clear()
    assert "新文章" in _html(client, older.get_absolute_url())


def test_a_takedown_leaves_no_fragment_that_shows_it(
    client, fragment_cache, write, make_article, make_category
):
    """Home's list, the section blocks, the 7×24 column and every related list."""
    flashes = make_category(name="7×24", slug="emnews")
    story = write(lambda: make_article(title="要撤的稿子", tags=["芯片"]))
    flash = write(lambda: make_article(title="要撤的快讯", category=flashes))
    other = write(lambda: make_article(title="另一篇", tags=["芯片"]))
    pages = ("/", other.get_absolute_url(), "/category/emnews/")
    assert all("要撤的稿子" in _html(client, url) for url in pages[:2])
    assert "要撤的快讯" in _html(client, "/")
    for article in (story, flash):
        article.status = Article.Status.DRAFT
        write(article.save)
    for url in pages:
        html = _html(client, url)
        assert "要撤的稿子" not in html and "要撤的快讯" not in html, url


def test_an_editors_preview_never_reaches_readers(
    client, fragment_cache, write, make_article, desk_client, category
):
    """Fragments rendered for a logged-in editor (unsaved edits) are not kept."""
    from django.urls import reverse

    from tests.adminforms import article_form

    article = write(lambda: make_article(title="公开标题", body_source="<p>公开正文</p>"))
    # The menu varies on the section and the 专题 it marks as the current page.
    menu = fragments.FRAGMENT_PREFIX + fragments.digest(["menu", "", ""])
    response = desk_client.post(
        reverse("admin:articles_article_preview_change", args=[article.pk]),
        article_form(
            article.category,
            title="预览标题",
            slug=article.slug,
            status=Article.Status.PUBLISHED,
            body_source="<p>预览正文</p>",
            version=article.version,
        ),
    )
    assert response.status_code == 200 and "预览正文" in response.content.decode()
    assert desk_client.get(article.get_absolute_url()).status_code == 200
    assert cache.get(menu) is None
    html = _html(client, article.get_absolute_url())
    assert "公开正文" in html and "预览" not in html
    assert cache.get(menu) is not None


def test_no_fragment_outlives_the_next_scheduled_publication(
    client, fragment_cache, write, make_article
):
    """A scheduled article goes live without a write: its lists must show it then."""
    from datetime import timedelta

    from django.utils import timezone

    make_article(title="现在的")
    soon = timezone.now() + timedelta(seconds=90)
    write(lambda: make_article(title="定时的", published_at=soon))
    _html(client, "/")
    entry = fragments.load(fragments.digest(["menu", "", ""]))
    assert entry is not None and entry["expires"] <= soon.timestamp() + 1


def test_a_page_is_stored_with_the_keys_its_fragments_depend_on(
    client, settings, fragment_cache, make_article
):
    """A takedown of a related article reaches the article pages that list it."""
    settings.NEWSROOM_PAGE_CACHE = True
    related = make_article(title="相关", tags=["光伏"])
    article = make_article(title="带标签", tags=["光伏"])
    for _ in range(2):  # the second time, every fragment is a hit: its keys still count
        cache.delete_many([store.PAGE_PREFIX + d for d in list(store.worker_memo().pages)])
        store.worker_memo().pages.clear()
        response = client.get(article.get_absolute_url())
        listed = set(response["xkey"].split())
        assert {page_keys.article_key(article.pk), page_keys.article_key(related.pk)} <= listed
        assert page_keys.path_key("/tag/光伏/") not in listed


def test_a_broken_cache_renders_fragments_in_place(
    client, settings, unwritable_cache, make_article
):
    """Readers keep reading when the cache's disk is gone."""
    settings.NEWSROOM_FRAGMENT_CACHE = True
    article = make_article(title="缓存坏了", tags=["标签"])
    assert "缓存坏了" in _html(client, article.get_absolute_url())
    assert "缓存坏了" in _html(client, "/")


def test_a_fragment_must_name_what_it_depends_on_in_known_terms(db):
    """A dependency the keys do not know is a programming error, not a silent miss."""
    with pytest.raises(TypeError):
        page_keys.object_keys(get_user_model()(username="x"))
    assert page_keys.object_keys([None, "/"]) == {page_keys.path_key("/")}
