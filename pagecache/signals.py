"""Receivers that keep cached pages current: every write a public page may show bumps
the content version once its transaction commits (pagecache/version.py)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag, TaggedItem

from articles import signals as article_signals
from articles.models import Article, ArticleStock, Category, LegacyRedirect, StockReference

from .version import PageCacheError, bump_on_commit, check_writable

WATCHED = (Article, ArticleStock, Category, StockReference, Tag, TaggedItem, LegacyRedirect)


def refuse_invisible_takedown(sender, **kwargs) -> None:
    """A takedown must reach readers at once: refuse it if the version cannot be bumped."""
    try:
        check_writable()
    except PageCacheError as exc:
        raise article_signals.TakedownRefused(str(exc)) from exc


def connect() -> None:
    for model in WATCHED:
        post_save.connect(bump_on_commit, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(bump_on_commit, sender=model, dispatch_uid=f"pagecache-del-{model}")
    m2m_changed.connect(
        bump_on_commit, sender=Article.tags.through, dispatch_uid="pagecache-article-tags"
    )
    article_signals.articles_changed.connect(bump_on_commit, dispatch_uid="pagecache-bulk")
    article_signals.takedown_requested.connect(
        refuse_invisible_takedown, dispatch_uid="pagecache-takedown"
    )
