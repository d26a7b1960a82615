"""Cached pages for anonymous readers: fast, never stale, and purged by what changed.

Runs on the disk cache (the embedded default), the local-memory cache and on
Redis (when REDIS_URL is set, as `make test` does through scripts/with-services).
"""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from legacy.importer import import_posts
from pagecache import keys as page_keys
from pagecache import signals as page_signals
from pagecache import store as pagecache

from .conftest import BACKENDS

DISK = BACKENDS["disk"]


def _get(client, url, **extra):
    response = client.get(url, **extra)
    return response, response.content.decode()


def test_a_second_anonymous_request_is_served_from_the_cache_without_queries(
    client, page_cache, make_article, django_assert_num_queries
):
    """A breaking story's traffic spike must not reach the database."""
    article = make_article(title="热点新闻")
    for url in ("/", article.get_absolute_url()):
        first, _ = _get(client, url)
        assert first["X-Page-Cache"] == "miss"
        with django_assert_num_queries(0):
            second, html = _get(client, url)
        assert second["X-Page-Cache"] == "hit" and "热点新闻" in html


@pytest.mark.parametrize(
    "change",
    ["publish", "edit", "unpublish", "delete", "recategorise", "retag", "import"],
)
def test_every_change_shows_on_the_next_request_of_every_affected_page(
    client, page_cache, write, make_article, make_category, make_stock, change, tmp_path
):
    """Invalidation is immediate everywhere: home, article, lists, feeds, sitemap, search."""
    nio = make_stock(106, "NIO", "蔚来")
    other = make_category(name="财联社", slug="cailianshe")
    article = write(
        lambda: make_article(title="原始标题甲乙丙", tags=["旧标签"], stocks=[nio], slug="story")
    )
    draft = write(
        lambda: make_article(title="草稿标题丁戊己", status=Article.Status.DRAFT, slug="draft")
    )
    year = timezone.localtime(article.published_at).year
    pages = [
        "/",
        article.get_absolute_url(),
        f"/category/{article.category.slug}/",
        "/category/cailianshe/",
        reverse("articles:tag", args=["旧标签"]),
        reverse("articles:tag", args=["新标签"]),
        "/stock/106.NIO/",
        f"/archive/{year}/",
        "/feed/rss/",
        "/sitemap-articles.xml",
        "/search/?q=%E6%A0%87%E9%A2%98",  # 标题
    ]
    before = {url: _get(client, url)[1] for url in pages}
    for url in pages:  # all cached now
        assert _get(client, url)[0].get("X-Page-Cache") in ("hit", None), url

    if change == "publish":
        draft.status = Article.Status.PUBLISHED
        write(draft.save)
        expect, gone = "草稿标题丁戊己", None
    elif change == "edit":
        article.title = "修改标题庚辛壬"
        write(article.save)
        expect, gone = "修改标题庚辛壬", "原始标题甲乙丙"
    elif change == "unpublish":
        article.status = Article.Status.DRAFT
        write(article.save)
        expect, gone = None, "原始标题甲乙丙"
    elif change == "delete":
        write(article.delete)
        expect, gone = None, "原始标题甲乙丙"
    elif change == "recategorise":
        article.category = other
        write(article.save)
        expect, gone = "原始标题甲乙丙", None
    elif change == "retag":
        write(lambda: article.tags.set(["新标签"]))
        expect, gone = "原始标题甲乙丙", None
    else:
        post = tmp_path / "2022-01-05-NW202201051234567.md"
        post.write_text(
            '---\ntitle: "导入标题癸子丑"\ndate: 2022-01-05 10:00:00 +0800\n'
            "categories: zhengquanribao\ntags: 证券日报新闻\n---\n<p>导入的正文标题</p>\n",
            encoding="utf-8",
        )
        write(lambda: import_posts([tmp_path]))
        expect, gone = "导入标题癸子丑", None

    after = {url: _get(client, url)[1] for url in pages}
    changed = [url for url in pages if after[url] != before[url]]
    if expect:
        assert expect in after["/"] and expect in after["/feed/rss/"]
    if gone:
        assert gone not in after["/"] and gone not in after["/feed/rss/"]
        assert gone not in after[f"/category/{article.category.slug}/"]
        assert (
            gone not in after["/stock/106.NIO/"]
            and gone not in after["/search/?q=%E6%A0%87%E9%A2%98"]
        )
    if change == "recategorise":
        assert "原始标题甲乙丙" in after["/category/cailianshe/"]
        assert "原始标题甲乙丙" not in after["/category/zhengquanribao/"]
    if change == "retag":
        assert "原始标题甲乙丙" in after[reverse("articles:tag", args=["新标签"])]
        assert "原始标题甲乙丙" not in after[reverse("articles:tag", args=["旧标签"])]
    assert changed, "no page changed"


