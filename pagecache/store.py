"""Where whole pages and the versions of what they show are kept.

Why whole pages: nearly every request on a news site is an anonymous GET of a page
that is the same for everyone; serving the finished bytes skips templates, queries
and all.

How a page stays correct without emptying the cache on every write:
- Each stored page lists the **dependency keys** it was rendered from (pagecache/
  keys.py): its own path, every article it links on an article page, and `all`.
  Each key has a **version** in the cache; the page keeps the versions it saw.
- A write **purges** only the keys it touches (pagecache/signals.py, after the
  commit): it sets a new version for each. A page whose keys all still have the
  versions it stored is fresh; otherwise it is stale.
- A **soft** purge (a new or edited article: lists that could show it) lets one
  worker re-render a stale page while the others serve the previous copy for a
  moment (GRACE): no stampede, and readers never wait for the newsroom. A **hard**
  purge (a takedown: unpublished or deleted) is never served again, not even stale.
- A page is also stale at its time-to-live, and no later than the next moment the
  site changes by itself (`next_change`: a scheduled publication, a 头条/置顶 that
  starts or expires), so those happen on their own when their time comes.

The cache must be shared by every worker (and app server): a purge in one worker
must be seen by the others. The embedded default is Django's file-based cache under
`var/cache` (one machine, every worker); Redis (`CACHE_URL`) is the path past one
machine. When the cache cannot be written, purges fail loudly: `purge` raises
PageCacheError after logging it, a takedown is refused up front (`check_writable`,
asked through articles.signals.takedown_requested), and the system check
newsroom.E001 stops `manage.py check` and `migrate`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db.models import Min

from articles.models import Article
from articles.models.pins import next_pin_change

logger = logging.getLogger(__name__)

KEY_PREFIX = "pagecache:key:"
HARD_PREFIX = "pagecache:hard:"
PAGE_PREFIX = "pagecache:page:"
LOCK_PREFIX = "pagecache:lock:"
NEXT_CHANGE_KEY = "pagecache:next-change"
# Set on every purge: while it is unchanged, no key's version has changed either, so a
# worker may trust the versions it read before without reading them again.
EPOCH_KEY = "pagecache:epoch"
PROBE_KEY = "pagecache:probe"
# How long a page is fresh at most (a scheduled publication cuts it shorter).
DEFAULT_TTL = 300
# How long past its freshness a page may still be served while one worker re-renders
# it (soft purges only): the bound on how stale a list may be during a publish.
GRACE = 10
# How long one worker may hold the right to re-render a page before another may.
LOCK_SECONDS = 20


class PageCacheError(RuntimeError):
    """A purge could not be stored: cached pages would outlive a change."""


def cache():
    return caches[settings.NEWSROOM_PAGE_CACHE_ALIAS]


def describe() -> str:
    """Where pages and versions live, and the setting that says so (for operators)."""
    alias = settings.NEWSROOM_PAGE_CACHE_ALIAS
    config = settings.CACHES[alias]
    where = config.get("LOCATION") or config["BACKEND"]
    return f"CACHES[{alias!r}] = {where} (CACHE_URL)"


def _failure(exc: Exception) -> PageCacheError:
    # For editors, should a caller show it, and for the log: what, where, and the cost.
    return PageCacheError(
        f"页面缓存无法更新（{describe()}）：{type(exc).__name__}: {exc}。"
        f"已缓存的页面最多 {DEFAULT_TTL // 60} 分钟内仍显示修改前的内容。"
    )


class _Memo(threading.local):
    """What this worker read from the shared cache, valid while the epoch stands.

    A cache hit then costs one read of the epoch instead of one read per key and one
    of the page: at 16 readers a page, that was most of a hit's cost.
    """

    def __init__(self):
        self.reset(None)

    def reset(self, owner) -> None:
        self.owner = owner
        self.epoch = None
        self.versions: dict[str, str] = {}
        self.pages: OrderedDict = OrderedDict()
        self.fragments: OrderedDict = OrderedDict()
        # Pages and fragments found fresh since the epoch last changed: while it
        # stands, none of their keys can have changed, so they need no check.
        self.checked: set[str] = set()


_memo = _Memo()
MEMO_PAGES = 256
CHECKED_KEPT = 20_000


def _own() -> None:
    # What was read from another cache (settings changed, as tests do) means nothing.
    if _memo.owner is not cache():
        _memo.reset(cache())


def worker_memo() -> _Memo:
    """This worker's memory of the shared cache (fragments.py keeps its parts there)."""
    _own()
    return _memo


def _epoch_file() -> Path | None:
    """With the disk cache of one machine, the epoch is also a file's time: a stat costs
    a microsecond, a read of the cache a hundred. Other backends keep it in the cache."""
    location = settings.CACHES[settings.NEWSROOM_PAGE_CACHE_ALIAS].get("LOCATION")
    backend = settings.CACHES[settings.NEWSROOM_PAGE_CACHE_ALIAS]["BACKEND"]
    return Path(location) / "epoch" if backend == "diskcache.DjangoCache" and location else None


def _read_epoch():
    path = _epoch_file()
    if path is None:
        return cache().get(EPOCH_KEY)
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return 0


def _bump_epoch_file(now: int) -> None:
    path = _epoch_file()
    if path is not None:
        path.touch()
        os.utime(path, ns=(now, now))


def _check_epoch() -> None:
    _own()
    epoch = _read_epoch()
    if epoch != _memo.epoch:
        _memo.epoch = epoch
        _memo.versions.clear()
        _memo.checked.clear()


