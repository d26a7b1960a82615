"""Shared fixtures: small factories that build real rows in the real database."""

import itertools
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

from articles.models import Article, Category, StockReference
from pagecache import signals as page_signals

# Hypothesis profiles (README "Tests"). "ci", the default and what `make test` runs, draws
# the same examples on every run and machine and keeps no example database, so a fresh
# clone passes or fails exactly as the last run did; a failure prints the blob that
# replays it. No deadline: timings on a shared two-core machine are not a property.
# "fuzz" (`make fuzz`) searches at random, twenty times as wide, and flags any single
# example slower than two seconds. Tests that pin max_examples keep their own count.
# Both name Hypothesis's own "default" as parent: with a CI variable in the environment
# Hypothesis loads its built-in "ci" profile first, and a profile registered without a
# parent would inherit that profile's derandomize=True.
_hypothesis_default = hypothesis_settings.get_profile("default")
hypothesis_settings.register_profile(
    "ci",
    parent=_hypothesis_default,
    derandomize=True,
    database=None,
    print_blob=True,
    max_examples=250,
    deadline=None,
)
hypothesis_settings.register_profile(
    "fuzz",
    parent=_hypothesis_default,
    derandomize=False,
    max_examples=5000,
    deadline=timedelta(seconds=2),
    print_blob=True,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_counter = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Passwords hashed with MD5 in tests, as Django's testing docs advise.

    The production hasher (PBKDF2, a million rounds) takes a quarter of a second per
    hash on these machines, and the suite creates and logs in hundreds of accounts:
    minutes of `make test` spent on deliberate slowness that no test is about.
    """
    from django.test import override_settings

    # PBKDF2 stays known, second: a test whose servers run production settings makes
    # its accounts' hashes their way (tests/pagecache/test_scaleout.py).
    fast = override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    )
    fast.enable()
    yield
    fast.disable()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, test in a database file, as production runs, not in memory.

    Django's in-memory test database is one shared cache: the live server's request
    threads (browser tests) open their own connections to it, and its table locks fail
    at once ("database table is locked", a 503) instead of waiting, and do not keep a
    heartbeat and a take-over apart: two editors' pages made the edit-lock journey
    flaky on a loaded machine. A file keeps production's rules: IMMEDIATE transactions
    and a busy timeout (newsroom/settings.py), so concurrent requests wait in turn.
    One file per test process (several runs share a machine), removed at the end.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        yield
        return
    name = Path(tempfile.gettempdir()) / f"newsroom-test-{os.getpid()}.sqlite3"
    db.setdefault("TEST", {})["NAME"] = str(name)
    yield
    # Django removes the database file; WAL mode's two companions are ours to remove.
    for companion in ("-wal", "-shm"):
        Path(f"{name}{companion}").unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Serve static files unhashed in tests: the manifest only exists after collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _no_page_cache(settings, request):
    """Most tests change data and re-read pages inside one uncommitted transaction, where
    the cache's commit-time purge cannot fire; tests/pagecache/ turns it (and the
    fragment cache) on. Each test
    gets a cache of its own, so no test sees another's pages or versions."""
    settings.NEWSROOM_PAGE_CACHE = False
    settings.NEWSROOM_FRAGMENT_CACHE = False
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


@pytest.fixture
def make_category(db):
    def make(**kwargs):
        n = next(_counter)
        kwargs.setdefault("name", f"栏目{n}")
        kwargs.setdefault("slug", f"section-{n}")
        return Category.objects.create(**kwargs)

    return make


@pytest.fixture
def category(make_category):
    return make_category(name="证券日报", slug="zhengquanribao")


@pytest.fixture
def make_stock(db):
    def make(market, code, name=""):
        stock, _ = StockReference.objects.get_or_create(
            market=market, code=code, defaults={"name": name}
        )
        return stock

    return make


@pytest.fixture
def make_article(db, category):
    """Build a published article (by default an hour old) with optional tags and stocks."""

    # Each article this test makes is a minute older than the one before. Counted per
    # test: a count shared by the whole session made "an hour old" mean a day old
    # once 1,400 articles had been made, so a test's outcome hung on those before it.
    made = itertools.count()

    def make(tags=(), stocks=(), **kwargs):
        n = next(_counter)
        kwargs.setdefault("title", f"测试文章{n}")
        kwargs.setdefault("body_source", f"<p>第{n}篇文章的正文。</p>")
        kwargs.setdefault("category", category)
        kwargs.setdefault("status", Article.Status.PUBLISHED)
        kwargs.setdefault("published_at", timezone.now() - timedelta(hours=1, minutes=next(made)))
        article = Article.objects.create(**kwargs)
        if tags:
            article.tags.add(*tags)
        if stocks:
            article.set_stocks(stocks)
        return article

    return make


@pytest.fixture
def draft(make_article):
    return make_article(
        title="草稿：尚未发布的独家新闻",
        slug="secret-draft",
        body_source="<p>草稿正文 DRAFTBODY</p>",
        status=Article.Status.DRAFT,
        tags=["草稿标签"],
    )


@pytest.fixture
def scheduled(make_article):
    return make_article(
        title="定时：明天才发布的新闻",
        slug="secret-scheduled",
        body_source="<p>定时正文 SCHEDULEDBODY</p>",
        published_at=timezone.now() + timedelta(days=1),
        tags=["定时标签"],
    )


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("editor", "editor@example.com", "pw-editor-1")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def _staff_in_group(group_name, username):
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username, password="pw-role-12345", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def writer(db):
    """A writer by role (the 撰稿 group, created by migration 0004)."""
    from articles import workflow

    return _staff_in_group(workflow.WRITERS_GROUP, "writer")


@pytest.fixture
def desk(db):
    """An editor by role (the 编辑 group), not a superuser."""
    from articles import workflow

    return _staff_in_group(workflow.EDITORS_GROUP, "desk")


def _logged_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def writer_client(writer):
    return _logged_in(writer)


@pytest.fixture
def desk_client(desk):
    return _logged_in(desk)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, started once for every test that drives a browser."""
    # Playwright's sync API runs an event loop in this thread; the live server's ORM
    # calls happen in its own thread, so the async-safety guard is not needed.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make test`, which installs Debian's chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _close_browser_pages(request):
    """Close what a browser test opened: the browser outlives the test, its live server
    does not, and a page left open holds connections to a server that is gone."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            # A route handler still fetching when its page closes would fail, and Playwright
            # would raise that failure in whichever test talks to the browser next.
            for page in context.pages:
                page.unroute_all(behavior="ignoreErrors")
            context.unroute_all(behavior="ignoreErrors")
            # A page being closed still sends what it sends on leaving (the edit lock's
            # release, autosave's last copy); offline, those cannot reach a live server
            # whose database is being emptied for the next test.
            context.set_offline(True)
            context.close()


@pytest.fixture
def unwritable_cache(settings, tmp_path):
    """A file cache whose directory cannot be created: its "parent" is a plain file.

    (Permissions would not do: the tests may run as root, who writes anywhere.)
    """
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    path = blocker / "cache"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(path),
        }
    }
    return path


@pytest.fixture
def write(django_capture_on_commit_callbacks):
    """Run a write as committed, so the cache's on-commit invalidation fires."""

    def run(action):
        # The test's own transaction never commits, so the purge that the set-up writes
        # queued is still waiting; those writes count as committed before the pages
        # were read. Drop it, so that only the action's own signals purge.
        transaction.get_connection().run_on_commit.clear()
        page_signals._pending.keys = None
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run
