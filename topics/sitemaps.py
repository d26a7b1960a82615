"""The `topics` section of the sitemap (/sitemap-topics.xml), registered with the
sitemap index in TopicsConfig.ready(); a 专题 is dated by its last edit."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from articles.sitemaps import SITEMAP_LIMIT

from .models import Topic


class TopicSitemap(Sitemap):
    limit = SITEMAP_LIMIT

    def items(self):
        return Topic.objects.only("slug", "updated_at").order_by("title", "pk")

    def lastmod(self, topic):
        return topic.updated_at

    def get_latest_lastmod(self):
        return Topic.objects.aggregate(latest=Max("updated_at"))["latest"]
