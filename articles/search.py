"""Full-text search over published articles: `/search/?q=`.

Design
------
One search table, ``articles_article_search``, holds one row per article with
five text columns: ``title``, ``body`` (body text and summary, tags stripped),
``tags`` (tag names), ``source`` (source name) and ``stocks`` (code, name and
``market.code`` of every stock). It is not a Django model: its shape differs per
database and nothing but this module reads or writes it, so migration 0003
creates it with raw SQL and this module talks to it with raw SQL.

- SQLite: an FTS5 virtual table with the ``trigram`` tokenizer, ``rowid`` = the
  article id. ``MATCH '"蔚来汽"'`` finds any substring of three or more
  characters, which is what Chinese needs (no word segmentation). Trigram
  cannot match terms shorter than three characters, so those fall back to
  ``LIKE`` on the table's columns: still correct, but a scan of the search
  table (never of the articles).
- PostgreSQL: a plain table, ``article_id`` primary key, plus a generated
  ``document`` column (all five columns joined by newlines) with a GIN
  ``gin_trgm_ops`` index from pg_trgm (``fastupdate = off``, see the
  migration), queried with ``ILIKE '%term%'``, which pg_trgm accelerates for
  terms of three or more characters. Shorter terms use the same SQL and stay
  correct, just without trigram help. The newline separator can never be part
  of a term (terms are split on whitespace), so a match cannot straddle two
  columns.

The table may hold drafts and scheduled articles: what the public may see is
decided at query time, by joining the matches with ``Article.objects.published()``.
So a scheduled article becomes findable the moment its time comes, with no
reindex, and the public rule still lives in one place.

The table is kept current by signal receivers (connected in ``ArticlesConfig.ready``):
article save and delete, tag changes (taggit's m2m_changed, tag rename/delete),
stock links (``ArticleStock`` save/delete, ``StockReference`` rename) and
``Article.set_stocks``, which calls ``update_index`` itself because
``bulk_create`` sends no signals. Updates run inline, inside the caller's
transaction, so an import that rolls back leaves no stale index row behind.
``QuerySet.update()`` sends no signals either; nothing in the project uses it on
articles, and ``rebuild_index()`` repairs anything that went around the model.

Public API: ``search_articles(query)`` (every match, in order, as one queryset),
``SearchResults(query)`` (the same order, paged cheaply; what the page uses),
``update_index(article_ids)``, ``rebuild_index()``, the ``SearchView`` and the
small helpers the view uses (``parse_query``, ``highlight``, ``snippet``).
"""

import contextlib
import functools
import html
import operator
import re
import threading

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import BooleanField, Case, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.generic import ListView
from taggit.models import Tag, TaggedItem

from . import pagination
from .models import Article, ArticleStock, StockReference

TABLE = "articles_article_search"
COLUMNS = ("title", "body", "tags", "source", "stocks")

# A real query is a few words; anything longer is noise or abuse, and every
# term costs a condition in the SQL.
MAX_QUERY_LENGTH = 100
MAX_TERMS = 8
# FTS5's trigram tokenizer needs at least three characters to use its index.
TRIGRAM = 3
SNIPPET_BEFORE = 30
SNIPPET_LENGTH = 120
BATCH = 500


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


# ---------------------------------------------------------------------------
# The sort key: newest first, straight from the index


# Every search row carries a sort key that orders it the way results are shown:
# (the second of publication + 1) << ID_BITS | article id for a published article,
# the bare article id for anything else. Descending keys are newest first (ties in
# the same second: the newer id first); drafts and unpublished rows sit below
# PUBLIC_MIN; a scheduled article's key lies in the future, so it enters the
# public range by itself when its second comes, with no reindex. On SQLite the key
# is the FTS5 rowid, which FTS5 can walk backwards and stop after a page: a common
# word's newest twenty cost twenty rows, not a sort of its twelve thousand matches.
# On PostgreSQL it is an indexed column the planner can walk the same way.
ID_BITS = 31
ID_MASK = (1 << ID_BITS) - 1
PUBLIC_MIN = 1 << ID_BITS
# SQLite only: article id -> its row's sort key, to find the row again when the key
# changes (a new publication time) or the article goes. PostgreSQL keeps the key in
# a column of the search table itself.
KEY_TABLE = "articles_article_search_key"


def sort_key(pk: int, status: str, published_at) -> int:
    """The search row's key for an article (see ID_BITS)."""
    if pk > ID_MASK:
        raise ValueError(f"article id {pk} does not fit the search key's {ID_BITS} bits")
    if status != "published" or published_at is None:
        return pk
    return ((max(int(published_at.timestamp()), 0) + 1) << ID_BITS) | pk


