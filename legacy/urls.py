"""The old site's addresses that the redirect table cannot answer (see views)."""

from django.urls import path

from . import views

app_name = "legacy"

# Every other old URL is in the redirect table (articles.middleware.RedirectFallbackMiddleware):
# a share link carries its id in the query string, and /emnews/ follows the section's slug.
urlpatterns = [
    path("html_News/NewsShare.html", views.legacy_news_share, name="share"),
    # The old site's address of the rolling-news section, fixed in links out there whatever
    # slug the section has now (articles.listings.ROLLING_CATEGORY_SLUG, used by the view).
    path("emnews/", views.legacy_rolling_section, name="emnews"),
]
