"""Parts of a page kept between its renders: what makes a page miss cheap.

A page expires as a whole when anything it shows changes: a flash published every
two minutes expires the home page every two minutes. Most of what the home page or
an article page shows did not change: the article's body and chips, the section
blocks, the menu, the related list. Each such part is a **fragment**, rendered once
and kept in the shared cache with the **dependency keys** it was rendered from
(pagecache/keys.py) and the versions it saw, exactly like a page (store.py). It is
reused while every one of those versions stands, so it is never stale: a write
purges the keys of what it touched, and the fragments that showed it render again
on their next use, once for every worker.

Templates mark fragments with `{% fragment %}` (pagecache/templatetags/pagecache.py).
The keys a page's fragments depend on are also the page's own (the middleware adds
them), so a purge reaches the page, its fragments and Varnish alike.

No grace here, unlike pages: a fragment is cheap to render again, and a takedown
must never come back from one.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings

from . import store
from .release import release

FRAGMENT_PREFIX = "pagecache:fragment:"
# Versions keep a fragment correct; the time-to-live only lets unused ones go.
FRAGMENT_TTL = 3600
MEMO_FRAGMENTS = 4096


def enabled() -> bool:
    return settings.NEWSROOM_FRAGMENT_CACHE


def digest(vary) -> str:
    """The fragment's name and what its content varies on, as a cache key."""
    key = repr((release(), *vary))
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()


def _fresh(entry: dict | None) -> bool:
    if entry is None or time.time() >= entry["expires"]:
        return False
    current = store.versions(entry["keys"], fresh=True)
    return all(current[k] == v for k, v in entry["keys"].items())


def load(key: str) -> dict | None:
    """The stored fragment if everything it shows is unchanged, else None."""
    memo = store.worker_memo().fragments
    entry = memo.get(key)
    if entry is not None and store.checked_fresh("f" + key) and time.time() < entry["expires"]:
        return entry
    if not _fresh(entry):
        # This worker's copy is stale or absent; another worker may have a new one.
        entry = store.cache().get(FRAGMENT_PREFIX + key)
        if not _fresh(entry):
            return None
        _remember(key, entry)
    store.mark_fresh("f" + key)
    return entry


def save(key: str, html: str, keys: set[str], started: int, ttl: int = FRAGMENT_TTL) -> None:
    """Keep `html`, rendered from `keys` since `started` (ns), until one of them changes
    (or `ttl` seconds pass, or the site changes by itself)."""
    stored = store.versions_seen(keys, started)
    ttl = store.ttl_until_next_change(ttl)
    if ttl <= 0:
        return
    entry = {"html": html, "keys": stored, "expires": time.time() + ttl}
    store.cache().set(FRAGMENT_PREFIX + key, entry, ttl)
    _remember(key, entry)


def _remember(key: str, entry: dict) -> None:
    memo = store.worker_memo().fragments
    memo[key] = entry
    memo.move_to_end(key)
    while len(memo) > MEMO_FRAGMENTS:
        memo.popitem(last=False)


def note_keys(request, keys) -> None:
    """Add a fragment's keys to its page's (the middleware stores the page with them)."""
    if request is not None:
        if not hasattr(request, "pagecache_fragment_keys"):
            request.pagecache_fragment_keys = set()
        request.pagecache_fragment_keys.update(keys)
