from django.urls import path

from . import views

app_name = "legacy"

# The old Jekyll site's links that carry an id rather than a path; every other old
# URL is in the redirect table (articles.middleware.RedirectFallbackMiddleware).
urlpatterns = [
    path("html_News/NewsShare.html", views.legacy_news_share, name="share"),
    path("emnews/", views.legacy_rolling_section, name="emnews"),
]
