"""The public 专题 page: thin, like the section pages it looks like."""

from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from articles.models.content import read_links_together
from articles.views import ArticleListMixin

from . import listings
from .models import Topic
from .pages import note_topic_keys


class TopicView(ArticleListMixin, ListView):
    """Page 1: the chosen articles in the editors' order, then the rules' newest first;
    later pages go on with the rules' articles (20 a page)."""

    template_name = "topics/topic_detail.html"

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        note_topic_keys(self.request, self.topic)
        return listings.matching(super().get_queryset(), self.topic)

    def get_context_data(self, **kwargs):
        topic = self.topic
        context = super().get_context_data(
            topic=topic,
            page_heading=topic.title,
            page_description=" ".join(topic.intro.split())[:120] or f"专题“{topic.title}”的文章。",
            breadcrumbs=[("专题", None), (topic.title, None)],
            active_topic=topic.slug,
            feed_url_name="topics:feed",
            feed_arg=topic.slug,
            **kwargs,
        )
        chosen = listings.chosen(topic) if context["page_obj"].number == 1 else []
        # One batch with the page's other articles: their tags and stocks in two queries.
        read_links_together([*chosen, *context["articles"]])
        context["chosen_articles"] = chosen
        return context
