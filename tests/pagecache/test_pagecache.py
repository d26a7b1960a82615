"""Cached pages for anonymous readers: fast, and never stale.

Runs on the local-memory cache and on Redis (when REDIS_URL is set, as `make test`
does through scripts/with-services).
"""

import os
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from legacy.importer import import_posts
from pagecache import version as pagecache

BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", ""),
    },
}


@pytest.fixture(params=list(BACKENDS))
def page_cache(request, settings):
    """The page cache switched on, on each backend in turn, starting empty."""
    if request.param == "redis" and not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set (make test sets it)")
    settings.CACHES = {"default": {**BACKENDS[request.param], "KEY_PREFIX": "test"}}
    settings.NEWSROOM_PAGE_CACHE = True
    cache.clear()
    pagecache._local.state = None
    yield request.param
    cache.clear()


@pytest.fixture
def write(django_capture_on_commit_callbacks):
    """Run a write as committed, so the cache's on-commit invalidation fires."""

    def run(action):
        # The test's own transaction never commits, so the bump that the set-up writes
        # queued is still waiting; those writes count as committed before the pages
        # were read. Drop it, so that only the action's own signals can bump (a
        # transaction queues one bump at most, see bump_on_commit).
        transaction.get_connection().run_on_commit.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


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
        assert "no-cache" in first["Cache-Control"]
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
def test_a_transaction_bumps_the_version_once_however_many_rows_it_writes(make_article):
    """An import batch saves hundreds of rows; one bump at its commit is enough."""
    connection = transaction.get_connection()

    def waiting_bumps():
        return sum(1 for _, func, _ in connection.run_on_commit if func is pagecache.bump)

    with transaction.atomic():
        try:
            with transaction.atomic():
                make_article(tags=["标签"])
                assert waiting_bumps() == 1
                raise RuntimeError("roll this savepoint back")
        except RuntimeError:
            pass
        # The rolled-back savepoint took its bump with it; the next write adds one.
        assert waiting_bumps() == 0
        for i in range(10):
            with transaction.atomic():  # the importer's savepoint per post
                article = make_article(tags=[f"标签{i}"])
        article.title = "改过的标题"
        article.save()
        assert waiting_bumps() == 1


# --- A version store that cannot be written must be loud -----------------------------------


@pytest.fixture
def unwritable_version_file(settings, tmp_path):
    """A version file whose directory cannot be created: its "parent" is a plain file.

    (Permissions would not do: the tests may run as root, who writes anywhere.)
    """
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    path = blocker / "var" / "pagecache.version"
    settings.CACHES = {"default": BACKENDS["locmem"]}
    settings.NEWSROOM_CACHE_VERSION_FILE = str(path)
    pagecache._local.state = None
    return path


def test_check_writable_creates_the_version_files_directory(settings, tmp_path):
    """On a fresh machine the store is made ready (var/ is not in the repository)."""
    settings.CACHES = {"default": BACKENDS["locmem"]}
    settings.NEWSROOM_CACHE_VERSION_FILE = str(tmp_path / "var" / "pagecache.version")
    pagecache.check_writable()
    assert (tmp_path / "var" / "pagecache.version").is_file()


def test_check_writable_names_the_file_and_the_setting_when_the_store_is_unwritable(
    unwritable_version_file,
):
    """A takedown must be refused up front rather than stay visible for minutes."""
    with pytest.raises(pagecache.PageCacheError) as raised:
        pagecache.check_writable()
    assert str(unwritable_version_file) in str(raised.value)
    assert "NEWSROOM_CACHE_VERSION_FILE" in str(raised.value)


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
    """A store that works raises nothing, on local memory and on Redis."""
    pagecache.check_writable()


def test_a_direct_bump_that_fails_logs_an_error_and_raises(unwritable_version_file, caplog):
    """Called directly, a failed bump must reach the caller and the log, not vanish."""
    with pytest.raises(pagecache.PageCacheError):
        pagecache.bump()
    errors = [r for r in caplog.records if r.name == "pagecache.version"]
    assert errors and errors[0].levelname == "ERROR"
    assert str(unwritable_version_file) in errors[0].getMessage()


@pytest.mark.django_db(transaction=True)
def test_a_bump_that_fails_after_commit_is_logged_and_the_write_stays(
    unwritable_version_file, make_article, caplog
):
    """After the commit the change has happened: it stays, and the failure is in the log."""
    article = make_article(title="已提交的修改")  # commits: the bump runs and fails
    assert Article.objects.filter(pk=article.pk).exists()
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert any(
        r.name == "pagecache.version" and str(unwritable_version_file) in r.getMessage()
        for r in errors
    ), [r.getMessage() for r in errors]


def test_the_system_check_flags_an_unwritable_version_store(unwritable_version_file):
    """`manage.py check` (and migrate, on every deploy) stops on it, naming what to fix."""
    from django.core import checks

    errors = [e for e in checks.run_checks() if e.id == "newsroom.E001"]
    assert len(errors) == 1 and errors[0].level == checks.ERROR
    assert str(unwritable_version_file) in errors[0].msg
    assert "NEWSROOM_CACHE_VERSION_FILE" in errors[0].msg


def test_the_system_check_is_quiet_when_the_version_store_is_writable(settings, tmp_path):
    """No false alarm on a healthy machine."""
    from django.core import checks

    settings.CACHES = {"default": BACKENDS["locmem"]}
    settings.NEWSROOM_CACHE_VERSION_FILE = str(tmp_path / "pagecache.version")
    assert [e for e in checks.run_checks() if e.id.startswith("newsroom.")] == []
