"""Reading the search table: a query's terms, its matches tier by tier, highlighting."""

import re

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article

from .schema import (
    BIGRAM_TABLE,
    COLUMNS,
    ID_MASK,
    KEY_TABLE,
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    SNIPPET_BEFORE,
    SNIPPET_LENGTH,
    TABLE,
    TITLE_MARK,
    TRIGRAM,
    is_bigram,
    public_keys,
    sort_key,
)

# ---------------------------------------------------------------------------
# The query


def parse_query(raw: str | None) -> tuple[str, list[str]]:
    """Clean what the reader typed: (the query to echo, the distinct terms to search).

    Control characters are dropped (PostgreSQL rejects NUL in strings), the
    query is cut to MAX_QUERY_LENGTH characters and split on any whitespace,
    including the full-width space of Chinese input methods.
    """
    text = "".join(ch for ch in (raw or "") if ch.isprintable() or ch.isspace())
    text = " ".join(text.split())[:MAX_QUERY_LENGTH].strip()
    terms: list[str] = []
    seen = set()
    for term in text.split():
        key = term.casefold()
        if key not in seen:
            seen.add(key)
            terms.append(term)
    return text, terms[:MAX_TERMS]


def _like_pattern(term: str) -> str:
    r"""`%term%` with LIKE's wildcards escaped (backslash is the escape character)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    """The term as an FTS5 string: quoted, so its characters are never query syntax."""
    return '"' + term.replace('"', '""') + '"'


# Title tiers, in the order results are shown: headlines holding every term, then
# headlines holding some of them, then the rest; newest first within each. With a
# single term there are two tiers. None: no title rule (every match).
ALL, SOME, NONE = "all", "some", "none"


def title_tiers(terms: list[str]) -> list[str]:
    return [ALL, SOME, NONE] if len(terms) > 1 else [ALL, NONE]


def _title_rule(rule: str, each: list[str]) -> str:
    """An SQL condition for a title rule over per-term title conditions `each`.
    SOME names every condition twice (all of them, then any of them)."""
    every = " AND ".join(each)
    any_ = " OR ".join(each)
    return {
        ALL: f"({every})",
        SOME: f"NOT ({every}) AND ({any_})",
        NONE: f"NOT ({any_})",
    }[rule]


def _tier_sql(
    vendor: str, terms: list[str], rule: str | None, *, titles: bool = False
) -> tuple[str, list]:
    """SQL for the article ids of the indexed rows in the public key range that contain
    every term and follow the title `rule`, newest first (key descending), with two
    key bounds as the first parameters; `titles=True` adds the title column.
    """
    if vendor == "sqlite":
        return _sqlite_tier_sql(terms, rule, titles)
    if vendor == "postgresql":
        return _postgresql_tier_sql(terms, rule, titles)
    raise NotImplementedError(f"search supports SQLite and PostgreSQL, not {vendor}")


def _fts_title_rule(match: str, rule: str | None, phrases: list[str]) -> str:
    """A MATCH expression narrowed by an FTS5 column filter on the title."""
    if rule is None:
        return match
    every = f"{{title}} : ({' AND '.join(phrases)})"
    any_ = f"{{title}} : ({' OR '.join(phrases)})"
    return {
        ALL: f"({match}) AND {every}",
        SOME: f"(({match}) AND {any_}) NOT {every}",
        NONE: f"({match}) NOT {any_}",
    }[rule]


def _sqlite_tier_sql(terms, rule, titles):
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    pairs = [t.lower() for t in terms if is_bigram(t)]
    if pairs and len(pairs) == len(terms):
        # Two-character words only: the bigram index alone, newest first.
        phrases = [_fts_phrase(t) for t in pairs]
        match = _fts_title_rule(" AND ".join(phrases), rule, phrases)
        title = f", (SELECT title FROM {TABLE} t WHERE t.rowid = {BIGRAM_TABLE}.rowid)"
        return (
            f"SELECT rowid & {ID_MASK}{title if titles else ''} FROM {BIGRAM_TABLE} "
            f"WHERE rowid BETWEEN %s AND %s AND {BIGRAM_TABLE} MATCH %s ORDER BY rowid DESC",
            [match],
        )
    conditions, params = ["rowid BETWEEN %s AND %s"], []
    match = " AND ".join(_fts_phrase(t) for t in long_terms)
    if pairs:
        # The matches of the short words, looked up in the bigram index once and
        # checked as the walk goes ("+": a filter, not a list of rowids to visit and
        # then sort).
        conditions.append(
            f"+rowid IN (SELECT rowid FROM {BIGRAM_TABLE} WHERE {BIGRAM_TABLE} MATCH %s)"
        )
        params.append(" AND ".join(_fts_phrase(t) for t in pairs))
    for term in terms:
        if len(term) < TRIGRAM and not is_bigram(term):
            # One character, or punctuation: no index serves it. LIKE over the
            # columns is correct, read newest first, at the price of reading rows.
            conditions.append("(" + " OR ".join(f"{c} LIKE %s ESCAPE '\\'" for c in COLUMNS) + ")")
            params.extend([_like_pattern(term)] * len(COLUMNS))
    if rule is not None and len(long_terms) == len(terms):
        # The title test is an FTS5 column filter, answered by the index.
        match = _fts_title_rule(match, rule, [_fts_phrase(t) for t in terms])
    elif rule is not None:
        # Terms of several kinds: each index answers for its own terms' titles, as a
        # list checked during the walk. "+title": an expression, not the column, so
        # FTS5 does not take the LIKE over; its trigram index would answer a pattern
        # under three characters with no rows.
        each, each_params = [], []
        for term in terms:
            if len(term) >= TRIGRAM or is_bigram(term):
                table = TABLE if len(term) >= TRIGRAM else BIGRAM_TABLE
                each.append(f"+rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH %s)")
                each_params.append(f"{{title}} : {_fts_phrase(term.lower())}")
            else:
                each.append("+title LIKE %s ESCAPE '\\'")
                each_params.append(_like_pattern(term))
        conditions.append(_title_rule(rule, each))
        params.extend(each_params * (2 if rule == SOME else 1))
    if match:
        conditions.append(f"{TABLE} MATCH %s")
        params.append(match)
    return (
        f"SELECT rowid & {ID_MASK}{', title' if titles else ''} FROM {TABLE} "
        f"WHERE {' AND '.join(conditions)} ORDER BY rowid DESC",
        params,
    )


def _tsquery(term: str, *, title: bool = False) -> str:
    # Bigram terms are letters and digits only: nothing in them is tsquery syntax.
    return f"'{TITLE_MARK if title else ''}{term.lower()}'"


def _postgresql_tier_sql(terms, rule, titles):
    # `document` holds the lowercased text, so a plain LIKE does what ILIKE did at a
    # third of the cost per row; the GIN trigram index serves it for terms of three
    # or more characters, the GIN index on lower(title) the title rules, the GIN
    # index on `grams` two-character words, and the sort_key index lets the planner
    # walk a common word's rows newest first instead.
    conditions, params = ["sort_key BETWEEN %s AND %s"], []
    each, each_params = [], []
    for term in terms:
        if is_bigram(term):
            conditions.append("grams @@ %s::tsquery")
            params.append(_tsquery(term))
            each.append("grams @@ %s::tsquery")
            each_params.append(_tsquery(term, title=True))
        else:
            conditions.append("document LIKE %s")
            params.append(_like_pattern(term.lower()))
            each.append("lower(title) LIKE %s")
            each_params.append(_like_pattern(term.lower()))
    if rule is not None:
        conditions.append(_title_rule(rule, each))
        params.extend(each_params * (2 if rule == SOME else 1))
    return (
        f"SELECT article_id{', title' if titles else ''} FROM {TABLE} "
        f"WHERE {' AND '.join(conditions)} ORDER BY sort_key DESC",
        params,
    )


def _key_sql(vendor: str) -> str:
    """A correlated subquery: the sort key of the article of the outer row."""
    table = KEY_TABLE if vendor == "sqlite" else TABLE
    return f'(SELECT sort_key FROM {table} WHERE article_id = "articles_article"."id")'


# Results a reader can page through: nobody reads past page 50 of a search.
MAX_RESULTS = 1000
# The summary counts this far ("找到超过 100 篇"): counting a common word's twelve
# thousand matches would cost more than the page itself, on PostgreSQL most of all.
COUNT_CAP = 100


class _Tier:
    """One title tier's SQL and what is known of its size so far."""

    def __init__(self, sql, params, rule):
        self.sql, self.params, self.rule = sql, params, rule
        self.exact = None  # its size, once a count or a read ran short
        self.at_least = 0


