from django.urls import path
from django.views.generic import RedirectView

from . import feeds, views

app_name = "topics"

urlpatterns = [
    path("topic/<slug:slug>/", views.TopicView.as_view(), name="topic"),
    # ArticleFeed answers 404 for any format but rss and atom.
    path("topic/<slug:slug>/feed/<str:fmt>/", feeds.topic_feed, name="feed"),
    # The bare feed address readers type: the RSS feed (a 301 is never cached).
    path(
        "topic/<slug:slug>/feed/",
        RedirectView.as_view(pattern_name="topics:feed", permanent=True),
        {"fmt": "rss"},
        name="feed-default",
    ),
]
