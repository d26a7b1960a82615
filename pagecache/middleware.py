"""The middleware that serves and stores whole pages for anonymous readers.

What may be cached and for how long is explained in pagecache/version.py.
"""

import hashlib
import time

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from .version import DEFAULT_TTL, _cache, current_state

PAGE_PREFIX = "pagecache:page"
# A URL longer than this (a pasted 1,000-character search) is served uncached
# rather than filling the cache with one-off variations.
MAX_KEY_LENGTH = 500


def _enabled(request) -> bool:
    return (
        settings.NEWSROOM_PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(settings.NEWSROOM_PAGE_CACHE_SKIP)
    )


def _page_key(request, version: str) -> str | None:
    url = request.get_full_path()
    if len(url) > MAX_KEY_LENGTH:
        return None
    digest = hashlib.sha256(f"{request.get_host()}|{url}".encode()).hexdigest()
    return f"{PAGE_PREFIX}:{version}:{digest}"


def _storable(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "")
    return "private" not in control and "no-store" not in control


class PageCacheMiddleware:
    """Serve and store whole pages for anonymous readers (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _enabled(request):
            return self.get_response(request)
        state = current_state()
        key = _page_key(request, state["version"])
        if key is None:
            return self.get_response(request)
        cached = _cache().get(key)
        if cached is not None:
            status, headers, content = cached
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if _storable(response):
            patch_cache_control(response, no_cache=True)
            if not response.has_header("ETag"):
                response["ETag"] = f'"{hashlib.md5(response.content).hexdigest()}"'
            ttl = DEFAULT_TTL
            if state["next_publish"]:
                # No page may outlive the moment a scheduled article goes live.
                ttl = min(ttl, int(state["next_publish"] - time.time()))
            if ttl > 0:
                headers = [(k, v) for k, v in response.items() if k.lower() != "set-cookie"]
                _cache().set(key, (response.status_code, headers, response.content), ttl)
            response["X-Page-Cache"] = "miss"
        return response
