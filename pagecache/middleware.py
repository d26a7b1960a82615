"""The middleware that serves and stores whole pages for anonymous readers.

How pages stay correct is pagecache/store.py. This module decides which requests
share a page and what a shared cache in front (Varnish, a CDN) is told:

- **One page per canonical URL.** The key is the host, the path and only the query
  parameters that select content (VARYING_PARAMS); tracking parameters (`utm_*`,
  WeChat's `from=timeline&isappinstalled=0`, `spm`, `fbclid` …) and anything else the
  views ignore do not make a new page.
- **Only a logged-in session bypasses it.** A `sessionid` cookie that names no
  logged-in user (expired, forged, left from a logout) is an anonymous reader.
- Responses carry `Cache-Control: public, max-age=0, s-maxage=N` and their keys in
  `xkey` and `Surrogate-Key`, so Varnish can keep them and purge them by key
  (deploy/varnish/); browsers revalidate with the ETag and get a 304.
"""

import hashlib
import logging
import time
from collections import OrderedDict
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control

from . import keys as dependency_keys
from . import store
from .release import release

logger = logging.getLogger(__name__)

# Query parameters that select different content; every other one is left out of the
# key (the views ignore them).
VARYING_PARAMS = ("page", "q", "day", "month", "range", "p", "infoCode")
# A URL longer than this (a pasted 1,000-character search) is served uncached rather
# than filling the cache with one-off variations.
MAX_KEY_LENGTH = 500


# Session keys this worker found belong to nobody logged in. Such a key never becomes
# a logged-in one (logging in issues a new key), so the answer can be kept; a reader
# with a stale cookie then costs one query, not one per page.
_ANONYMOUS_KEYS: OrderedDict = OrderedDict()
ANONYMOUS_KEYS_KEPT = 10_000


def logged_in(request) -> bool:
    """Whether the request carries the session of a logged-in user (one query at most,
    asked once per request)."""
    if not hasattr(request, "pagecache_logged_in"):
        request.pagecache_logged_in = _session_logged_in(request)
    return request.pagecache_logged_in


def _session_logged_in(request) -> bool:
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key or session_key in _ANONYMOUS_KEYS:
        return False
    engine = import_module(settings.SESSION_ENGINE)
    try:
        logged_in = "_auth_user_id" in engine.SessionStore(session_key).load()
    except DatabaseError:
        # The database is away (newsroom.middleware answers 503 for what needs it):
        # readers, and editors meanwhile, get the cached pages that need none.
        return False
    if not logged_in:
        _ANONYMOUS_KEYS[session_key] = True
        while len(_ANONYMOUS_KEYS) > ANONYMOUS_KEYS_KEPT:
            _ANONYMOUS_KEYS.popitem(last=False)
    return logged_in


def _cacheable(request) -> bool:
    return (
        settings.NEWSROOM_PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and not request.path.startswith(settings.NEWSROOM_PAGE_CACHE_SKIP)
        # SecurityMiddleware, below, sends plain HTTP to HTTPS first.
        and (request.is_secure() or not settings.SECURE_SSL_REDIRECT)
    )


def canonical_query(request) -> str:
    pairs = sorted(
        (name, value)
        for name in VARYING_PARAMS
        for value in request.GET.getlist(name)
        if value != ""
    )
    return urlencode(pairs)


def _digest(request) -> str | None:
    query = canonical_query(request)
    url = request.path + ("?" + query if query else "")
    if len(url) > MAX_KEY_LENGTH:
        return None
    key = f"{release()}|{request.get_host()}|{url}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _storable(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "")
    # A view that names its own s-maxage has said how long shared caches may keep it
    # (quotes/views.py: a price, 15 s); this cache, whose pages live until a purge or
    # five minutes, stays out of it and leaves its headers as they are.
    return "private" not in control and "no-store" not in control and "s-maxage" not in control


def _hit(request, entry: dict, state: str) -> HttpResponse:
    """The stored page, or a 304 when the browser's copy is the same (ETag)."""
    headers = dict(entry["headers"])
    etag = headers.get("ETag")
    if etag and etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
        for name in ("ETag", "Cache-Control", "Vary", "xkey", "Surrogate-Key"):
            if name in headers:
                response[name] = headers[name]
    else:
        response = HttpResponse(entry["content"], status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
    response["X-Page-Cache"] = state
    return response


class PageCacheMiddleware:
    """Serve and store whole pages for anonymous readers (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable(request):
            return self.get_response(request)
        if logged_in(request):
            response = self.get_response(request)
            # A logged-in editor's page is theirs (previews, drafts): no shared cache
            # may keep it.
            patch_cache_control(response, private=True)
            return response
        digest = _digest(request)
        if digest is None:
            return self.get_response(request)
        try:
            entry = store.load(digest)
            changed = []
            if entry is not None and not store.checked_fresh("p" + digest):
                current = store.versions(entry["keys"], fresh=True)
                if any(current[k] != v for k, v in entry["keys"].items()):
                    # This worker's copy is stale; another worker may have stored a new one.
                    entry = store.load(digest, shared=True)
                    current = store.versions(entry["keys"]) if entry else None
                if entry is not None:
                    changed = [k for k, v in entry["keys"].items() if current[k] != v]
                    if not changed:
                        store.mark_fresh("p" + digest)
        except Exception:  # noqa: BLE001 - a broken cache must not take the site down
            logger.exception("the page cache cannot be read; serving uncached")
            return self.get_response(request)
        locked = False
        if entry is not None:
            now = time.time()
            if not changed and now < entry["expires"]:
                return _hit(request, entry, "hit")
            if not store.hard_purged_since(changed, entry["stored"]):
                locked = store.take_render_lock(digest)
                if not locked and now < entry["expires"] + store.GRACE:
                    # Another worker is rendering it: the previous copy, for a moment.
                    return _hit(request, entry, "stale")
        started = time.time_ns()
        try:
            response = self.get_response(request)
            if _storable(response):
                try:
                    self._store(request, response, digest, started)
                except Exception:  # noqa: BLE001 - the reader still gets the page
                    logger.exception("the page cache cannot be written")
        finally:
            if locked:
                store.release_render_lock(digest)
        return response

    def _store(self, request, response, digest: str, started: int) -> None:
        # What the page shows, as its fragments recorded it while rendering (fragments.py).
        keys = dependency_keys.page_keys(
            request.path, getattr(request, "pagecache_fragment_keys", ())
        )
        stored = store.versions_seen(keys, started)
        ttl = store.ttl_until_next_change(store.DEFAULT_TTL)
        if ttl <= 0:
            return
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.md5(response.content).hexdigest()}"'
        patch_cache_control(response, public=True, max_age=0, s_maxage=ttl)
        names = " ".join(sorted(keys))
        response["xkey"] = response["Surrogate-Key"] = names
        headers = [(k, v) for k, v in response.items() if k.lower() != "set-cookie"]
        store.save(
            digest,
            {
                "status": response.status_code,
                "headers": headers,
                "content": response.content,
                "keys": stored,
                "expires": time.time() + ttl,
                "stored": started,
            },
            ttl,
        )
        response["X-Page-Cache"] = "miss"
