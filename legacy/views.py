"""The old site's links that are not plain paths (those are in the redirect table,
answered by articles.middleware.RedirectFallbackMiddleware)."""

import re

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404

from articles.listings import ROLLING_CATEGORY_SLUG
from articles.models import Article, Category


def legacy_news_share(request):
    """The old share links: /html_News/NewsShare.html?infoCode=NW202204082335489382."""
    code = request.GET.get("infoCode", "")
    match = re.fullmatch(r"NW(\d{6,30})", code.strip())
    if not match:
        raise Http404("无效的稿件编号")
    article = get_object_or_404(Article.objects.published(), legacy_key=f"story:{match[1]}")
    return HttpResponsePermanentRedirect(article.get_absolute_url())


def legacy_rolling_section(request):
    """The rolling-news footer linked /emnews/, which now is a category page."""
    category = get_object_or_404(Category, slug=ROLLING_CATEGORY_SLUG)
    return HttpResponsePermanentRedirect(category.get_absolute_url())
