"""Pagination that never counts the whole list.

A `COUNT(*)` over every published article grows with the archive: at 100,000
articles it was the largest single cost of the home page. Readers page with
"previous / next", so a page only needs to know whether one more row exists:
it fetches `per_page + 1` rows from its offset. The cost then follows the page
number, not the archive size.
"""

from django.core.paginator import EmptyPage, InvalidPage, Page, PageNotAnInteger, Paginator
from django.http import Http404

# Deeper than any reader goes; keeps OFFSET far from PostgreSQL's bigint limit.
MAX_PAGE = 100_000


class UncountedPage(Page):
    def __init__(self, object_list, number, paginator, *, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next


class UncountedPaginator(Paginator):
    """A `Paginator` whose pages know their neighbours but not the total."""

    def validate_number(self, number) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger("页码必须是整数") from exc
        if not 1 <= number <= MAX_PAGE:
            raise EmptyPage("没有这一页")
        return number

    def page(self, number) -> UncountedPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("没有这一页")
        return UncountedPage(
            rows[: self.per_page], number, self, has_next=len(rows) > self.per_page
        )


def paginate(queryset, page_number, per_page: int) -> UncountedPage:
    """The page `page_number` (a string from the query, or None) of `queryset`; 404 if none."""
    try:
        return UncountedPaginator(queryset, per_page).page(page_number or 1)
    except InvalidPage as exc:
        raise Http404(str(exc)) from exc


class UncountedPaginationMixin:
    """For a ListView: previous / next pages without a total (see the module docstring)."""

    def paginate_queryset(self, queryset, page_size):
        page = paginate(queryset, self.request.GET.get("page"), page_size)
        return page.paginator, page, page.object_list, page.has_other_pages()
