"""RSS 2.0 and Atom feeds (being written; see tests/test_feeds.py)."""

from django.http import Http404


def site_feed(request, fmt):
    raise Http404


def category_feed(request, slug, fmt):
    raise Http404


def tag_feed(request, slug, fmt):
    raise Http404


def stock_feed(request, market, code, fmt):
    raise Http404
