"""What a 专题's cached page and feed depend on (pagecache/keys.py).

Besides its own path and the articles it shows, a 专题 page must change when an article
it does not show yet starts to belong: a chosen draft is published, or a new article
carries one of its tags or mentions one of its stocks. Every article write purges the
article's key and the pages of its tags and stocks (pagecache/signals.py), so the page
depends on those: the chosen articles, public or not, and the tag and stock pages of
its rules. Its own edits are purged by topics/signals.py.
"""

from articles.models import Article
from pagecache.fragments import note_keys
from pagecache.keys import object_keys

from .models import Topic, TopicEntry


def topic_dependencies(topic: Topic) -> list:
    """What a write may change for this 专题: two or three queries."""
    chosen_ids = TopicEntry.objects.filter(topic=topic).values_list("article_id", flat=True)
    return [
        *(Article(pk=pk) for pk in chosen_ids),
        *topic.rule_tags.only("slug"),
        *topic.rule_stocks.only("market", "code"),
    ]


def note_topic_keys(request, topic: Topic) -> None:
    note_keys(request, object_keys(topic_dependencies(topic)))
