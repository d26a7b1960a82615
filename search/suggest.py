"""Suggestions as the reader types: securities, tags, and what other apps offer (专题).

`static/js/search-suggest.js` asks `/search/suggest.json?q=` (views.suggest) after
each pause in typing and lists these under the search box. Everything offered has a
public page: securities and tags that a published article carries (articles.listings),
and whatever the registered sources answer. Each kind is one bounded query on the
readings articles.lookup indexes, so a keystroke costs a few queries at most.

Other apps add a kind of suggestion with `register(source)` from their AppConfig.ready()
(topics offers its 专题 so): search stays below them (legacy and the API use it) and
works with or without them.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass

from articles import listings, lookup
from articles.text import clean_line
from articles.urlcache import cached_reverse

SECURITIES_LIMIT = 5
TAGS_LIMIT = 5
# What each registered source may add at most.
SOURCE_LIMIT = 3


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "security", "tag", "topic" …: what the script may style
    kind_label: str  # shown before the label: 证券, 标签, 专题
    label: str
    detail: str  # a code and exchange, or ""
    url: str

    def as_json(self) -> dict:
        return asdict(self)


# A source answers (query, limit) with at most `limit` public suggestions.
Source = Callable[[str, int], list[Suggestion]]
_SOURCES: list[Source] = []


def register(source: Source) -> None:
    """Offer `source`'s suggestions after the securities and tags (once, however often
    an app's ready() runs)."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def security_suggestion(stock) -> Suggestion:
    return Suggestion(
        kind="security",
        kind_label="证券",
        label=stock.name or stock.code,
        detail=f"{stock.code} · {stock.exchange_label}",
        url=stock.get_absolute_url(),
    )


def suggestions(query: str) -> list[Suggestion]:
    """What to offer for `query`, securities first; nothing for an empty or overlong one."""
    query = clean_line(query)
    if not query or len(query) > lookup.QUERY_MAX_LENGTH:
        return []
    stocks = lookup.find_securities(query, SECURITIES_LIMIT, among=listings.public_stocks())
    tags = lookup.find_tags(query, TAGS_LIMIT, among=listings.public_tags())
    found = [security_suggestion(stock) for stock in stocks]
    found += [
        Suggestion("tag", "标签", tag.name, "", cached_reverse("articles:tag", tag.slug))
        for tag in tags
    ]
    for source in _SOURCES:
        found += source(query, SOURCE_LIMIT)[:SOURCE_LIMIT]
    return found
