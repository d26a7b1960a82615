"""Settings for bench/serve: the site's own, plus the baseline view's URL.

Production code holds no bench code: gunicorn runs with
DJANGO_SETTINGS_MODULE=bench.settings only when bench/serve starts it.
"""

from newsroom.settings import *  # noqa: F403 - the site exactly as deployed, plus one URL

ROOT_URLCONF = "bench.urls"
# The baseline is a view, not a cached page.
NEWSROOM_PAGE_CACHE_SKIP = (*NEWSROOM_PAGE_CACHE_SKIP, "/__bench__/")  # noqa: F405
