"""Receivers that purge what a write touches, once its transaction commits.

Each write adds its dependency keys (pagecache/keys.py) to the transaction's
pending purge; the commit purges them in one go, hard for a takedown and soft for
anything else (pagecache/store.py), and tells a shared cache in front (Varnish)
the same keys. A write is read before and after it: an article moved out of a
section, a tag or a stock is purged from the lists it left too.
"""

import logging
import threading
from urllib.parse import unquote

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.urls import reverse
from taggit.models import Tag, TaggedItem

from articles import signals as article_signals
from articles.models import Article, Category, Pin, Profile, StockReference

from . import keys, purge, store
from .store import PageCacheError, check_writable

logger = logging.getLogger(__name__)
_pending = threading.local()
# A rename of a tag or a stock reaches the articles that show it; past this many, it
# is cheaper to let every page go.
MANY = 200


def _add(new_keys, *, hard: bool = False, using=None) -> None:
    """Queue keys for the purge at the commit of the current transaction (now, if none).

    One purge per transaction, however many rows it writes (an import batch saves
    hundreds). Keys queued in a transaction that rolled back are purged with the next
    commit: purging too much costs a render, never a stale page.
    """
    pending = getattr(_pending, "keys", None)
    if pending is None:
        pending = _pending.keys = {"soft": set(), "hard": set()}
    pending["hard" if hard else "soft"].update(new_keys)
    connection = transaction.get_connection(using)
    # Robust: after the commit the change has happened; a purge that fails is logged
    # (by store.purge and by Django) and the other commit callbacks still run.
    if not connection.in_atomic_block or not any(
        func is _flush for _, func, _ in connection.run_on_commit
    ):
        transaction.on_commit(_flush, using=using, robust=True)


def purge_on_commit(new_keys, *, hard: bool = False, using=None) -> None:
    """For the apps built on this one (topics): purge `new_keys` with the current
    transaction's purge, as these receivers do for articles."""
    _add(new_keys, hard=hard, using=using)


def _flush() -> None:
    pending = getattr(_pending, "keys", None) or {"soft": set(), "hard": set()}
    _pending.keys = None
    hard, soft = pending["hard"], pending["soft"] - pending["hard"]
    store.purge(hard, hard=True)
    store.purge(soft, hard=False)
    store.forget_next_change()
    _tell_the_shared_cache(hard, soft)


def _tell_the_shared_cache(hard: set, soft: set) -> None:
    """The same purge for Varnish in front, when NEWSROOM_VARNISH_PURGE_URLS names one."""
    for found, is_soft in ((hard, False), (soft, True)):
        if found:
            try:
                purge.send_purge(found, soft=is_soft)
            except purge.PurgeError:
                logger.exception("the shared cache in front was not purged")


def _article_before(sender, instance, using, **kwargs):
    if instance.pk is None:
        return
    stored = Article.objects.using(using).filter(pk=instance.pk).first()
    if stored is None:
        return
    takedown = stored.is_published() and not instance.is_published()
    _add(keys.article_keys(instance.pk), hard=takedown, using=using)


def _article_after(sender, instance, using, **kwargs):
    _add(keys.article_keys(instance.pk), using=using)


def _article_deleting(sender, instance, using, **kwargs):
    # Before the row and its links go: the lists it was on are known only now.
    _add(keys.article_keys(instance.pk), hard=instance.is_published(), using=using)


def _tags_changed(sender, instance, action, reverse, using, **kwargs):
    if isinstance(instance, Article) and action in ("pre_remove", "pre_clear", "post_add"):
        _add(keys.article_keys(instance.pk), using=using)


def _articles_changed(sender, ids, using=None, **kwargs):
    _add(keys.articles_keys(ids), using=using)


def _shown_by(articles_of, instance, extra_paths) -> set[str]:
    ids = list(articles_of(instance)[: MANY + 1])
    if len(ids) > MANY:
        return {keys.ALL}
    return {*(keys.article_key(pk) for pk in ids), *(keys.path_key(p) for p in extra_paths)}


def _stock_saved(sender, instance, created, using, **kwargs):
    if not created:
        _add(
            _shown_by(
                lambda s: s.article_links.values_list("article_id", flat=True),
                instance,
                [unquote(instance.get_absolute_url())],
            ),
            using=using,
        )


def _tag_changed(sender, instance, using, **kwargs):
    _add(
        _shown_by(
            lambda t: TaggedItem.objects.filter(tag=t).values_list("object_id", flat=True),
            instance,
            [unquote(reverse("articles:tag", args=[instance.slug]))] if instance.slug else [],
        ),
        using=using,
    )


def _pin_changed(sender, instance, using=None, **kwargs):
    # The place the pin is on (home or its section) and the article it puts there.
    place = instance.category.get_absolute_url() if instance.category_id else "/"
    _add({keys.path_key(unquote(place)), keys.article_key(instance.article_id)}, using=using)


def _profile_saved(sender, instance, using=None, **kwargs):
    # A new 署名 is in the byline of every article they wrote or published.
    _add(
        _shown_by(
            lambda p: Article.objects.filter(
                Q(author_id=p.user_id) | Q(published_by_id=p.user_id)
            ).values_list("pk", flat=True),
            instance,
            [reverse("articles:author", args=[instance.user_id])],
        ),
        using=using,
    )


def _everything(sender, using=None, **kwargs):
    # A section renamed or reordered is in every page's menu.
    _add({keys.ALL}, using=using)


def refuse_invisible_takedown(sender, **kwargs) -> None:
    """A takedown must reach readers at once: refuse it if the cache cannot be written."""
    try:
        check_writable()
    except PageCacheError as exc:
        raise article_signals.TakedownRefused(str(exc)) from exc


def connect() -> None:
    pre_save.connect(_article_before, sender=Article, dispatch_uid="pagecache-article-before")
    post_save.connect(_article_after, sender=Article, dispatch_uid="pagecache-article-after")
    pre_delete.connect(_article_deleting, sender=Article, dispatch_uid="pagecache-article-del")
    m2m_changed.connect(_tags_changed, sender=Article.tags.through, dispatch_uid="pagecache-tags")
    article_signals.articles_changed.connect(_articles_changed, dispatch_uid="pagecache-bulk")
    post_save.connect(_stock_saved, sender=StockReference, dispatch_uid="pagecache-stock")
    post_save.connect(_tag_changed, sender=Tag, dispatch_uid="pagecache-tag")
    pre_delete.connect(_tag_changed, sender=Tag, dispatch_uid="pagecache-tag-del")
    # A stock link's rows change with its article (articles_changed, above); an old
    # URL answers with a 301, which is never cached.
    post_save.connect(_profile_saved, sender=Profile, dispatch_uid="pagecache-profile")
    post_save.connect(_pin_changed, sender=Pin, dispatch_uid="pagecache-pin")
    post_delete.connect(_pin_changed, sender=Pin, dispatch_uid="pagecache-pin-del")
    post_save.connect(_everything, sender=Category, dispatch_uid="pagecache-all-section")
    post_delete.connect(_everything, sender=Category, dispatch_uid="pagecache-all-section-del")
    article_signals.takedown_requested.connect(
        refuse_invisible_takedown, dispatch_uid="pagecache-takedown"
    )
