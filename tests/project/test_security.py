"""Production posture: what the admin hides, the headers, the settings that refuse to run,
and the admin login's rate limit. SECURITY.md points at these tests claim by claim."""

import contextlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

REPO = Path(__file__).resolve().parents[2]
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"


def _production_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_"))
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="example.com",
    )
    env.update(extra)
    return env


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )


# --- The admin is for logged-in staff only -----------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["admin:index", "admin:articles_article_changelist", "admin:articles_article_add"]
)
def test_anonymous_visitors_of_the_admin_are_sent_to_the_login_page(client, draft, url_name):
    """No admin page shows anything, a draft's title least of all, without a login."""
    url = reverse(url_name)
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={url}"
    followed = client.get(url, follow=True)
    html = followed.content.decode()
    assert followed.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert draft.title not in html and "DRAFTBODY" not in html
    assert 'name="password"' in html


def test_anonymous_upload_and_preview_endpoints_are_refused(client, draft):
    """The editor's own endpoints are behind the same login."""
    for url in [
        reverse("admin:articles_article_upload_image"),
        reverse("admin:articles_article_preview_change", args=[draft.pk]),
        reverse("admin:articles_article_revisions", args=[draft.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login"))


# --- Production settings -----------------------------------------------------------------------


def test_check_deploy_reports_no_issues_in_production():
    """`manage.py check --deploy` is clean with the production environment set."""
    result = _manage(_production_env(), "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_secret_key_or_allowed_hosts(missing):
    """A forgotten variable stops the process with a message that names it."""
    env = _production_env()
    del env[missing]
    result = _manage(env, "check")

    assert result.returncode != 0
    assert f"{missing} must be set when DJANGO_ENV=production" in result.stderr


def test_a_malformed_proxy_ssl_header_setting_is_refused():
    """DJANGO_SECURE_PROXY_SSL_HEADER must be HEADER,value; a typo must not pass silently."""
    result = _manage(_production_env(DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"), "check")

    assert result.returncode != 0
    assert "DJANGO_SECURE_PROXY_SSL_HEADER must be HEADER,value" in result.stderr


def test_local_mode_serves_plain_http_with_the_security_headers(client, make_article):
    """`make run` and the tests: no HTTPS redirect, no HSTS, the same CSP and headers."""
    article = make_article()
    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
    _assert_common_headers(response.headers)


CSP_DIRECTIVES = [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


def _assert_common_headers(headers):
    csp = headers["Content-Security-Policy"]
    for directive in CSP_DIRECTIVES:
        assert directive in csp.split("; "), (directive, csp)
    # No script from anywhere but our own files: no inline, no eval, no other host.
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert script_src == "script-src 'self'"
    assert "'unsafe-eval'" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def _style_src(headers):
    return next(d for d in headers["Content-Security-Policy"].split("; ") if "style-src" in d)


def test_public_pages_allow_no_inline_style_and_only_the_admin_does(
    client, editor_client, make_article
):
    """The one relaxation (inline styles, for TinyMCE) is confined to the admin."""
    article = make_article()
    for url in ["/", article.get_absolute_url(), "/search/?q=x", "/no-such-page/"]:
        assert _style_src(client.get(url).headers) == "style-src 'self'", url
    admin = editor_client.get(reverse("admin:articles_article_add"))
    assert _style_src(admin.headers) == "style-src 'self' 'unsafe-inline'"
    _assert_common_headers(admin.headers)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def production_server():
    """A real gunicorn in production mode behind a pretend proxy (X-Forwarded-Proto)."""
    tmp = Path(tempfile.mkdtemp(prefix="security-prod-"))
    port = _free_port()
    env = _production_env(
        DJANGO_ALLOWED_HOSTS="news.example.com",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        DJANGO_MEDIA_ROOT=str(tmp / "media"),
        NEWSROOM_CACHE_DIR=str(tmp / "cache"),
        CACHE_URL="locmemcache://security",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_ACCESS_LOG="/dev/null",
    )
    for args in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        result = _manage(env, *args)
        assert result.returncode == 0, result.stderr
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "newsroom.wsgi"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no gunicorn"
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


def _request(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    with contextlib.closing(connection):
        connection.request("GET", path, headers={"Host": "news.example.com", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()


def test_production_redirects_plain_http_to_https(production_server):
    """Behind the proxy, a request that arrived over HTTP is sent to HTTPS."""
    status, headers, _ = _request(production_server, "/", {"X-Forwarded-Proto": "http"})

    assert status == 301
    assert headers["Location"] == "https://news.example.com/"


def test_production_sends_hsts_csp_and_secure_httponly_cookies(production_server):
    """The real headers of a real production server, on a public page and the admin."""
    status, headers, _ = _request(production_server, "/", {"X-Forwarded-Proto": "https"})
    assert status == 200
    assert headers["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    _assert_common_headers(headers)

    status, headers, _ = _request(
        production_server, "/admin/login/", {"X-Forwarded-Proto": "https"}
    )
    assert status == 200
    _assert_common_headers(headers)
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("csrftoken=") and "Secure" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_unknown_hosts(production_server):
    """A Host header that is not ours gets a 400, never a page."""
    status, _, _ = _request(
        production_server, "/", {"X-Forwarded-Proto": "https", "Host": "evil.example.net"}
    )
    assert status == 400


def test_the_session_cookie_is_secure_and_httponly_in_production():
    """What the session cookie flags will be, read from the production settings module."""
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_PROXY_SSL_HEADER)"
    )
    result = _manage(_production_env(), "shell", "-c", code)
    assert result.stdout.split("\n")[-2] == "True True True ('HTTP_X_FORWARDED_PROTO', 'https')"


def test_the_proxy_ssl_header_is_configurable():
    """Another proxy convention (or none at all) is one variable away."""
    code = "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"
    env = _production_env(DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_SSL,on")
    assert _manage(env, "shell", "-c", code).stdout.split("\n")[-2] == (
        "('HTTP_X_FORWARDED_SSL', 'on')"
    )


# --- The admin login is rate-limited -----------------------------------------------------------

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("desk", "desk@example.com", PASSWORD)


def _login(client, password, username="desk"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
    )


def test_five_wrong_passwords_lock_the_login_even_for_the_right_password(staff, settings):
    """Brute force stops at AXES_FAILURE_LIMIT: then even the right password is refused."""
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "wrong-password")
        assert response.status_code == 200  # the form again, with its error

    locked = _login(client, "wrong-password")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()

    response = _login(client, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302  # still logged out


def test_the_lock_is_per_user_name_and_address(staff, settings):
    """An attacker elsewhere cannot lock a real editor out of the desk."""
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker, "wrong-password")
    assert _login(attacker, PASSWORD).status_code == 429

    editor = Client(REMOTE_ADDR="198.51.100.20")
    response = _login(editor, PASSWORD)
    assert response.status_code == 302
    assert editor.get(reverse("admin:index")).status_code == 200


def test_the_lock_lifts_after_the_cool_off_time(staff, settings):
    """Locked for AXES_COOLOFF_TIME, then the editor may log in again."""
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong-password")
    assert _login(client, PASSWORD).status_code == 429

    # The cool-off passed: the failures are older than AXES_COOLOFF_TIME.
    past = AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME
    AccessAttempt.objects.update(attempt_time=past - timedelta(seconds=1))

    assert _login(client, PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(staff, settings):
    """Typos now and then never add up to a lockout."""
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong-password")
    assert _login(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "wrong-password").status_code == 200
    assert _login(client, PASSWORD).status_code == 302


def test_behind_a_proxy_the_limit_counts_the_forwarded_client_not_the_proxy(staff, settings):
    """With nginx in front every request comes from 127.0.0.1; the client address is the
    last X-Forwarded-For entry, and a forged entry to its left changes nothing."""
    settings.NEWSROOM_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The attacker varies a forged first entry; nginx appends the real address.
        attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7")
        _login(attacker, "wrong-password")
    assert _login(attacker, PASSWORD).status_code == 429

    editor = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert _login(editor, PASSWORD).status_code == 302
