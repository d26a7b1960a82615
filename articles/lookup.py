"""Finding securities and tags on file from whatever an editor or a reader types.

`find_securities("gzmt")`, `("茅台")`, `("sh600519")`, `("600519.SH")`, `("1.600519")`
all answer 贵州茅台 first; `("0700.HK")`, `("00700")`, `("腾讯")` 腾讯控股; `("NIO")`
蔚来. A code in any written form is read by the one grammar
(`articles.securities.written_code`). `find_tags("gf")` answers 光伏.

Names match by their characters (ignoring case), pinyin by the readings stored
beside them (StockReference's `name_initials`/`name_pinyin`, TagReading; see
articles.readings), so a lookup is one query on indexed columns, never pinyin
computed over every row. The admin's pickers ask this module; site search can too.

Ranked, best first: the exact code (or, for a tag, the same name); then a name or
code starting with the query; then pinyin starting with it; then anything that
contains it. Within a rank, shorter names first.
"""

import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length
from taggit.models import Tag

from . import securities
from .models import StockReference
from .readings import typed_reading
from .text import clean_line

DEFAULT_LIMIT = 10
# Longer than any code, name or tag; a longer query finds nothing.
QUERY_MAX_LENGTH = 100

_SYMBOL_PREFIX = re.compile(r"([0-9]{1,3})\.([0-9A-Za-z.\-]*)")
_HAS_LETTER = re.compile(r"[a-z]")


def find_securities(
    query: str, limit: int = DEFAULT_LIMIT, *, among: QuerySet | None = None
) -> list[StockReference]:
    """Securities on file matching `query`, best first, at most `limit`; each carries its
    `rank` (0: the query is its code). `among` narrows the candidates in the same query
    (site search passes `listings.public_stocks()`, so a draft never crowds out a
    public match)."""
    query = clean_line(query)
    if not query or len(query) > QUERY_MAX_LENGTH:
        return []
    exact = _exact_code(query)
    starts = Q(name__istartswith=query)
    contains = Q(name__icontains=query)
    if query.isascii():
        starts |= Q(code__istartswith=query)
        contains |= Q(code__icontains=query)
        symbol = _SYMBOL_PREFIX.fullmatch(query)
        if symbol:  # "1.6005": the market's codes as typed so far
            starts |= Q(market=int(symbol[1]), code__istartswith=symbol[2])
    ranks = [exact, starts, *_pinyin(query, "name_initials", "name_pinyin"), contains]
    found = _ranked(StockReference.objects.all() if among is None else among, ranks)
    return list(found.order_by("rank", Length("name"), "market", "code")[: max(limit, 0)])


def find_tags(
    query: str, limit: int = DEFAULT_LIMIT, *, among: QuerySet | None = None
) -> list[Tag]:
    """Existing tags matching `query`, best first, at most `limit` (`among`: as for
    `find_securities`)."""
    query = clean_line(query)
    if not query or len(query) > QUERY_MAX_LENGTH:
        return []
    ranks = [
        Q(name__iexact=query),
        Q(name__istartswith=query),
        *_pinyin(query, "reading__initials", "reading__pinyin"),
        Q(name__icontains=query),
    ]
    found = _ranked(Tag.objects.all() if among is None else among, ranks)
    return list(found.order_by("rank", Length("name"), "name")[: max(limit, 0)])


def _exact_code(query: str) -> Q:
    """The securities the query names as a code, in any of its written forms."""
    found = Q(code__iexact=query) if query.isascii() else Q(pk__in=[])
    pair = securities.written_code(query.upper() if query.isascii() else query)
    if pair is not None:
        market, code = pair
        if market is None:  # a bare ticker: whichever US exchange lists it
            found |= Q(market__in=securities.US_MARKETS, code=code)
        else:
            found |= Q(market=market, code=code)
    if query.isascii() and query.isdigit() and 3 <= len(query) <= 4:
        # 700, 0700, 9866: Hong Kong codes as quoted without their leading zeros.
        found |= Q(market=securities.HK_MARKET, code=query.zfill(5))
    return found


def _pinyin(query: str, initials: str, pinyin: str) -> list[Q]:
    """[starts with, contains] on the stored readings; none for a query that is not pinyin."""
    spelled = typed_reading(query)
    # Only Latin letters can be pinyin: "600519" is a code, "茅台" matches by name.
    if not (query.isascii() and _HAS_LETTER.search(spelled)):
        return []
    return [
        Q(**{f"{initials}__startswith": spelled}) | Q(**{f"{pinyin}__startswith": spelled}),
        Q(**{f"{initials}__contains": spelled}) | Q(**{f"{pinyin}__contains": spelled}),
    ]


def _ranked(queryset: QuerySet, ranks: list[Q]) -> QuerySet:
    """The rows matching any condition, each annotated with the first it meets."""
    matching = Q()
    for condition in ranks:
        matching |= condition
    rank = Case(
        *(When(condition, then=Value(n)) for n, condition in enumerate(ranks)),
        default=Value(len(ranks)),
        output_field=IntegerField(),
    )
    return queryset.filter(matching).annotate(rank=rank)
