from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "文章"

    def ready(self):
        # Importing search connects the receivers that keep the search index current;
        # the page cache's receivers invalidate cached pages after every content write.
        from django.db.models.signals import pre_save
        from taggit.models import Tag

        from . import pagecache, search, tagging  # noqa: F401

        pagecache.connect_signals()
        pre_save.connect(tagging.fill_tag_slug, sender=Tag, dispatch_uid="tagging-slug")
        # Registers the deployment's system checks (newsroom.E001: the page cache).
        from . import checks  # noqa: F401
