"""Receivers that keep the search index current (connected in SearchConfig.ready()).

Every write that changes an article's searchable text re-indexes it inside the
writer's transaction, so a rollback takes the index row with it: saves and deletes
of articles, tag changes (taggit's m2m_changed, a tag renamed or deleted), stock
links and renamed stocks, and `articles.signals.articles_changed` for the bulk
writes that send no model signal.
"""

from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from taggit.models import Tag, TaggedItem

from articles import signals as article_signals
from articles.models import Article, ArticleStock, StockReference

from .index import update_index


@receiver(post_save, sender=Article, dispatch_uid="search_article_saved")
def _article_saved(sender, instance, using, **kwargs):
    update_index([instance.pk], using=using)


@receiver(post_delete, sender=Article, dispatch_uid="search_article_deleted")
def _article_deleted(sender, instance, using, **kwargs):
    # The article row is gone, so _write deletes its index row and writes nothing.
    update_index([instance.pk], using=using)


@receiver(m2m_changed, sender=Article.tags.through, dispatch_uid="search_tags_changed")
def _tags_changed(sender, instance, action, reverse, using, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, Article):
        update_index([instance.pk], using=using)


def _tagged_article_ids(tag, using):
    return list(
        TaggedItem.objects.using(using)
        .filter(tag=tag, content_type__app_label="articles", content_type__model="article")
        .values_list("object_id", flat=True)
    )


@receiver(post_save, sender=Tag, dispatch_uid="search_tag_saved")
def _tag_saved(sender, instance, created, using, **kwargs):
    # A renamed tag changes the text of every article that carries it.
    if not created:
        update_index(_tagged_article_ids(instance, using), using=using)


@receiver(pre_delete, sender=Tag, dispatch_uid="search_tag_deleting")
def _tag_deleting(sender, instance, using, **kwargs):
    # Its TaggedItems go with it, silently: remember who carried it.
    instance._search_article_ids = _tagged_article_ids(instance, using)


@receiver(post_delete, sender=Tag, dispatch_uid="search_tag_deleted")
def _tag_deleted(sender, instance, using, **kwargs):
    update_index(getattr(instance, "_search_article_ids", []), using=using)


@receiver(post_save, sender=ArticleStock, dispatch_uid="search_stock_link_saved")
@receiver(post_delete, sender=ArticleStock, dispatch_uid="search_stock_link_deleted")
def _stock_link_changed(sender, instance, using, **kwargs):
    update_index([instance.article_id], using=using)


@receiver(post_save, sender=StockReference, dispatch_uid="search_stock_saved")
def _stock_saved(sender, instance, created, using, **kwargs):
    # A renamed stock changes the text of every article that mentions it.
    if not created:
        ids = ArticleStock.objects.using(using).filter(stock=instance).values_list("article_id")
        update_index([pk for (pk,) in ids], using=using)


@receiver(article_signals.articles_changed, dispatch_uid="search_articles_changed")
def _articles_changed(sender, ids, using=None, **kwargs):
    # Bulk inserts and a replaced stock list, which send no model signals.
    update_index(ids, using=using or DEFAULT_DB_ALIAS)
