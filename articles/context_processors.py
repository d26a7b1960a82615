from urllib.parse import urlencode

from django.conf import settings

# Query parameters that select different content; everything else (tracking tags,
# typos) is left out of the canonical URL so search engines see one page, not many.
CANONICAL_PARAMS = ("q", "page")


def site(request):
    """The site name and footer lines, the page's canonical URL and how often live
    7×24 lists poll, for every page (the menu is the topics app's: topics/navigation.py)."""
    params = {
        key: request.GET[key]
        for key in CANONICAL_PARAMS
        if request.GET.get(key) and not (key == "page" and request.GET[key] == "1")
    }
    query = f"?{urlencode(params)}" if params else ""
    return {
        "site_name": settings.SITE_NAME,
        "site_owner": settings.SITE_OWNER,
        "site_owner_address": settings.SITE_OWNER_ADDRESS,
        "site_icp": settings.SITE_ICP,
        "site_report_phone": settings.SITE_REPORT_PHONE,
        "site_report_email": settings.SITE_REPORT_EMAIL,
        "live_poll_seconds": settings.NEWSROOM_LIVE_POLL_SECONDS,
        "canonical_url": request.build_absolute_uri(request.path) + query,
    }
