"""Writes to 专题 and the menu: the functions the admin and the shell call.

Each is keyword-only and runs in one transaction. A 专题's form carries the version it
was made from (`expected_version`): if another editor saved the 专题 in between,
`StaleTopic` is raised and nothing is written, as for articles (articles.services).
Who did what is in the admin's history (LogEntry), which the admin writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from taggit.models import Tag

from articles import images
from articles.models import Article, Category, StockReference

from .models import NavItem, Topic, TopicEntry


class StaleTopic(Exception):
    """The 专题 changed since the editor's form was made; nothing was written."""

    def __init__(self, current: Topic, expected_version: int):
        super().__init__(
            f"topic {current.pk} is at version {current.version}, not {expected_version}"
        )
        self.current = current


def topic_save(
    *,
    topic: Topic,
    articles: Iterable[Article] | None = None,
    rule_tags: Iterable[Tag] | None = None,
    rule_stocks: Iterable[StockReference] | None = None,
    expected_version: int | None = None,
) -> Topic:
    """Save `topic` with its chosen articles (in order) and its rules; None leaves each
    as it is. A chosen article given twice keeps its first place."""
    with transaction.atomic():
        if topic.pk is not None:
            current = Topic.objects.select_for_update().get(pk=topic.pk)
            if expected_version is not None and current.version != expected_version:
                raise StaleTopic(current, expected_version)
            topic.version = current.version + 1
        topic.save()
        if rule_tags is not None:
            topic.rule_tags.set(list(rule_tags))
        if rule_stocks is not None:
            topic.rule_stocks.set(list(rule_stocks))
        if articles is not None:
            _set_entries(topic, articles)
        return topic


def _set_entries(topic: Topic, articles: Iterable[Article]) -> None:
    seen, entries = set(), []
    for article in articles:
        if article.pk not in seen:
            seen.add(article.pk)
            entries.append(TopicEntry(topic=topic, article=article, position=len(entries)))
    TopicEntry.objects.filter(topic=topic).delete()
    TopicEntry.objects.bulk_create(entries)


def topic_build_renditions(*, topic: Topic) -> None:
    """Make the cover's sizes once, after its upload is stored (articles.images).

    Raises images.ImageProcessingError (the topic keeps its cover; pages then show the
    original) when the media storage or the file fails.
    """
    renditions = images.build_renditions(topic.cover) if topic.cover else {}
    if renditions != topic.cover_renditions:
        with transaction.atomic():
            topic.cover_renditions = renditions
            # Derived from the cover just saved: the version stays.
            topic.save(update_fields=["cover_renditions", "updated_at"])


def topic_delete(*, topic: Topic) -> None:
    with transaction.atomic():
        topic.delete()


def nav_item_save(*, item: NavItem) -> bool:
    """Save a menu item; returns whether the menu was first filled with the sections.

    Without items the menu shows every section (topics/navigation.py). The first item an
    editor adds would otherwise replace them all: the sections become items first, at
    顺序 10, 20, 30 …, so adding a 专题 adds it to the menu the readers know.
    """
    with transaction.atomic():
        item.full_clean()
        seeded = item.pk is None and not NavItem.objects.exists()
        if seeded:
            NavItem.objects.bulk_create(
                NavItem(category=category, position=(n + 1) * 10)
                for n, category in enumerate(Category.objects.all())
                if category.pk != item.category_id
            )
        item.save()
        return seeded


def nav_item_delete(*, item: NavItem) -> None:
    with transaction.atomic():
        item.delete()