def checked_fresh(name: str) -> bool:
    """Whether `name` (a page's or a fragment's key) was found fresh in this epoch.

    A page of the home page's size depends on some fifty keys; comparing them on every
    hit was a tenth of a hit's cost. One stat of the epoch answers for all of them.
    """
    _check_epoch()
    return name in _memo.checked


def mark_fresh(name: str) -> None:
    """Remember that `name` was compared with every version of its keys just now."""
    if len(_memo.checked) >= CHECKED_KEPT:
        _memo.checked.clear()
    _memo.checked.add(name)


def versions(keys, *, fresh: bool = False) -> dict[str, str]:
    """The current version of each key ("0" for one never purged)."""
    keys = list(keys)
    if fresh:
        _check_epoch()
    else:
        _own()
    missing = [key for key in keys if key not in _memo.versions]
    if missing:
        found = cache().get_many([KEY_PREFIX + key for key in missing])
        for key in missing:
            _memo.versions[key] = found.get(KEY_PREFIX + key, "0")
    return {key: _memo.versions[key] for key in keys}


def versions_seen(keys, started: int) -> dict[str, str]:
    """The versions a render begun at `started` (ns) may keep for `keys`.

    A key purged while it rendered may have been read before the purge: it gets a
    version that never matches, so the next use renders again.
    """
    seen = versions(keys, fresh=True)
    return {k: (v if version_time(v) < started else "rendering") for k, v in seen.items()}


def ttl_until_next_change(ttl: int) -> int:
    """`ttl`, cut short by the next moment the site changes by itself (`next_change`):
    nothing kept may outlive a scheduled article going live or a pin ending."""
    upcoming = next_change()
    return min(ttl, int(upcoming - time.time())) if upcoming else ttl


def version_time(version: str) -> int:
    """When a version was set, in ns since the epoch (0 for "0")."""
    return int(version[1:]) if version[1:].isdigit() else 0


def purge(keys, *, hard: bool) -> None:
    """Give each key a new version: every page that depends on one is stale now.

    A hard purge (a takedown) is also remembered per key (`hard_purged_since`): no
    page stored before it is served again. Raises PageCacheError, after logging it,
    on a cache failure.
    """
    keys = set(keys)
    if not keys:
        return
    now = time.time_ns()
    version = f"{'h' if hard else 's'}{now}"
    values = {KEY_PREFIX + key: version for key in keys}
    if hard:
        # Kept apart from the version, which a later soft purge replaces: a page stored
        # before a takedown must never be served again, however the key changed since.
        values.update({HARD_PREFIX + key: now for key in keys})
    values[EPOCH_KEY] = now  # last: a reader that sees it sees the versions too
    try:
        _own()
        for key in keys:
            _memo.versions[key] = version
        cache().set_many(values, timeout=None)
        _bump_epoch_file(now)
    except Exception as exc:  # noqa: BLE001 - any backend error means pages stay stale
        error = _failure(exc)
        logger.error("%s", error, exc_info=True)
        raise error from exc


def hard_purged_since(keys, moment_ns: int) -> bool:
    """Whether any of the keys was hard-purged (a takedown) after `moment_ns`."""
    found = cache().get_many([HARD_PREFIX + key for key in keys])
    return any(when > moment_ns for when in found.values())


def check_writable() -> None:
    """Raise PageCacheError unless the cache takes a write now (a set and get round trip).

    Call it before a change that must reach readers at once (a takedown): if it
    raises, refuse the change and show the error instead of saving it and leaving
    the old page cached. The system check newsroom.E001 calls it too.
    """
    try:
        token = uuid.uuid4().hex
        cache().set(PROBE_KEY, token, 60)
        if cache().get(PROBE_KEY) != token:
            raise OSError("a value written to the cache did not read back")
    except Exception as exc:  # noqa: BLE001 - whatever the backend raises, it is unusable
        raise _failure(exc) from exc


def next_change() -> float | None:
    """When the site next changes by itself (epoch seconds), shared by all workers: a
    scheduled article goes live, or a 头条/置顶 starts or expires (articles.models.pins).

    Remembered in the cache; a write to any article or pin forgets it (signals.py),
    and it is worked out again once its moment has passed.
    """
    when = cache().get(NEXT_CHANGE_KEY)
    if when is not None and (when == 0 or when > time.time()):
        return when or None
    scheduled = Article.objects.scheduled().aggregate(at=Min("published_at"))["at"]
    upcoming = min((t for t in (scheduled, next_pin_change()) if t), default=None)
    when = upcoming.timestamp() if upcoming else 0
    cache().set(NEXT_CHANGE_KEY, when, DEFAULT_TTL)
    return when or None


def forget_next_change() -> None:
    cache().delete(NEXT_CHANGE_KEY)


def load(digest: str, *, shared: bool = False):
    """The stored page: this worker's copy, or (`shared`, or none here) the shared one."""
    _own()
    entry = None if shared else _memo.pages.get(digest)
    if entry is None:
        entry = cache().get(PAGE_PREFIX + digest)
        if entry is not None:
            _remember(digest, entry)
    return entry


def save(digest: str, entry: dict, ttl: int) -> None:
    # Kept past its freshness, for the grace of a soft purge.
    cache().set(PAGE_PREFIX + digest, entry, ttl + GRACE)
    _remember(digest, entry)


def _remember(digest: str, entry: dict) -> None:
    _own()
    _memo.pages[digest] = entry
    _memo.pages.move_to_end(digest)
    while len(_memo.pages) > MEMO_PAGES:
        _memo.pages.popitem(last=False)


def take_render_lock(digest: str) -> bool:
    """True for the one worker that may re-render a stale page now."""
    return cache().add(LOCK_PREFIX + digest, 1, LOCK_SECONDS)


def release_render_lock(digest: str) -> None:
    cache().delete(LOCK_PREFIX + digest)
