"""Sitemaps and robots.txt (being written; see tests/test_feeds.py)."""

from django.http import Http404


def sitemap_index(request):
    raise Http404


def sitemap_section(request, section):
    raise Http404


def robots_txt(request):
    raise Http404