def public_keys(now=None) -> tuple[int, int]:
    """The range of keys of articles public at `now`: published, not in the future.

    Keys hold whole seconds, so the range ends with `now`'s second; a row later in
    that same second is dropped when the page's rows are read from
    `Article.objects.published()`.
    """
    now = now or timezone.now()
    return PUBLIC_MIN, ((int(now.timestamp()) + 1) << ID_BITS) | ID_MASK


# ---------------------------------------------------------------------------
# Bigrams: the index for two-character terms

# Two characters are the commonest length of a Chinese word (光伏, 茅台, 蔚来), and
# neither trigram index can serve them. A second index holds every distinct pair of
# adjacent letters or digits of an article, once per article and column group (the
# title, everything else): no positions, so it stays small, and a two-character
# term is one exact token. SQLite: a contentless FTS5 table (same rowid sort key,
# columns `title` and `other`); PostgreSQL: a `grams` tsvector column (title pairs
# marked, see TITLE_MARK) with a GIN index. Terms of one character, or with
# punctuation, still fall back to LIKE.
BIGRAM_TABLE = "articles_article_search_bigram"
_RUN = re.compile(r"[^\W_]{2,}")


def bigrams(text: str) -> str:
    """The distinct two-character tokens of `text`, lowercased, space-separated.

    Their order is not kept: the index stores no positions. Built with `map` over
    each run of letters and digits, which is twice as fast as slicing in a loop;
    it runs for every article an import writes.
    """
    grams = set()
    for run in _RUN.findall(text.lower()):
        grams.update(map(str.__add__, run, run[1:]))
    return " ".join(grams)


def _is_bigram(term: str) -> bool:
    return len(term) == 2 and _RUN.fullmatch(term) is not None


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
    pairs = [t.lower() for t in terms if _is_bigram(t)]
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
        if len(term) < TRIGRAM and not _is_bigram(term):
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
            if len(term) >= TRIGRAM or _is_bigram(term):
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


# PostgreSQL's bigram tsvector is written and queried as literals (`::tsvector`,
# `::tsquery`), never through a text-search parser, whose idea of a word depends
# on the server's locale. A title's pairs are there twice: plain, like every other
# pair, and marked with TITLE_MARK. A lexeme of its own (not a weight) lets the
# planner's statistics tell how rare a word is in headlines: with a weight it
# assumed the body's frequency and walked 100,000 rows for a word no headline had.
TITLE_MARK = "~"


def _tsquery(term: str, *, title: bool = False) -> str:
    # Bigram terms are letters and digits only: nothing in them is tsquery syntax.
    return f"'{TITLE_MARK if title else ''}{term.lower()}'"


def _tsvector(title_grams: str, other_grams: str) -> str:
    title = title_grams.split()
    lexemes = {*title, *other_grams.split(), *(TITLE_MARK + gram for gram in title)}
    return " ".join(f"'{lexeme}'" for lexeme in lexemes)


def _postgresql_tier_sql(terms, rule, titles):
    # `document` holds the lowercased text, so a plain LIKE does what ILIKE did at a
    # third of the cost per row; the GIN trigram index serves it for terms of three
    # or more characters, the GIN index on lower(title) the title rules, the GIN
    # index on `grams` two-character words, and the sort_key index lets the planner
    # walk a common word's rows newest first instead.
    conditions, params = ["sort_key BETWEEN %s AND %s"], []
    each, each_params = [], []
    for term in terms:
        if _is_bigram(term):
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


