"""System checks of the deployment that Django's own checks do not cover.

Registered in PageCacheConfig.ready(). They run with `manage.py check` and before
`migrate`, so a deploy stops on them; gunicorn runs no checks, which is why the
settings module refuses the configuration errors it can see by itself.
"""

from django.core import checks

from . import store as pagecache


@checks.register(checks.Tags.caches)
def check_page_cache_version_store(app_configs=None, **kwargs):
    """newsroom.E001: the page cache's content version cannot be written.

    Without it, no change (an unpublished article least of all) reaches readers
    until the cached pages expire.
    """
    try:
        pagecache.check_writable()
    except pagecache.PageCacheError as exc:
        return [
            checks.Error(
                f"The page cache's content version cannot be written to "
                f"{pagecache.describe()}: {type(exc.__cause__).__name__}: {exc.__cause__}",
                hint=(
                    "Make the cache's directory writable by the user the site runs as, "
                    "or fix CACHE_URL. Until then a change, an unpublished "
                    f"article too, stays on cached pages for up to {pagecache.DEFAULT_TTL // 60} "
                    "minutes."
                ),
                id="newsroom.E001",
            )
        ]
    return []
