"""Edit locks: "张三 正在编辑（2 分钟前）", as WordPress and Wagtail show it.

Opening an article's form takes its lock, unless someone else holds it; the open page
keeps it with a heartbeat (static/js/edit-lock.js, every HEARTBEAT seconds) and lets
it go when the editor leaves. A lock not heard from for LOCK_SECONDS is free: a
closed laptop or a crashed browser never keeps an article locked. Only the holder
may save; an editor (who may publish) can take the lock over ("仍要编辑"), and the
former holder's page says so at its next heartbeat. Locks complement the version
check (articles.services): a stale save is refused either way.

These are the only writes to EditLock: the admin views call them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import person_name
from .models.locks import EditLock

LOCK_SECONDS = 120
HEARTBEAT = 30
# After a heartbeat that failed (network, a restart), the page asks again this soon
# rather than a whole HEARTBEAT later: the editor must learn a take-over in time.
RETRY = 5


@dataclass(frozen=True)
class Holder:
    """Someone else who holds an article's lock."""

    user_id: int
    name: str
    opened_at: datetime

    @property
    def minutes(self) -> int:
        return int((timezone.now() - self.opened_at).total_seconds() // 60)

    @property
    def label(self) -> str:
        ago = "刚刚打开" if self.minutes < 1 else f"{self.minutes} 分钟前打开"
        return f"{self.name} 正在编辑（{ago}）"


def _live(lock: EditLock | None) -> bool:
    return lock is not None and lock.seen_at > timezone.now() - timedelta(seconds=LOCK_SECONDS)


def _holder(lock: EditLock) -> Holder:
    user = lock.user
    return Holder(lock.user_id, person_name(user) or user.get_username(), lock.opened_at)


def _row(article_id: int) -> EditLock | None:
    """The article's lock row, locked until the transaction ends (two saves, one holder)."""
    return (
        EditLock.objects.select_for_update()
        .select_related("user")
        .filter(article_id=article_id)
        .first()
    )


def holder(article_id: int, user) -> Holder | None:
    """Who else holds the article's lock now, or None (free, expired, or the user's own)."""
    lock = EditLock.objects.select_related("user").filter(article_id=article_id).first()
    if _live(lock) and lock.user_id != user.pk:
        return _holder(lock)
    return None


def acquire(*, article_id: int, user, take_over: bool = False) -> Holder | None:
    """Take the lock for `user`, or return who holds it. `take_over` takes it anyway."""
    now = timezone.now()
    with transaction.atomic():
        lock = _row(article_id)
        if lock is None:
            try:
                # A savepoint: two editors opening a free article at the same instant
                # both find no row; the second insert fails on the unique article.
                with transaction.atomic():
                    EditLock.objects.create(
                        article_id=article_id, user=user, opened_at=now, seen_at=now
                    )
                return None
            except IntegrityError:
                lock = _row(article_id)  # the other editor's, now locked for us to read
        if _live(lock) and lock.user_id != user.pk and not take_over:
            return _holder(lock)
        if lock.user_id != user.pk or not _live(lock):
            lock.user, lock.opened_at = user, now
        lock.seen_at = now
        lock.save()
        return None


def refresh(*, article_id: int, user) -> Holder | None:
    """The open page's heartbeat: keep the user's lock (taking it again if it is free or
    lapsed), or say who has taken it. The same rule as opening the form."""
    return acquire(article_id=article_id, user=user)


def stamp(article_id: int, user) -> str:
    """When the user's lock was last kept ("" if not theirs): the page that kept it sends
    it back on leaving, so that only that page's lock is let go (see release)."""
    lock = EditLock.objects.filter(article_id=article_id, user=user).first()
    return lock.seen_at.isoformat() if lock else ""


def release(*, article_id: int, user, stamp: str | None = None) -> None:
    """The editor left the page: the lock is free at once, if it was still theirs.

    With `stamp` (the page's last one), only if nobody kept it since: a page left for the
    same form (仍要编辑, 保存并继续编辑, a reload) says goodbye only after the new page
    took the lock, and must not free it under the new page.
    """
    mine = EditLock.objects.filter(article_id=article_id, user=user)
    if stamp is not None:
        try:
            seen_at = datetime.fromisoformat(stamp)
        except ValueError:
            return
        mine = mine.filter(seen_at=seen_at)
    mine.delete()
