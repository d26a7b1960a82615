from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "搜索"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import index, signals  # noqa: F401 - signals connects its receivers

        post_migrate.connect(index.fill_after_migrate, sender=self, dispatch_uid="search-fill")
