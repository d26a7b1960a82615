"""The 7×24 timeline's newest flashes as JSON, for the pages that update themselves.

static/js/live-flashes.js polls it from `/category/emnews/` and home's 7×24 column and
strip. Many readers keep those pages open, so it must cost next to nothing: it is an
anonymous GET like any page, so the page cache (pagecache/middleware.py) keeps it,
answers a browser's `If-None-Match` with a 304, and purges it with the 7×24 list
(pagecache/keys.py names its path beside the section's whenever a flash is written:
published, edited, taken down). A miss is one query.
"""

from django.http import JsonResponse
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_safe

from . import listings

LATEST_LIMIT = 20
# As the 7×24 page shows the digest (templates/articles/includes/flash_timeline.html).
DIGEST_LENGTH = 160


def flash_json(flash) -> dict:
    """One flash as the script shows it; the time in China time (+08:00)."""
    return {
        "id": flash.pk,
        "title": flash.title,
        "url": flash.get_absolute_url(),
        "published_at": timezone.localtime(flash.published_at).isoformat(timespec="seconds"),
        "important": flash.important,
        "digest": Truncator(flash.summary).chars(DIGEST_LENGTH),
    }


@require_safe
def latest_flashes(request):
    """The newest published flashes, newest first (`listings.rolling_news`, so the same
    public rule as the pages: `Article.objects.published()`)."""
    flashes = listings.rolling_news(limit=LATEST_LIMIT)
    return JsonResponse(
        {"flashes": [flash_json(flash) for flash in flashes]},
        json_dumps_params={"ensure_ascii": False},
    )
