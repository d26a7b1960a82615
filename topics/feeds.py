"""A 专题's RSS and Atom feeds: everything it holds, chosen or by rule, newest first
(feed readers sort by date), built like the section feeds (articles/feeds.py)."""

from django.shortcuts import get_object_or_404

from articles.feeds import ArticleFeed

from . import listings
from .models import Topic
from .pages import note_topic_keys


class TopicFeed(ArticleFeed):
    def get_object(self, request, slug):
        topic = get_object_or_404(Topic, slug=slug)
        note_topic_keys(request, topic)
        return topic

    def filter_articles(self, articles, topic):
        return listings.collected(articles, topic)

    def heading(self, topic):
        return f"专题：{topic.title}"

    def description(self, topic):
        return topic.intro or super().description(topic)


def topic_feed(request, slug, fmt):
    return TopicFeed(fmt)(request, slug=slug)
