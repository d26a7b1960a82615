"""`/search/`: the page, and the suggestions its box (and the header's) offer as one types."""

import hashlib
import json
import logging

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from articles import pagination
from articles.text import html_to_text

from .query import MAX_RESULTS, SearchResults, highlight, parse_query, snippet
from .securities import code_to_search, named_securities
from .suggest import suggestions

# How long a reader's browser, a shared cache in front and this site's cache keep one
# query's suggestions: a security that just got (or lost) its public page shows up (or
# goes) within a minute, and typing the same letters again asks nobody.
SUGGEST_MAX_AGE = 60

_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

logger = logging.getLogger(__name__)


class SearchView(pagination.UncountedPaginationMixin, ListView):
    """`/search/?q=`: the form, and when there is a query, the paginated matches.

    Previous / next without a total, as on every list: a page reads one row more
    than it shows; past MAX_RESULTS there is no page."""

    template_name = "articles/search.html"
    context_object_name = "articles"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        self.query, _ = parse_query(request.GET.get("q"))
        self.securities = named_securities(self.query) if self.query else []
        # sh600519 searches the articles for 600519 (search/securities.py).
        self.searched_for, self.terms = parse_query(code_to_search(self.query, self.securities))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return SearchResults(self.searched_for)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        if page is not None:
            articles = list(page.object_list)
            for article in articles:
                article.highlighted_title = highlight(article.title, self.terms)
                article.highlighted_snippet = snippet(
                    html_to_text(article.body_html), self.terms, fallback=article.excerpt
                )
            page.object_list = articles
            context["articles"] = context["object_list"] = articles
        results = context["paginator"].object_list if page is not None else None
        # Page 1 only: the reader who pages on has seen them and wants more articles.
        securities = self.securities if page is None or page.number == 1 else []
        return {
            **context,
            "securities": securities,
            "security_ids": tuple(stock.pk for stock in securities),
            "search_query": self.query,
            "searched_for": self.searched_for,
            "search_terms": self.terms,
            "result_count": results.count() if results is not None else 0,
            "results_capped": results is not None and results.capped,
            "max_results": MAX_RESULTS,
            "page_heading": f"搜索：{self.query}" if self.query else "搜索",
        }


@require_safe
def suggest(request):
    """`/search/suggest.json?q=`: {"q": the query, "suggestions": [{kind, kind_label,
    label, detail, url}, …]}, securities first (search/suggest.py).

    Kept SUGGEST_MAX_AGE seconds here and, by its `s-maxage`, by Varnish and browsers;
    the page cache stays out of it (it keeps pages until a purge names them, and no
    write names every query's suggestions)."""
    query, _ = parse_query(request.GET.get("q"))
    key = "search:suggest:" + hashlib.sha1(query.encode("utf-8", "surrogatepass")).hexdigest()
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - a broken cache must not break typing
        logger.exception("search suggestions cannot be read from the cache")
        found = None
    if found is None:
        found = [suggestion.as_json() for suggestion in suggestions(query)]
        try:
            cache.set(key, found, SUGGEST_MAX_AGE)
        except Exception:  # noqa: BLE001 - the reader still gets them
            logger.exception("search suggestions cannot be written to the cache")
    body = json.dumps({"q": query, "suggestions": found}, ensure_ascii=False)
    # <, > and & only occur inside strings here: escaped, a typed "<script>" stays inert
    # even for a client that sniffs the type (as json_script does).
    body = body.translate(_JSON_ESCAPES)
    response = HttpResponse(body, content_type="application/json")
    patch_cache_control(response, public=True, max_age=SUGGEST_MAX_AGE, s_maxage=SUGGEST_MAX_AGE)
    return response
