"""The content version of the page cache, and where it is kept.

The page cache as a whole, whose version this is (pagecache/middleware.py serves
the pages; pagecache/signals.py bumps the version):

Why full pages: nearly every request on a news site is an anonymous GET of a page
that is identical for everyone, so serving the finished bytes skips templates,
queries and all; fragment caching would still pay for the rest of the request.

How it stays correct:
- Every cached page is stored under the current *content version*. Any write that
  can change a public page (an article, its tags or stocks, a category, a stock, a
  tag) bumps the version once its transaction commits, so the next request of every
  page misses and renders afresh. Writes are rare next to reads, so dropping every
  page at once costs little and can never forget a page.
- Where the version lives: in the cache itself when the cache is shared (Redis, so
  every app server sees a bump at once); with the per-process local-memory default,
  in the modification time of a small file, which every worker on the machine sees.
- A scheduled article must appear on its own when its time comes: no page is kept
  longer than until the next scheduled publish time.
- Only anonymous requests are cached: a request carrying a session cookie (staff,
  editors) neither reads nor writes the cache, and a response that sets a cookie,
  is not a 200, or is marked private is never stored.
- Browsers get `Cache-Control: no-cache` with an ETag, so they revalidate every
  time and a 304 costs no rendering.

When the version cannot be bumped (the file's directory is read-only or owned by
another user, Redis is down), every page cached before the change is served for up
to DEFAULT_TTL more: an unpublished article stays visible. So that failure is loud:
- `bump()` logs it at ERROR and raises PageCacheError to a caller that calls it
  directly.
- After a commit it cannot be undone, so the receivers still bump in a *robust*
  on-commit callback: the write has happened and stays, the other commit callbacks
  (search index) still run, and the editor is not shown an error for a change that
  was saved. The failure is logged twice at ERROR, by bump() with the path and by
  Django. A caller that must know before it changes anything (a takedown) calls
  `check_writable()` first and refuses if it raises.
- The system check newsroom.E001 (pagecache/checks.py) stops `manage.py check` and
  `migrate` on a deploy whose version store cannot be written.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import Min

from articles.models import Article

logger = logging.getLogger(__name__)

STATE_KEY = "pagecache:state"
PROBE_KEY = "pagecache:probe"
# How long a page may be kept at most (a scheduled publication cuts it shorter).
DEFAULT_TTL = 300


def _cache():
    return caches[settings.NEWSROOM_PAGE_CACHE_ALIAS]


def _shared() -> bool:
    """Whether every app server and worker sees the same cache (Redis, memcached, …)."""
    return not isinstance(_cache(), LocMemCache | DummyCache)


def _version_file() -> Path:
    return Path(settings.NEWSROOM_CACHE_VERSION_FILE)


_local = threading.local()


def _next_publish_timestamp() -> float | None:
    upcoming = Article.objects.scheduled().aggregate(at=Min("published_at"))["at"]
    return upcoming.timestamp() if upcoming else None


def current_state() -> dict:
    """{"version": str, "next_publish": epoch seconds or None}, refreshed when stale."""
    now = time.time()
    if _shared():
        state = _cache().get(STATE_KEY)
        if state is None or (state["next_publish"] and now >= state["next_publish"]):
            state = {"version": uuid.uuid4().hex, "next_publish": _next_publish_timestamp()}
            _cache().set(STATE_KEY, state, None)
        return state
    try:
        token = str(os.stat(_version_file()).st_mtime_ns)
    except FileNotFoundError:
        token = "0"
    state = getattr(_local, "state", None)
    if (
        state is None
        or state["token"] != token
        or (state["next_publish"] and now >= state["next_publish"])
    ):
        state = {
            "token": token,
            "version": f"{token}-{uuid.uuid4().hex}",
            "next_publish": _next_publish_timestamp(),
        }
        _local.state = state
    return state


class PageCacheError(RuntimeError):
    """The content version cannot be stored: cached pages would outlive a change."""


def version_store() -> str:
    """Where the content version lives, and the setting that says so (for operators)."""
    if _shared():
        return f"CACHES[{settings.NEWSROOM_PAGE_CACHE_ALIAS!r}] (CACHE_URL)"
    return f"{_version_file().resolve()} (NEWSROOM_CACHE_VERSION_FILE)"


def _failure(exc: Exception) -> PageCacheError:
    # For editors, should a caller show it, and for the log: what, where, and the cost.
    return PageCacheError(
        f"页面缓存的内容版本无法更新（{version_store()}）：{type(exc).__name__}: {exc}。"
        f"已缓存的页面最多 {DEFAULT_TTL // 60} 分钟内仍显示修改前的内容。"
    )


def _touch_version_file() -> None:
    path = _version_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    # Two bumps within the file system's timestamp resolution must still differ.
    # Setting the time explicitly needs the file's owner (or root), as well as a
    # writable file system: check_writable() does exactly this, so it cannot pass
    # where bump() would fail.
    now = time.time_ns()
    os.utime(path, ns=(now, now))


def bump() -> None:
    """Make every cached page stale, now (call after the change is committed).

    Raises PageCacheError, after logging it at ERROR, when the version cannot be
    stored; see the module docstring for why the signal receivers still swallow it.
    """
    try:
        if _shared():
            _cache().delete(STATE_KEY)
        else:
            _touch_version_file()
    except Exception as exc:  # noqa: BLE001 - any backend error means pages stay stale
        error = _failure(exc)
        logger.error("%s", error, exc_info=True)
        raise error from exc
    finally:
        _local.state = None


def check_writable() -> None:
    """Raise PageCacheError unless a bump of the content version would succeed now.

    Call it before a change that must reach readers at once (a takedown, an
    unpublish): if it raises, refuse the change and show the error, instead of
    saving it and leaving the old page cached for minutes. The system check
    newsroom.E001 calls it too.

    - File store (per-process local-memory cache): creates the directory if needed
      and sets the file's time as bump() does. That is a bump: every cached page is
      rendered afresh once, which costs a miss and is never wrong. Probing without
      changing the time could undo another process's bump made at the same moment.
    - Shared cache (Redis, memcached): a set and get round trip of a probe key; the
      version itself is left alone.
    """
    try:
        if _shared():
            token = uuid.uuid4().hex
            _cache().set(PROBE_KEY, token, 60)
            if _cache().get(PROBE_KEY) != token:
                raise OSError("a value written to the cache did not read back")
        else:
            _touch_version_file()
            _local.state = None
    except Exception as exc:  # noqa: BLE001 - whatever the backend raises, it is unusable
        raise _failure(exc) from exc


def bump_on_commit(*args, using=None, **kwargs) -> None:
    """Signal receiver: bump once the surrounding transaction commits (or now, if none).

    Bumping before the commit would let a concurrent reader cache the old content
    under the new version. One bump per transaction is enough, however many rows
    it writes (an import batch saves hundreds): a bump already waiting for this
    commit is not added again. Should the savepoint that registered it roll back,
    Django drops it, and the next write registers a new one.
    """
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and any(func is bump for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(bump, using=using, robust=True)
