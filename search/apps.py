from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "搜索"

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from . import index, signals  # noqa: F401 - signals connects its receivers

        # Django sends post_migrate only for apps with models; the table's rows are
        # articles', so the articles app's signal is the one to follow.
        post_migrate.connect(
            index.fill_after_migrate,
            sender=apps.get_app_config("articles"),
            dispatch_uid="search-fill",
        )
