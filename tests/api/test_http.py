"""HTTP behaviour: ETags and 304s, caching headers, the page cache, rate limits, CORS."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from articles.models import Article

ARTICLES = "/api/v1/articles/"
REPO = Path(__file__).resolve().parents[2]


# --- ETags and caching -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/articles/", "/api/v1/flashes/", "detail", "/api/v1/tags/"]
)
def test_an_unchanged_answer_is_a_304_and_a_changed_one_is_not(
    client, make_article, flash_section, path
):
    """Apps poll; an unchanged list must cost them no body, and a change must reach them."""
    article = make_article(tags=["白酒"], category=flash_section)
    if path == "detail":
        path = f"{ARTICLES}{article.pk}/"
    first = client.get(path)
    etag = first["ETag"]
    assert etag
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    article.title = "改过的标题"
    article.save()
    article.tags.add("新标签")
    changed = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_answers_may_be_kept_briefly_and_errors_not_at_all(client, make_article):
    make_article()
    control = client.get(ARTICLES)["Cache-Control"]
    assert "public" in control and "max-age=30" in control
    assert client.get(f"{ARTICLES}999999/")["Cache-Control"] == "no-store"


@pytest.mark.parametrize("backend", ["disk", "locmem"])
def test_the_page_cache_neither_serves_nor_keeps_api_answers(
    client, settings, tmp_path, make_article, backend
):
    """An unpublished article must leave the API at once, not when a cached copy expires."""
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_FRAGMENT_CACHE = True
    settings.CACHES = {"default": _cache_config(backend, tmp_path)}
    cache.clear()
    article = make_article(title="即将撤回")
    first = client.get(ARTICLES)
    assert "即将撤回" in first.content.decode()
    assert "X-Page-Cache" not in first
    # Withdrawn inside the test's transaction, where no commit-time purge runs: only an
    # answer that was never cached can know.
    article.status = Article.Status.DRAFT
    article.save()
    second = client.get(ARTICLES)
    assert "即将撤回" not in second.content.decode()
    assert "X-Page-Cache" not in second and "xkey" not in second


# --- Rate limits -------------------------------------------------------------------------


def _cache_config(backend, tmp_path):
    if backend == "disk":
        return {"BACKEND": "diskcache.DjangoCache", "LOCATION": str(tmp_path / "cache")}
    if backend == "redis":
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}


@pytest.mark.parametrize("backend", ["disk", "locmem", "redis"])
def test_a_client_over_the_rate_gets_a_429_in_chinese_and_others_do_not(
    client, settings, tmp_path, make_article, backend
):
    if backend == "redis" and not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set (make test sets it)")
    settings.CACHES = {"default": {**_cache_config(backend, tmp_path), "KEY_PREFIX": "apitest"}}
    settings.API_RATE = "3/min"
    cache.clear()
    make_article()
    for _ in range(3):
        assert client.get(ARTICLES).status_code == 200
    refused = client.get(ARTICLES)
    assert refused.status_code == 429
    data = refused.json()
    assert "请求过于频繁" in data["detail"] and data["retry_after"] > 0
    assert int(refused["Retry-After"]) == data["retry_after"]
    # Another address has its own allowance.
    assert client.get(ARTICLES, REMOTE_ADDR="10.0.0.2").status_code == 200
    cache.clear()


def test_behind_a_proxy_the_client_is_the_address_the_proxy_saw(client, settings, make_article):
    """An address the client wrote itself into X-Forwarded-For must not buy a new allowance."""
    settings.API_RATE = "2/min"
    settings.NEWSROOM_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    make_article()
    for forged in ("1.1.1.1", "2.2.2.2"):
        header = f"{forged}, 203.0.113.9"
        assert client.get(ARTICLES, HTTP_X_FORWARDED_FOR=header).status_code == 200
    assert client.get(ARTICLES, HTTP_X_FORWARDED_FOR="3.3.3.3, 203.0.113.9").status_code == 429
    assert client.get(ARTICLES, HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 200


# --- CORS --------------------------------------------------------------------------------

ORIGIN = "https://partner.example.com"


def test_cors_is_closed_by_default(client, make_article):
    make_article()
    response = client.get(ARTICLES, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    preflight = client.options(
        ARTICLES, HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert "Access-Control-Allow-Origin" not in preflight


def test_a_configured_origin_may_read_the_api_and_its_etag(client, settings, make_article):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    make_article()
    response = client.get(ARTICLES, HTTP_ORIGIN=ORIGIN)
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    # A 304 carries it too, or the partner's page could not read it.
    not_modified = client.get(ARTICLES, HTTP_ORIGIN=ORIGIN, HTTP_IF_NONE_MATCH=response["ETag"])
    assert not_modified.status_code == 304
    assert not_modified["Access-Control-Allow-Origin"] == ORIGIN
    other = client.get(ARTICLES, HTTP_ORIGIN="https://elsewhere.example.com")
    assert "Access-Control-Allow-Origin" not in other
    # Only the API: the site's pages stay closed.
    assert "Access-Control-Allow-Origin" not in client.get("/", HTTP_ORIGIN=ORIGIN)


# --- The settings, read from the environment ----------------------------------------------


def _settings_with(tmp_path, **values):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "NEWSROOM_", "API_", "DATABASE_URL", "CACHE_URL"))
    }
    (tmp_path / "db.sqlite3").touch()
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        NEWSROOM_CACHE_DIR=str(tmp_path / "cache"),
        **values,
    )
    code = (
        "from django.conf import settings as s; "
        "print(s.CORS_ALLOWED_ORIGINS, s.CORS_ALLOW_ALL_ORIGINS, s.API_RATE)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )


def test_api_cors_origins_and_api_rate_come_from_the_environment(tmp_path):
    result = _settings_with(tmp_path)
    assert result.stdout.strip() == "[] False 120/min", result.stderr
    result = _settings_with(
        tmp_path,
        API_CORS_ORIGINS="https://a.example.com, http://b.example.com:8080",
        API_RATE="10/s",
    )
    expected = "['https://a.example.com', 'http://b.example.com:8080'] False 10/s"
    assert result.stdout.strip() == expected, result.stderr
    assert _settings_with(tmp_path, API_CORS_ORIGINS="*").stdout.strip() == "[] True 120/min"


@pytest.mark.parametrize(
    "name, value",
    [
        ("API_CORS_ORIGINS", "partner.example.com"),
        ("API_CORS_ORIGINS", "https://partner.example.com/api/"),
        ("API_RATE", "lots"),
        ("API_RATE", "0/min"),
    ],
)
def test_a_mistyped_api_setting_stops_the_process_naming_it(tmp_path, name, value):
    result = _settings_with(tmp_path, **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr
