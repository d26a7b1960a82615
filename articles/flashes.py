"""7×24 快讯 from one box of text: its headline, digest and body, and the securities it names.

A desk editor types what happened, the way flashes are written:

    【贵州茅台：一季度营收同比增长 18%】公司公告称……
    央行宣布下调存款准备金率 0.5 个百分点。此次降准……

A headline in 【】 at the start is the headline; otherwise the first sentence is. The
rest is the digest the 7×24 timeline shows under it. Securities are found in the text
by name (贵州茅台) and by every form a code is written in (600519, sh600519,
600519.SH, 0700.HK, 1.600519, NIO), but only when they are already on file: a
number in the news (a date, a price) that happens to look like a code names nothing.
`compose()` is pure; `detect_stocks()` reads the securities on file.
"""

import re
from dataclasses import dataclass

from django.utils.html import escape

from . import listings, securities
from .models import Category, StockReference
from .text import clean_line, clean_text

FLASH_SECTION_SLUG = listings.ROLLING_CATEGORY_SLUG
FLASH_SECTION_NAME = "7×24 快讯"
TEXT_MAX_LENGTH = 2000
TITLE_MAX_LENGTH = 60
MAX_STOCKS = 20

_HEADLINE = re.compile(r"\s*【([^【】]{1,200})】\s*")
_EMPTY_HEADLINE = re.compile(r"^\s*【\s*】")
_SENTENCE = re.compile(r"(.+?[。！？!?])(?=\s*\S)", re.S)


@dataclass(frozen=True)
class FlashText:
    title: str
    summary: str
    body_source: str


def compose(text: str) -> FlashText:
    """The headline, digest and body of a flash typed as one text."""
    text = _EMPTY_HEADLINE.sub("", clean_text(text), count=1)
    headline = _HEADLINE.match(text)
    if headline:
        title, rest = clean_line(headline[1]), text[headline.end() :].strip()
        body = rest or title
    else:
        first = _SENTENCE.match(text)
        # A headline has no full stop; the digest goes on from where it ends.
        title = clean_line(first[1] if first else text).rstrip("。.")
        rest = text[first.end() :].strip() if first else ""
        body = text
    if len(title) > TITLE_MAX_LENGTH:
        title = title[: TITLE_MAX_LENGTH - 1] + "…"
    paragraphs = [line.strip() for line in body.split("\n") if line.strip()]
    return FlashText(
        title=title,
        summary=clean_line(rest),
        body_source="".join(f"<p>{escape(p)}</p>" for p in paragraphs),
    )


def detect_stocks(text: str) -> list[StockReference]:
    """The securities on file that the text names, in order of first mention."""
    text = clean_text(text)
    if not text:
        return []
    # Every form a code is written in is one grammar (articles.securities).
    candidates = securities.written_codes(text)
    codes = {code for _, (_, code) in candidates}
    on_file = list(StockReference.objects.filter(code__in=codes)) if codes else []
    by_key = {(s.market, s.code): s for s in on_file}
    # A ticker names a US security: one of three exchanges, whichever holds it.
    by_ticker = {s.code: s for s in on_file if s.market in securities.US_MARKETS}
    hits: list[tuple[int, StockReference]] = []
    for at, (market, code) in candidates:
        stock = by_ticker.get(code) if market is None else by_key.get((market, code))
        if stock is not None:
            hits.append((at, stock))
    # Names, longest first, so 贵州茅台 is found before a shorter name inside it.
    names = sorted(
        StockReference.objects.exclude(name="").values_list("name", "pk"),
        key=lambda pair: -len(pair[0]),
    )
    taken = [False] * len(text)
    pending = {pk for _, pk in names}
    name_hits = []
    for name, pk in names:
        if len(name) < 2 or pk not in pending:
            continue
        start = text.find(name)
        while start != -1 and any(taken[start : start + len(name)]):
            start = text.find(name, start + 1)
        if start != -1:
            taken[start : start + len(name)] = [True] * len(name)
            name_hits.append((start, pk))
            pending.discard(pk)
    if name_hits:
        named = StockReference.objects.in_bulk([pk for _, pk in name_hits])
        hits += [(at, named[pk]) for at, pk in name_hits]
    ordered, seen = [], set()
    for _, stock in sorted(hits, key=lambda hit: hit[0]):
        if stock.pk not in seen:
            seen.add(stock.pk)
            ordered.append(stock)
    return ordered[:MAX_STOCKS]


def flash_section() -> Category:
    """The 7×24 section, made the first time a flash is published if it is not there."""
    section, _ = Category.objects.get_or_create(
        slug=FLASH_SECTION_SLUG, defaults={"name": FLASH_SECTION_NAME}
    )
    return section
