"""Full-text search over published articles (being written; see tests/test_search.py)."""

from django.views.generic import TemplateView


class SearchView(TemplateView):
    template_name = "articles/search.html"
