"""Two app servers sharing one PostgreSQL and one Redis behave as one site.

Runs only where PostgreSQL and Redis are available (`make test` starts both for its
PostgreSQL run): it starts two real gunicorn instances with the project's config.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection

from articles.models import Article, Category

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL and Redis (make test's PostgreSQL run has both)",
    ),
]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_servers(tmp_path):
    """Two gunicorn instances on the test database and one Redis database of their own."""
    db = settings.DATABASES["default"]
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    redis_url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/7"
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO,
        env={**os.environ, "DJANGO_STATIC_ROOT": str(tmp_path / "static")},
        check=True,
    )
    servers = []
    for _ in range(2):
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CACHE_URL": redis_url,
            "NEWSROOM_PAGE_CACHE": "1",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_ACCESS_LOG": "/dev/null",
        }
        process = subprocess.Popen(
            [str(REPO / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "newsroom.wsgi"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        servers.append((process, f"http://127.0.0.1:{port}"))
    try:
        for _, base in servers:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/robots.txt", timeout=2).read()
                    break
                except OSError:
                    assert time.monotonic() < deadline, f"{base} did not start"
                    time.sleep(0.2)
        yield [base for _, base in servers]
    finally:
        # The servers hold connections to the test database, which must be dropped.
        for process, _ in servers:
            os.killpg(process.pid, signal.SIGTERM)
        for process, _ in servers:
            process.wait(timeout=30)
        connection.close()


def _opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def _get(opener, url):
    with opener.open(url, timeout=10) as response:
        return response.status, response.headers, response.read().decode()


def _post(opener, url, data):
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _get(opener, url)[2])[1]
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": csrf}, doseq=True).encode()
    request = urllib.request.Request(url, data=body, headers={"Referer": url})
    with opener.open(request, timeout=10) as response:
        return response.status, response.read().decode()


def test_an_article_published_on_one_server_shows_on_the_others_cached_pages(two_servers):
    """With Redis as the shared cache, no server keeps serving a page another made stale."""
    server_a, server_b = two_servers
    category = Category.objects.create(name="证券日报", slug="zhengquanribao")
    Article.objects.create(
        title="已经发布的旧闻",
        body_source="<p>旧</p>",
        category=category,
        status=Article.Status.PUBLISHED,
    )
    draft = Article.objects.create(
        title="刚刚发布的快讯", body_source="<p>新</p>", category=category
    )
    _desk_account()

    reader, _ = _opener()
    _, _, html = _get(reader, server_b + "/")
    assert "已经发布的旧闻" in html and "刚刚发布的快讯" not in html
    _, headers, _ = _get(reader, server_b + "/")
    assert headers["X-Page-Cache"] == "hit"

    editor, jar = _opener()
    _post(
        editor,
        server_a + "/admin/login/?next=/admin/",
        {"username": "desk", "password": "pw-desk-123"},
    )
    status, _ = _post(
        editor,
        server_a + "/admin/articles/article/",
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert status == 200
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED

    _, headers, html = _get(reader, server_b + "/")
    assert "刚刚发布的快讯" in html and headers["X-Page-Cache"] == "miss"


def _desk_account():
    """A superuser the servers can log in: their settings hash as production does, not
    with the suite's fast MD5 (tests/conftest.py), so the hash is made their way."""
    user = get_user_model().objects.create_superuser("desk", "desk@example.com", None)
    user.password = make_password("pw-desk-123", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])


def test_a_session_started_on_one_server_works_on_the_other(two_servers):
    """Behind a load balancer, an editor's next request may land on any server."""
    server_a, server_b = two_servers
    _desk_account()
    editor, _ = _opener()
    _post(
        editor,
        server_a + "/admin/login/?next=/admin/",
        {"username": "desk", "password": "pw-desk-123"},
    )
    status, _, html = _get(editor, server_b + "/admin/")
    assert status == 200 and "内容管理" in html and 'id="login-form"' not in html