def search_articles(query: str, *, using: str = DEFAULT_DB_ALIAS):
    """Published articles matching every term of `query`, in the order results are shown.

    The reference definition of the results, as one plain queryset: headlines
    holding every term first, then headlines holding some, then the rest (see
    `title_tiers`), each newest first by the sort key (to the second, then the
    newer id). Each result carries `title_hits` (how many terms its title
    contains) and `title_match` (at least one). An empty query gives an empty
    queryset. The search page reads the same order more cheaply: `SearchResults`.
    """
    _, terms = parse_query(query)
    if not terms:
        return Article.objects.using(using).none()
    vendor = connections[using].vendor
    sql, params = _tier_sql(vendor, terms, None)
    # The ids alone, unordered, over every key from the first public one up.
    sql = sql.split(" ORDER BY ")[0]
    matching = RawSQL(sql, [PUBLIC_MIN, (1 << 63) - 1, *params])
    hits = [Q(title__icontains=t) for t in terms]
    return (
        Article.objects.using(using)
        .published()
        .filter(pk__in=matching)
        .annotate(
            title_hits=functools.reduce(
                operator.add, [Case(When(hit, then=Value(1)), default=Value(0)) for hit in hits]
            ),
            title_rank=Case(
                When(functools.reduce(operator.and_, hits), then=Value(2)),
                When(functools.reduce(operator.or_, hits), then=Value(1)),
                default=Value(0),
            ),
            search_key=RawSQL(_key_sql(vendor), []),
        )
        .annotate(
            title_match=Case(
                When(title_hits__gt=0, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-title_rank", "-search_key")
    )


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

    def __init__(self, query: str, *, using: str = DEFAULT_DB_ALIAS, listing: bool = True):
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
        bounds = list(public_keys())
        for rule in title_tiers(self.terms):
            sql, params = _tier_sql(vendor, self.terms, rule)
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

    def explain(self) -> list[str]:
        """The database's plan for each tier's page query (tests and benchmarks)."""
        plans = []
        connection = connections[self._using]
        prefix = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"
        for tier in self._tiers:
            rows = self._execute(f"{prefix} {tier.sql} LIMIT 20", tier.params)
            plans.append("\n".join(" ".join(map(str, row)) for row in rows))
        return plans

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("SearchResults supports plain slices only")
        start = index.start or 0
        stop = min(MAX_RESULTS if index.stop is None else index.stop, MAX_RESULTS)
        order, in_title, offset = [], set(), 0
        for tier in self._tiers:
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


_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(
    r"</(?:p|div|h[1-6]|li|td|th|tr|blockquote|figcaption|pre)>|<br\s*/?>", re.I
)


def plain_text(body_html: str) -> str:
    """Readable text of a sanitized body: tags removed, entities decoded, spaces collapsed.

    Block ends become spaces first so paragraphs do not run together; inline tags
    are removed without a space so `<b>蔚</b>来` still reads 蔚来.
    """
    # body_html is the sanitizer's output, well-formed with quoted attributes, so a
    # regex removes its tags safely; Django's strip_tags re-parses until stable and
    # is several times slower, which matters when an import indexes 17,000 bodies.
    text = _TAG.sub("", _BLOCK_END.sub(" ", body_html or ""))
    return " ".join(html.unescape(text).split())


# ---------------------------------------------------------------------------
# Keeping the index current


def _index_rows(article_ids, alias, article_model, tagged_item_model, article_stock_model):
    """Rows (id, sort key, title, body, tags, source, stocks) for the given articles that exist.

    Only `values()` queries on the models passed in, so migration 0003 can call
    it with historical models; three queries whatever the number of articles.
    """
    articles = list(
        article_model._base_manager.using(alias)
        .filter(pk__in=article_ids)
        .values_list("pk", "status", "published_at", "title", "body_html", "summary", "source_name")
    )
    if not articles:
        return []
    ids = [row[0] for row in articles]
    tags: dict[int, list[str]] = {}
    for object_id, name in (
        tagged_item_model._base_manager.using(alias)
        .filter(
            content_type__app_label="articles",
            content_type__model="article",
            object_id__in=ids,
        )
        .order_by("tag__name")
        .values_list("object_id", "tag__name")
    ):
        tags.setdefault(object_id, []).append(name)
    stocks: dict[int, list[str]] = {}
    for article_id, market, code, name in (
        article_stock_model._base_manager.using(alias)
        .filter(article_id__in=ids)
        .order_by("article_id", "position")
        .values_list("article_id", "stock__market", "stock__code", "stock__name")
    ):
        stocks.setdefault(article_id, []).append(f"{code} {name} {market}.{code}".strip())
    return [
        (
            pk,
            sort_key(pk, status, published_at),
            title,
            "\n".join(part for part in (plain_text(body_html), summary.strip()) if part),
            "\n".join(tags.get(pk, [])),
            source_name,
            "\n".join(stocks.get(pk, [])),
        )
        for pk, status, published_at, title, body_html, summary, source_name in articles
    ]


def _grams(row) -> tuple[str, str]:
    """The bigram index's two texts for an index row: (title pairs, all other pairs)."""
    title, *others = row[-len(COLUMNS) :]
    return bigrams(title), bigrams("\n".join(others))


def _write(alias, article_ids, models=None, *, replace=True) -> int:
    """Write the index rows of `article_ids`, replacing theirs (deleted articles lose theirs)."""
    connection = connections[alias]
    models = models or (Article, TaggedItem, ArticleStock)
    sqlite = connection.vendor == "sqlite"
    values = ", ".join(["%s"] * (len(COLUMNS) + 1))
    if sqlite:
        insert = f"INSERT INTO {TABLE} (rowid, {', '.join(COLUMNS)}) VALUES ({values})"
    else:
        insert = (
            f"INSERT INTO {TABLE} (article_id, sort_key, {', '.join(COLUMNS)}, grams) "
            f"VALUES (%s, {values}, %s::tsvector)"
        )
    written = 0
    ids = sorted({int(pk) for pk in article_ids if pk is not None})
    # One transaction (no savepoint when the caller already has one): a reader never
    # sees an article between its delete and its insert, and a failure undoes both.
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            rows = _index_rows(chunk, alias, *models)
            if replace and sqlite:
                _sqlite_delete(cursor, chunk)
            elif replace:
                placeholders = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {TABLE} WHERE article_id IN ({placeholders})", chunk)
            if rows and sqlite:
                cursor.executemany(insert, [row[1:] for row in rows])
                cursor.executemany(
                    f"INSERT INTO {KEY_TABLE} (article_id, sort_key) VALUES (%s, %s)",
                    [row[:2] for row in rows],
                )
                cursor.executemany(
                    f"INSERT INTO {BIGRAM_TABLE} (rowid, title, other) VALUES (%s, %s, %s)",
                    [(row[1], *_grams(row)) for row in rows],
                )
            elif rows:
                cursor.executemany(insert, [(*row, _tsvector(*_grams(row))) for row in rows])
            written += len(rows)
    return written


def _sqlite_delete(cursor, article_ids) -> None:
    """Remove the SQLite index rows of these articles, wherever their keys now point."""
    placeholders = ", ".join(["%s"] * len(article_ids))
    cursor.execute(
        f"SELECT rowid, {', '.join(COLUMNS)} FROM {TABLE} WHERE rowid IN "
        f"(SELECT sort_key FROM {KEY_TABLE} WHERE article_id IN ({placeholders}))",
        article_ids,
    )
    old = cursor.fetchall()
    if not old:
        return
    # A contentless FTS5 table forgets a row only when told the tokens it was given:
    # they are recomputed from the trigram row, written from the same text.
    cursor.executemany(
        f"INSERT INTO {BIGRAM_TABLE} ({BIGRAM_TABLE}, rowid, title, other) "
        "VALUES ('delete', %s, %s, %s)",
        [(row[0], *_grams(row)) for row in old],
    )
    keys = [row[0] for row in old]
    key_placeholders = ", ".join(["%s"] * len(keys))
    cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({key_placeholders})", keys)
    cursor.execute(f"DELETE FROM {KEY_TABLE} WHERE article_id IN ({placeholders})", article_ids)


def _supported(alias) -> bool:
    return connections[alias].vendor in ("sqlite", "postgresql")


_deferred = threading.local()


@contextlib.contextmanager
def deferred_indexing(*, using: str = DEFAULT_DB_ALIAS):
    """Within the block, collect index updates; write each touched article once at its end.

    For bulk writers such as the importer: a new article would otherwise be indexed
    three times, after its save, its tags and its stocks. Use it inside the writer's
    transaction, so a rollback takes the index rows with it; on an exception
    nothing is written.
    """
    previous = getattr(_deferred, "pending", None)
    pending: set[int] = set()
    _deferred.pending = pending
    try:
        yield
    finally:
        _deferred.pending = previous
    if pending:
        update_index(pending, using=using)


def update_index(article_ids, *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Re-index these articles from the database; ids of deleted articles are dropped.

    Returns the number of rows written (0 while deferred; see `deferred_indexing`).
    """
    pending = getattr(_deferred, "pending", None)
    if pending is not None:
        pending.update(article_ids)
        return 0
    return _write(using, article_ids) if _supported(using) else 0


def rebuild_index(*, using: str = DEFAULT_DB_ALIAS, models=None) -> int:
    """Empty the index and index every article again (deploys, repairs). Returns the count.

    Runs in one transaction, so readers keep the old index until it commits. Then
    refreshes the planner's statistics: without them SQLite guesses that
    `status = 'published'` matches ~10 rows and walks every published article
    checking it against the matches (about 50 ms at 100,000 articles) instead of
    looking up only the matched ids (under 1 ms). `models` is (Article,
    TaggedItem, ArticleStock); migration 0003 passes its historical models.
    """
    if not _supported(using):
        return 0
    connection = connections[using]
    article_model = (models or (Article,))[0]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
            if connection.vendor == "sqlite":
                cursor.execute(f"DELETE FROM {KEY_TABLE}")
                # A contentless FTS5 table is emptied by its own command.
                cursor.execute(f"INSERT INTO {BIGRAM_TABLE} ({BIGRAM_TABLE}) VALUES ('delete-all')")
        ids = article_model._base_manager.using(using).order_by("pk").values_list("pk", flat=True)
        count = _write(using, list(ids), models, replace=False)
        analyze(using, article_model)
    return count


def analyze(using: str = DEFAULT_DB_ALIAS, article_model=Article) -> None:
    """Refresh the planner's statistics for the articles and the search table.

    Without them SQLite cannot tell that a search matches a few hundred of 100,000
    articles, and walks the whole date index instead of the matches. The importer
    calls this after a large run; PostgreSQL's autovacuum would get there later.
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(article_model._meta.db_table)}")
        # SQLite's ANALYZE of an FTS5 table is a no-op; PostgreSQL's is real.
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {TABLE}")


@receiver(post_save, sender=Article, dispatch_uid="search_article_saved")
def _article_saved(sender, instance, using, **kwargs):
    update_index([instance.pk], using=using)


@receiver(post_delete, sender=Article, dispatch_uid="search_article_deleted")
def _article_deleted(sender, instance, using, **kwargs):
    # The article row is gone, so _write deletes its index row and writes nothing.
    update_index([instance.pk], using=using)


@receiver(m2m_changed, sender=Article.tags.through, dispatch_uid="search_tags_changed")
def _tags_changed(sender, instance, action, reverse, using, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, Article):
        update_index([instance.pk], using=using)


def _tagged_article_ids(tag, using):
    return list(
        TaggedItem.objects.using(using)
        .filter(tag=tag, content_type__app_label="articles", content_type__model="article")
        .values_list("object_id", flat=True)
    )


@receiver(post_save, sender=Tag, dispatch_uid="search_tag_saved")
def _tag_saved(sender, instance, created, using, **kwargs):
    # A renamed tag changes the text of every article that carries it.
    if not created:
        update_index(_tagged_article_ids(instance, using), using=using)


@receiver(pre_delete, sender=Tag, dispatch_uid="search_tag_deleting")
def _tag_deleting(sender, instance, using, **kwargs):
    # Its TaggedItems go with it, silently: remember who carried it.
    instance._search_article_ids = _tagged_article_ids(instance, using)


@receiver(post_delete, sender=Tag, dispatch_uid="search_tag_deleted")
def _tag_deleted(sender, instance, using, **kwargs):
    update_index(getattr(instance, "_search_article_ids", []), using=using)


@receiver(post_save, sender=ArticleStock, dispatch_uid="search_stock_link_saved")
@receiver(post_delete, sender=ArticleStock, dispatch_uid="search_stock_link_deleted")
def _stock_link_changed(sender, instance, using, **kwargs):
    update_index([instance.article_id], using=using)


@receiver(post_save, sender=StockReference, dispatch_uid="search_stock_saved")
def _stock_saved(sender, instance, created, using, **kwargs):
    # A renamed stock changes the text of every article that mentions it.
    if not created:
        ids = ArticleStock.objects.using(using).filter(stock=instance).values_list("article_id")
        update_index([pk for (pk,) in ids], using=using)


# ---------------------------------------------------------------------------
# The page


class SearchView(ListView):
    """`/search/?q=`: the form, and when there is a query, the paginated matches."""

    template_name = "articles/search.html"
    context_object_name = "articles"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        self.query, self.terms = parse_query(request.GET.get("q"))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return SearchResults(self.query)

    def paginate_queryset(self, queryset, page_size):
        # Previous / next without a total, as on every list (pagination.py): a page
        # reads one row more than it shows; past MAX_RESULTS there is no page.
        page = pagination.paginate(queryset, self.request.GET.get("page"), page_size)
        return page.paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        if page is not None:
            articles = list(page.object_list)
            for article in articles:
                article.highlighted_title = highlight(article.title, self.terms)
                article.highlighted_snippet = snippet(
                    plain_text(article.body_html), self.terms, fallback=article.excerpt
                )
            page.object_list = articles
            context["articles"] = context["object_list"] = articles
        results = context["paginator"].object_list if page is not None else None
        return {
            **context,
            "search_query": self.query,
            "search_terms": self.terms,
            "result_count": results.count() if results is not None else 0,
            "results_capped": results is not None and results.capped,
            "max_results": MAX_RESULTS,
            "page_heading": f"搜索：{self.query}" if self.query else "搜索",
        }
