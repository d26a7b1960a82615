"""Old URLs answered the way django.contrib.redirects answers them: after a 404.

When nothing else matched, the path is looked up in the redirect table
(`LegacyRedirect`: the legacy Jekyll site's URLs and articles' former slugs) and
answered with a 301 to where the content lives now. Only public targets count: the
old URL of an article that is not (or no longer) public is as unknown as any other
path, so it tells nobody a draft's new slug. Staff, who may preview drafts, follow
old slugs of any article.
"""

from django.db.models import Q
from django.http import HttpResponsePermanentRedirect

from .models import Article, LegacyRedirect


class RedirectFallbackMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        if "\x00" in request.path:  # never a stored path; PostgreSQL rejects NUL in a query
            return response
        user = getattr(request, "user", None)
        articles = Article.objects.all() if user and user.is_staff else Article.objects.published()
        redirect = (
            LegacyRedirect.objects.filter(
                Q(article__isnull=True) | Q(article__in=articles), path=request.path
            )
            .select_related("article", "category")
            .first()
        )
        if redirect is None:
            return response
        return HttpResponsePermanentRedirect(redirect.target.get_absolute_url())
