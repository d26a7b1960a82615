"""The `topics` section of the sitemap (/sitemap-topics.xml), registered with the
sitemap index in TopicsConfig.ready(); a 专题 is dated by its last edit.

A newsroom keeps dozens of 专题, not thousands: the section reads them once, and its
page count and newest date come from that one list (the index costs one query).
"""

from django.contrib.sitemaps import Sitemap

from articles.sitemaps import SITEMAP_LIMIT

from .models import Topic


class TopicSitemap(Sitemap):
    limit = SITEMAP_LIMIT

    def items(self):
        if not hasattr(self, "_topics"):
            self._topics = list(Topic.objects.only("slug", "updated_at").order_by("title", "pk"))
        return self._topics

    def lastmod(self, topic):
        return topic.updated_at

    def get_latest_lastmod(self):
        return max((topic.updated_at for topic in self.items()), default=None)
