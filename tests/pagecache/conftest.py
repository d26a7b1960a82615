"""The page cache switched on, on each backend, and writes that count as committed."""

import os

import pytest
from django.core.cache import cache

BACKENDS = {
    "disk": {"BACKEND": "diskcache.DjangoCache", "DATABASE_TIMEOUT": 1.0},
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", ""),
    },
}


@pytest.fixture(params=list(BACKENDS))
def page_cache(request, settings, tmp_path):
    """The page cache switched on, on each backend in turn, starting empty."""
    if request.param == "redis" and not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set (make test sets it)")
    config = {**BACKENDS[request.param], "KEY_PREFIX": "test"}
    if request.param == "disk":
        config["LOCATION"] = str(tmp_path / "cache")
    settings.CACHES = {"default": config}
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_FRAGMENT_CACHE = True
    cache.clear()
    yield request.param
    cache.clear()
