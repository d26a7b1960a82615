"""What a 专题 shows: the chosen articles in the editors' order, then those its rules pull
in, newest first, never twice, and only what `Article.objects.published()` allows."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from taggit.models import TaggedItem

from articles.models import Article, ArticleStock

from .models import Topic, TopicEntry


def chosen(topic: Topic) -> list[Article]:
    """The public articles the editors put in the 专题, in their order; one query."""
    entries = (
        TopicEntry.objects.filter(topic=topic, article__in=Article.objects.published())
        .select_related("article__category")
        .defer("article__body_source", "article__body_html")
        .order_by("position", "id")
    )
    return [entry.article for entry in entries]


def _rule_filter(topic: Topic) -> Q:
    """Articles carrying one of the topic's tags or mentioning one of its stocks.

    Subqueries, not joins: no duplicates, and no query of their own.
    """
    tagged = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Article), tag__topics=topic
    ).values("object_id")
    mentioned = ArticleStock.objects.filter(stock__topics=topic).values("article_id")
    return Q(pk__in=tagged) | Q(pk__in=mentioned)


def matching(articles, topic: Topic):
    """`articles` (a public queryset) narrowed to those the rules pull in, leaving out
    the chosen ones (they come first, page 1)."""
    in_topic = TopicEntry.objects.filter(topic=topic).values("article_id")
    return articles.filter(_rule_filter(topic)).exclude(pk__in=in_topic)


def collected(articles, topic: Topic):
    """`articles` narrowed to everything the 专题 holds, chosen or by rule (its feed)."""
    in_topic = TopicEntry.objects.filter(topic=topic).values("article_id")
    return articles.filter(Q(pk__in=in_topic) | _rule_filter(topic))