class SearchResults:
    """The matches of a query in `search_articles()` order, read tier by tier.

    Each title tier is one query over the search index alone, in sort-key order,
    so the database walks the newest matches and stops after the page (see
    ID_BITS); a tier's size is counted only as far as a page needs it. `count()`
    stops at COUNT_CAP and slicing at MAX_RESULTS; only the page's rows are read
    from the articles. The search view pages it without a total
    (`pagination.UncountedPaginator`).
    """

    def __init__(
        self,
        query: str,
        *,
        using: str = DEFAULT_DB_ALIAS,
        listing: bool = True,
        as_of=None,
        after: tuple[int, int] | None = None,
    ):
        _, self.terms = parse_query(query)
        self.capped = False
        self._count = None
        self._using = using
        self._tiers: list[_Tier] = []
        if not self.terms:
            return
        vendor = connections[using].vendor
        public = Article.objects.using(using).published()
        self._rows = public.for_listing() if listing else public
        # For pages that must not shift as articles arrive (the API's search cursor):
        # `as_of` (a datetime) reads the results as they were then (default now), and
        # `after` = (tier, key) starts right after the row with that sort key in that
        # tier (each row read says where it was: `search_tier`, `search_key`).
        low, high = public_keys(as_of)
        for n, rule in enumerate(title_tiers(self.terms)):
            sql, params = _tier_sql(vendor, self.terms, rule)
            bounds = [low, high]
            if after is not None and n < after[0]:
                bounds = [1, 0]  # an empty range: this tier was read already
            elif after is not None and n == after[0]:
                bounds = [low, min(high, after[1] - 1)]
            self._tiers.append(_Tier(sql, bounds + params, rule))

    def _execute(self, sql: str, params: list) -> list:
        with connections[self._using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _ids(self, tier: _Tier, offset: int, limit: int) -> list[int]:
        rows = self._execute(f"{tier.sql} LIMIT %s OFFSET %s", [*tier.params, limit, offset])
        if offset == 0 and len(rows) < limit:
            tier.exact = len(rows)
        tier.at_least = max(tier.at_least, offset + len(rows) if rows else 0)
        return [pk for (pk,) in rows]

    def _size(self, tier: _Tier, at_most: int) -> int:
        """min(the tier's size, at_most), counting no further than that."""
        if tier.exact is not None:
            return min(tier.exact, at_most)
        if at_most <= tier.at_least:
            return at_most
        (size,) = self._execute(
            f"SELECT COUNT(*) FROM ({tier.sql} LIMIT %s) AS capped", [*tier.params, at_most]
        )[0]
        if size < at_most:
            tier.exact = size
        tier.at_least = max(tier.at_least, size)
        return size

    def count(self) -> int:
        if self._count is None:
            total = 0
            for tier in self._tiers:
                total += self._size(tier, COUNT_CAP + 1 - total)
                if total > COUNT_CAP:
                    break
            self.capped = total > COUNT_CAP
            self._count = min(total, COUNT_CAP)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("SearchResults supports plain slices only")
        start = index.start or 0
        stop = min(MAX_RESULTS if index.stop is None else index.stop, MAX_RESULTS)
        order, in_title, tier_of, offset = [], set(), {}, 0
        for n, tier in enumerate(self._tiers):
            if offset >= stop:
                break
            if start <= offset:
                # The slice starts at or before this tier: read it from its top; a
                # short read tells its size without a count.
                page = self._ids(tier, 0, stop - offset)
                size = len(page)
            else:
                size = self._size(tier, stop - offset)
                lo = start - offset
                page = self._ids(tier, lo, size - lo) if lo < size else []
            order += page
            if tier.rule != NONE:
                in_title.update(page)
            tier_of.update(dict.fromkeys(page, n))
            offset += size
        if not order:
            return []
        # Whole rows (bodies included) for the page only, and only public ones: a
        # row published later in the current second is in the key range, not here.
        by_pk = self._rows.in_bulk(order)
        rows = [by_pk[pk] for pk in order if pk in by_pk]
        folded = [t.casefold() for t in self.terms]
        for article in rows:
            title = article.title.casefold()
            article.title_hits = sum(t in title for t in folded)
            article.title_match = article.pk in in_title
            article.search_tier = tier_of[article.pk]
            article.search_key = sort_key(article.pk, article.status, article.published_at)
        return rows

    def __iter__(self):
        return iter(self[:])


# ---------------------------------------------------------------------------
# Highlighting (escape everything, then add <mark>)


def _terms_regex(terms):
    # Longest first, so 蔚来汽车 wins over 蔚来 where both match.
    alternatives = sorted({t for t in terms if t}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile("|".join(re.escape(t) for t in alternatives), re.IGNORECASE)


def highlight(text: str, terms) -> SafeString:
    """`text` HTML-escaped, with every occurrence of a term wrapped in <mark>."""
    pattern = _terms_regex(terms)
    if pattern is None:
        return escape(text)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    parts.append(escape(text[last:]))
    # Safe: every piece of the input went through escape(); only <mark> is ours.
    return mark_safe("".join(parts))


def snippet(text: str, terms, fallback: str = "") -> SafeString:
    """A short window of `text` around the first match, highlighted; else `fallback`."""
    pattern = _terms_regex(terms)
    match = pattern.search(text) if pattern else None
    if match is None:
        return highlight(fallback, terms)
    start = max(0, match.start() - SNIPPET_BEFORE)
    end = min(len(text), start + SNIPPET_LENGTH)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + highlight(text[start:end], terms) + suffix)