def test_a_scheduled_article_appears_at_its_time_on_cached_pages(
    client, page_cache, write, make_article
):
    """No cache may hide an article whose publish time has come."""
    make_article(title="已发布的新闻")
    write(
        lambda: make_article(
            title="定时发布的新闻", published_at=timezone.now() + timedelta(seconds=1.5)
        )
    )
    first = _get(client, "/")[1]
    assert "定时发布的新闻" not in first
    assert _get(client, "/")[0]["X-Page-Cache"] == "hit"
    time.sleep(1.6)  # nothing is written: only the clock moves
    response, html = _get(client, "/")
    assert "定时发布的新闻" in html and response["X-Page-Cache"] == "miss"


def test_staff_never_get_a_cached_page_and_never_create_one(
    client, page_cache, write, make_article, editor_client
):
    """Previews and admin banners must never be served to the public, and vice versa."""
    article = make_article(title="公开文章")
    draft = write(lambda: make_article(title="只给编辑看", status=Article.Status.DRAFT))
    staff = editor_client.get(draft.get_absolute_url())
    assert staff.status_code == 200 and "X-Page-Cache" not in staff
    editor_client.get("/")
    editor_client.get(article.get_absolute_url())
    client.cookies.clear()
    anonymous = client.get(draft.get_absolute_url())
    assert anonymous.status_code == 404
    assert client.get("/")["X-Page-Cache"] == "miss"


