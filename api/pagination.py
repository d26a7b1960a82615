"""Cursor pagination: pages that stay put while new articles and flashes arrive.

A cursor names the last item a page showed (its publication time and id), not an
offset: a flash published between two page fetches lands before the first page and
shifts nothing, so the next page neither repeats nor skips an item. Nothing counts
the whole list.

Search results are ordered by relevance tiers, not by one column; their cursor holds
the moment the first page was read and an offset into the results as of then
(`SearchPagination`): what was published after that moment stays out of the later
pages, so they do not shift either.
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
    """Pages of `search.query.SearchResults` as of the first page's moment (see above)."""

    page_size = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE

    def __init__(self):
        self.as_of = None

    def snapshot(self, request) -> int:
        """The moment (whole seconds, China or not: a Unix time) the results are read at.

        The first page takes the second before now: a second still running may get
        more articles, which would then appear on the second page only.
        """
        self.request = request
        self.offset, self.as_of = 0, int(time.time()) - 1
        raw = request.query_params.get("cursor")
        if raw:
            self.offset, self.as_of = self._decode(raw)
        return self.as_of

    def _decode(self, raw: str) -> tuple[int, int]:
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
            offset, as_of = int(data["o"]), int(data["t"])
        except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
            raise NotFound(INVALID_CURSOR) from None
        if offset < 0 or as_of <= 0:
            raise NotFound(INVALID_CURSOR)
        return offset, as_of

    def _encode(self, offset: int) -> str:
        data = json.dumps({"o": offset, "t": self.as_of}, separators=(",", ":"))
        return base64.urlsafe_b64encode(data.encode()).decode("ascii")

    def get_page_size(self, request) -> int:
        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except ValueError:
            return self.page_size
        return min(max(size, 1), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        """`queryset` is a SearchResults built with `snapshot(request)`'s moment."""
        size = self.get_page_size(request)
        # One row more than the page, to know whether another page follows.
        rows = list(queryset[self.offset : self.offset + size + 1])
        self.has_next = len(rows) > size
        self.size = size
        return rows[:size]

    def _link(self, offset: int | None) -> str | None:
        if offset is None:
            return None
        # The first page too gets a cursor: it holds the moment the results are read at.
        url = self.request.build_absolute_uri()
        return replace_query_param(url, "cursor", self._encode(offset))

    def get_paginated_response(self, data):
        following = self.offset + self.size if self.has_next else None
        previous = max(self.offset - self.size, 0) if self.offset > 0 else None
        return Response(
            OrderedDict(
                [("next", self._link(following)), ("previous", self._link(previous)), ("results", data)]
            )
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
