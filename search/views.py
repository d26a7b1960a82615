"""`/search/`: the page."""

from django.views.generic import ListView

from articles import pagination
from articles.text import html_to_text

from .query import MAX_RESULTS, SearchResults, highlight, parse_query, snippet


class SearchView(pagination.UncountedPaginationMixin, ListView):
    """`/search/?q=`: the form, and when there is a query, the paginated matches.

    Previous / next without a total, as on every list: a page reads one row more
    than it shows; past MAX_RESULTS there is no page."""

    template_name = "articles/search.html"
    context_object_name = "articles"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        self.query, self.terms = parse_query(request.GET.get("q"))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return SearchResults(self.query)

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
        return {
            **context,
            "search_query": self.query,
            "search_terms": self.terms,
            "result_count": results.count() if results is not None else 0,
            "results_capped": results is not None and results.capped,
            "max_results": MAX_RESULTS,
            "page_heading": f"搜索：{self.query}" if self.query else "搜索",
        }
