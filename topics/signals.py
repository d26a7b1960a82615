"""Receivers that purge the cached pages a 专题 or a menu change reaches (pagecache).

- the menu is in every page: a menu item saved or deleted, or a 专题 that has one
  renamed, purges everything (as a section's rename does, pagecache/signals.py);
- a 专题 saved, its chosen articles or its rules changed: its page and feeds (before
  and after a slug change) and the sitemap; deleted: the same, hard (no stored copy of
  a page that is gone is served again).

Articles' own writes reach 专题 pages through the keys the pages note (topics/pages.py).
"""

from urllib.parse import unquote

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.urls import reverse

from articles.feeds import FEED_TYPES
from pagecache import keys
from pagecache.signals import purge_on_commit

from .models import NavItem, Topic, TopicEntry


def topic_paths(slug: str) -> set[str]:
    """The cached paths that show a 专题: its page, its feeds, the sitemap."""
    return {
        unquote(reverse("topics:topic", args=[slug])),
        *(unquote(reverse("topics:feed", args=[slug, fmt])) for fmt in FEED_TYPES),
        reverse("articles:sitemap"),
        reverse("articles:sitemap-section", args=["topics"]),
    }


def _purge_topic(slug: str, *, hard: bool = False, using=None) -> None:
    purge_on_commit({keys.path_key(p) for p in topic_paths(slug)}, hard=hard, using=using)


def _topic_before(sender, instance, using, **kwargs):
    if instance.pk is None:
        return
    old = Topic.objects.using(using).filter(pk=instance.pk).values_list("slug", flat=True)
    if old and old[0] != instance.slug:
        # The old address stops answering.
        _purge_topic(old[0], hard=True, using=using)


def _topic_after(sender, instance, using, **kwargs):
    _purge_topic(instance.slug, using=using)
    if NavItem.objects.using(using).filter(topic=instance).exists():
        purge_on_commit({keys.ALL}, using=using)


def _topic_deleting(sender, instance, using, **kwargs):
    # Its menu items go with it (post_delete of NavItem purges everything).
    _purge_topic(instance.slug, hard=True, using=using)


def _entry_changed(sender, instance, using, **kwargs):
    slug = Topic.objects.using(using).filter(pk=instance.topic_id).values_list("slug", flat=True)
    if slug:
        _purge_topic(slug[0], using=using)


def _rules_changed(sender, instance, action, using, **kwargs):
    if isinstance(instance, Topic) and action in ("post_add", "post_remove", "post_clear"):
        _purge_topic(instance.slug, using=using)


def _menu_changed(sender, using=None, **kwargs):
    purge_on_commit({keys.ALL}, using=using)


def connect() -> None:
    pre_save.connect(_topic_before, sender=Topic, dispatch_uid="topics-topic-before")
    post_save.connect(_topic_after, sender=Topic, dispatch_uid="topics-topic-after")
    pre_delete.connect(_topic_deleting, sender=Topic, dispatch_uid="topics-topic-del")
    post_save.connect(_entry_changed, sender=TopicEntry, dispatch_uid="topics-entry")
    post_delete.connect(_entry_changed, sender=TopicEntry, dispatch_uid="topics-entry-del")
    for through in (Topic.rule_tags.through, Topic.rule_stocks.through):
        m2m_changed.connect(_rules_changed, sender=through, dispatch_uid=f"topics-{through}")
    post_save.connect(_menu_changed, sender=NavItem, dispatch_uid="topics-menu")
    post_delete.connect(_menu_changed, sender=NavItem, dispatch_uid="topics-menu-del")
