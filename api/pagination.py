"""Cursor pagination: pages that stay put while new articles and flashes arrive.

A cursor names the last item a page showed (its publication time and id), not an
offset: a flash published between two page fetches lands before the first page and
shifts nothing, so the next page neither repeats nor skips an item. Nothing counts
the whole list.

Search results are ordered by title tiers, then newest first; their cursor holds the
tier and the search sort key where a page ended (`SearchPagination`), so they do not
shift either.
"""

import base64
import binascii
import json
import time
from collections import OrderedDict

from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
INVALID_CURSOR = "翻页参数 cursor 无效：请使用上一页返回的 next 或 previous 链接。"


class _Cursor(CursorPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_cursor_message = INVALID_CURSOR
    page_size_query_description = f"每页条数，默认 {PAGE_SIZE}，最多 {MAX_PAGE_SIZE}。"
    cursor_query_description = "翻页位置：取自上一页的 next 或 previous 链接。"


class ArticleCursorPagination(_Cursor):
    """Newest first, as the site's lists; ties on the time are broken by id."""

    ordering = ("-published_at", "-id")


class TagCursorPagination(_Cursor):
    """Tag names are unique: the name alone is a stable position."""

    ordering = ("name",)


class StockCursorPagination(_Cursor):
    """In the order they were first recorded (their id): a new security goes last."""

    ordering = ("id",)


class SearchPagination(BasePagination):
    """Pages of `search.query.SearchResults`, forward only (`previous` is always null).

    The cursor holds the moment of the first page and where the last page ended: its
    title tier and the sort key of its last row (search/schema.py). The next page
    starts below that key, so nothing published or re-dated meanwhile can push an
    item onto a second page or past it.
    """

    page_size = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE

    def start(self, request) -> tuple[int, tuple[int, int] | None]:
        """(the moment to read at, as a Unix time; where to start, or None for the top).

        The first page takes the second before now: a second still running may get
        more articles, which would then be found by the later pages only.
        """
        self.request = request
        raw = request.query_params.get("cursor")
        if not raw:
            self.as_of = int(time.time()) - 1
            return self.as_of, None
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
            self.as_of, tier, key = int(data["t"]), int(data["n"]), int(data["k"])
        except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
            raise NotFound(INVALID_CURSOR) from None
        if self.as_of <= 0 or not 0 <= tier < 3 or key <= 0:
            raise NotFound(INVALID_CURSOR)
        return self.as_of, (tier, key)

    def get_page_size(self, request) -> int:
        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except ValueError:
            return self.page_size
        return min(max(size, 1), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        """`queryset` is a SearchResults built from `start(request)`."""
        size = self.get_page_size(request)
        # One row more than the page, to know whether another page follows.
        rows = list(queryset[: size + 1])
        self.last = rows[size - 1] if len(rows) > size else None
        return rows[:size]

    def _next_link(self) -> str | None:
        if self.last is None:
            return None
        data = {"t": self.as_of, "n": self.last.search_tier, "k": self.last.search_key}
        cursor = base64.urlsafe_b64encode(json.dumps(data).encode()).decode("ascii")
        return replace_query_param(self.request.build_absolute_uri(), "cursor", cursor)

    def get_paginated_response(self, data):
        return Response(
            OrderedDict([("next", self._next_link()), ("previous", None), ("results", data)])
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "翻页位置：取自上一页的 next 或 previous 链接。",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"每页条数，默认 {PAGE_SIZE}，最多 {MAX_PAGE_SIZE}。",
                "schema": {"type": "integer"},
            },
        ]
