from django.apps import AppConfig


class TopicsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "topics"
    verbose_name = "专题与导航"

    def ready(self):
        from articles import sitemaps as article_sitemaps
        from search import suggest as search_suggest

        from . import signals
        from .sitemaps import TopicSitemap
        from .suggest import topic_suggestions

        signals.connect()
        article_sitemaps.register("topics", TopicSitemap)
        search_suggest.register(topic_suggestions)