def test_article_and_list_pages_answer_304_when_nothing_changed(
    client, page_cache, write, make_article
):
    """Readers' browsers and proxies revalidate cheaply instead of downloading again."""
    article = make_article()
    for url in ("/", article.get_absolute_url(), f"/category/{article.category.slug}/"):
        first = client.get(url)
        etag = first["ETag"]
        assert "max-age=0" in first["Cache-Control"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        article.title = article.title + "（更新）"
        write(article.save)
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_responses_that_set_cookies_or_fail_are_never_stored(client, page_cache, make_article):
    """A cookie or an error page must never be replayed to another reader."""
    assert client.get("/article/missing/").status_code == 404
    assert client.get("/article/missing/").get("X-Page-Cache") is None
    login = client.get("/admin/login/")
    assert "X-Page-Cache" not in login


@pytest.mark.django_db(transaction=True)
def test_a_transaction_purges_once_however_many_rows_it_writes(make_article):
    """An import batch saves hundreds of rows; one purge at its commit is enough."""
    connection = transaction.get_connection()

    def waiting_purges():
        return sum(1 for _, func, _ in connection.run_on_commit if func is page_signals._flush)

    with transaction.atomic():
        for i in range(10):
            with transaction.atomic():  # the importer's savepoint per post
                article = make_article(tags=[f"标签{i}"])
        article.title = "改过的标题"
        article.save()
        assert waiting_purges() == 1


# --- What a write purges, and what it leaves alone ------------------------------------------


def test_a_publish_leaves_unrelated_pages_cached(
    client, page_cache, write, make_article, make_category
):
    """A flash every two minutes must not empty the cache: only what could show it goes."""
    other = make_category(name="财联社", slug="cailianshe")
    elsewhere = make_article(title="另一个栏目的文章", category=other)
    section = make_article(title="本栏目的旧文章")
    for url in ("/", elsewhere.get_absolute_url(), "/category/cailianshe/"):
        _get(client, url)
    write(lambda: make_article(title="刚发布的快讯"))
    assert _get(client, elsewhere.get_absolute_url())[0]["X-Page-Cache"] == "hit"
    assert _get(client, "/category/cailianshe/")[0]["X-Page-Cache"] == "hit"
    home, html = _get(client, "/")
    assert home["X-Page-Cache"] == "miss" and "刚发布的快讯" in html
    assert section.pk  # its own section list went with the publish (covered above)


def test_a_takedown_reaches_every_article_page_that_links_it(
    client, page_cache, write, make_article
):
    """Related and neighbouring links on other article pages go with the article."""
    older = make_article(title="较早的相关文章", tags=["光伏"])
    newer = make_article(title="较新的文章", tags=["光伏"])
    page, html = _get(client, newer.get_absolute_url())
    assert "较早的相关文章" in html and f"a{older.pk}" in page["xkey"].split()
    older.status = Article.Status.DRAFT
    write(older.save)
    page, html = _get(client, newer.get_absolute_url())
    assert page["X-Page-Cache"] == "miss" and "较早的相关文章" not in html


def test_tracking_parameters_and_unknown_ones_share_the_canonical_page(
    client, page_cache, make_article
):
    """Shared links (utm_*, WeChat's from=timeline, spm …) hit the cache."""
    article = make_article()
    url = article.get_absolute_url()
    assert _get(client, url)[0]["X-Page-Cache"] == "miss"
    for query in ("?utm_source=wx&utm_medium=a1b2", "?from=timeline&isappinstalled=0",
                  "?spm=a.b.c", "?fbclid=XYZ", "?whatever=1"):  # fmt: skip
        assert _get(client, url + query)[0]["X-Page-Cache"] == "hit", query
    # A parameter that selects content is a page of its own, tracked or not.
    search = "/search/?q=%E6%96%B0%E9%97%BB"  # 新闻
    assert _get(client, search)[0]["X-Page-Cache"] == "miss"
    assert _get(client, search + "&utm_source=wx")[0]["X-Page-Cache"] == "hit"


def test_an_invalid_session_cookie_is_an_anonymous_reader(client, page_cache, make_article):
    """Only a logged-in session bypasses the cache; a stale or forged cookie does not."""
    article = make_article()
    _get(client, article.get_absolute_url())
    client.cookies["sessionid"] = "not-a-session"
    assert _get(client, article.get_absolute_url())[0]["X-Page-Cache"] == "hit"


def test_a_soft_purge_serves_the_previous_page_while_another_worker_renders(
    client, page_cache, write, make_article
):
    """No stampede: when a hot page goes stale, one worker renders and the rest wait not."""
    make_article(title="首页上的旧文章")
    _get(client, "/")
    write(lambda: make_article(title="新的快讯"))
    digest = _digest_of(client, "/")
    assert pagecache.take_render_lock(digest)  # another worker is rendering it now
    response, html = _get(client, "/")
    assert response["X-Page-Cache"] == "stale" and "新的快讯" not in html
    pagecache.release_render_lock(digest)
    response, html = _get(client, "/")
    assert response["X-Page-Cache"] == "miss" and "新的快讯" in html


def test_a_takedown_is_never_served_stale(client, page_cache, write, make_article):
    """Even while another worker renders, an unpublished article's page is not replayed."""
    article = make_article(title="要撤下的文章")
    url = article.get_absolute_url()
    _get(client, url)
    article.status = Article.Status.DRAFT
    write(article.save)
    assert pagecache.take_render_lock(_digest_of(client, url))
    assert client.get(url).status_code == 404


def test_pages_tell_a_shared_cache_how_long_and_by_which_keys(client, page_cache, make_article):
    """Varnish keeps the page for s-maxage and purges it by the keys in xkey."""
    article = make_article()
    response = client.get(article.get_absolute_url())
    assert "s-maxage=" in response["Cache-Control"] and "public" in response["Cache-Control"]
    listed = set(response["xkey"].split())
    assert {page_keys.ALL, page_keys.article_key(article.pk)} <= listed
    assert page_keys.path_key(article.get_absolute_url()) in listed
    assert response["Surrogate-Key"] == response["xkey"]


def _digest_of(client, url):
    from django.test import RequestFactory

    from pagecache.middleware import _digest

    return _digest(RequestFactory().get(url))


# --- A cache that cannot be written must be loud ---------------------------------------------


def test_check_writable_names_the_cache_when_it_cannot_be_written(unwritable_cache):
    """A takedown must be refused up front rather than stay visible for minutes."""
    with pytest.raises(pagecache.PageCacheError) as raised:
        pagecache.check_writable()
    assert str(unwritable_cache) in str(raised.value) and "CACHE_URL" in str(raised.value)


def test_check_writable_refuses_a_shared_cache_that_cannot_be_reached(settings):
    """With Redis down, no worker would ever learn that content changed."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    with pytest.raises(pagecache.PageCacheError, match="CACHE_URL"):
        pagecache.check_writable()


def test_check_writable_passes_on_every_backend(page_cache):
    """A store that works raises nothing, on files, local memory and Redis."""
    pagecache.check_writable()


def test_a_purge_that_fails_logs_an_error_and_raises(unwritable_cache, caplog):
    """Called directly, a failed purge must reach the caller and the log, not vanish."""
    with pytest.raises(pagecache.PageCacheError):
        pagecache.purge({"all"}, hard=True)
    errors = [r for r in caplog.records if r.name == "pagecache.store"]
    assert errors and errors[0].levelname == "ERROR"
    assert str(unwritable_cache) in errors[0].getMessage()


@pytest.mark.django_db(transaction=True)
def test_a_purge_that_fails_after_commit_is_logged_and_the_write_stays(
    unwritable_cache, make_article, caplog
):
    """After the commit the change has happened: it stays, and the failure is in the log."""
    article = make_article(title="已提交的修改")  # commits: the purge runs and fails
    assert Article.objects.filter(pk=article.pk).exists()
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert any(
        r.name == "pagecache.store" and str(unwritable_cache) in r.getMessage() for r in errors
    ), [r.getMessage() for r in errors]


def test_the_system_check_flags_a_cache_that_cannot_be_written(settings):
    """`manage.py check` (and migrate, on every deploy) stops on it, naming what to fix.

    (A file cache whose folder cannot be made stops Django's own cache checks first,
    with the file system's error: as loud, if less kind.)
    """
    from django.core import checks

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    errors = [e for e in checks.run_checks() if e.id == "newsroom.E001"]
    assert len(errors) == 1 and errors[0].level == checks.ERROR
    assert "redis://127.0.0.1:1/0" in errors[0].msg


def test_a_broken_cache_serves_pages_uncached_rather_than_failing(
    client, settings, unwritable_cache, make_article
):
    """Readers keep reading when the cache's disk is gone; the log says why."""
    settings.NEWSROOM_PAGE_CACHE = True
    article = make_article(title="缓存坏了也能看")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200 and "缓存坏了也能看" in response.content.decode()


def test_the_system_check_is_quiet_when_the_cache_is_writable(settings, tmp_path):
    """No false alarm on a healthy machine."""
    from django.core import checks

    settings.CACHES = {"default": {**DISK, "LOCATION": str(tmp_path / "cache")}}
    assert [e for e in checks.run_checks() if e.id.startswith("newsroom.")] == []
