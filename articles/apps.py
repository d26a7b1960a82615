from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "文章"

    def ready(self):
        # Connects the receivers that keep the search index current.
        from . import search  # noqa: F401
