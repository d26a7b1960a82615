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
import json
import operator
import re
import threading

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import BooleanField, Case, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.generic import ListView
from taggit.models import Tag, TaggedItem

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


def _matching_ids_sql(vendor: str, terms: list[str]) -> tuple[str, list[str]]:
    """SQL selecting the ids of indexed articles that contain every term."""
    if vendor == "sqlite":
        conditions, params = [], []
        long_terms = [t for t in terms if len(t) >= TRIGRAM]
        if long_terms:
            conditions.append(f"{TABLE} MATCH %s")
            params.append(" AND ".join(_fts_phrase(t) for t in long_terms))
        for term in terms:
            if len(term) < TRIGRAM:
                # Trigram MATCH cannot see one- or two-character terms: LIKE over the
                # columns is correct, at the price of scanning the search table.
                pattern = _like_pattern(term)
                conditions.append(
                    "(" + " OR ".join(f"{c} LIKE %s ESCAPE '\\'" for c in COLUMNS) + ")"
                )
                params.extend([pattern] * len(COLUMNS))
        return f"SELECT rowid FROM {TABLE} WHERE " + " AND ".join(conditions), params
    if vendor == "postgresql":
        # Backslash is PostgreSQL's default LIKE escape; the GIN trigram index on
        # `document` serves ILIKE for terms of three or more characters.
        conditions = " AND ".join("document ILIKE %s" for _ in terms)
        return f"SELECT article_id FROM {TABLE} WHERE {conditions}", [
            _like_pattern(t) for t in terms
        ]
    raise NotImplementedError(f"search supports SQLite and PostgreSQL, not {vendor}")


def _scan_once(vendor: str, terms: list[str], using: str) -> tuple[list[int], list[int]]:
    """(ids of the indexed articles matching every term, those with a term in the title),
    in one pass over the search table. For queries the trigram index cannot serve
    (a term under three characters): the pass is the cost, so it is made once."""
    sql, params = _matching_ids_sql(vendor, terms)
    if vendor == "sqlite":
        # "+title": an expression, not the column, so FTS5 does not take the LIKE over;
        # its trigram index would answer a pattern under three characters with no rows.
        in_title = " OR ".join("+title LIKE %s ESCAPE '\\'" for _ in terms)
        sql = sql.replace("SELECT rowid FROM", f"SELECT rowid, ({in_title}) FROM", 1)
    else:
        in_title = " OR ".join("title ILIKE %s" for _ in terms)
        sql = sql.replace("SELECT article_id FROM", f"SELECT article_id, ({in_title}) FROM", 1)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*(_like_pattern(t) for t in terms), *params])
        rows = cursor.fetchall()
    return [pk for pk, _ in rows], [pk for pk, titled in rows if titled]


def _id_list(vendor: str, ids: list[int]) -> RawSQL:
    """A subquery yielding `ids`, passed as one parameter however many there are."""
    if vendor == "sqlite":
        return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])
    return RawSQL("SELECT unnest(%s::bigint[])", [ids])


def _title_ids_sql(vendor: str, terms: list[str]) -> tuple[str, list[str]]:
    """SQL selecting the indexed articles that contain every term and at least one of
    them in the title: the first tier of the results, read from the search index.
    Terms of three characters or more only (see `_scan_once` for the others)."""
    if vendor == "sqlite":
        # One FTS5 query: every term anywhere, and any of them in the title column.
        every = " AND ".join(_fts_phrase(t) for t in terms)
        any_in_title = " OR ".join(_fts_phrase(t) for t in terms)
        return f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [
            f"{every} AND {{title}} : ({any_in_title})"
        ]
    sql, params = _matching_ids_sql(vendor, terms)
    in_title = " OR ".join("title ILIKE %s" for _ in terms)
    return f"{sql} AND ({in_title})", [*params, *(_like_pattern(t) for t in terms)]


def search_articles(query: str, *, using: str = DEFAULT_DB_ALIAS):
    """Published articles matching every term of `query`: title matches first, then newest.

    Each result carries `title_hits` (how many terms its title contains) and
    `title_match` (at least one). An empty query gives an empty queryset.
    """
    _, terms = parse_query(query)
    if not terms:
        return Article.objects.using(using).none()
    sql, params = _matching_ids_sql(connections[using].vendor, terms)
    # Title hits are computed on the article row itself, only for rows the index
    # already matched, so they cost no scan.
    title_hits = _title_hits(terms)
    return (
        Article.objects.using(using)
        .published()
        .filter(pk__in=RawSQL(sql, params))
        .annotate(title_hits=title_hits)
        .annotate(
            title_match=Case(
                When(title_hits__gt=0, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-title_hits", "-published_at", "-id")
    )


# At most this many results are counted and can be paged through. Counting every
# match of a common word costs a pass over thousands of rows at 100,000 articles;
# nobody reads past page 50 of a search.
MAX_RESULTS = 1000


class SearchResults:
    """The matches of a query in `search_articles()` order, read tier by tier.

    `search_articles()` sorts every match by title hits before it can return the
    first twenty, a sort over thousands of rows for a common word. Here the title
    matches come from the search index itself (an FTS5 column filter on SQLite)
    and the other matches are the rest, so each tier is a query of its own that
    sorts only its rows (by date; the title tier by hit count first when there are
    several terms). Counting stops at MAX_RESULTS. It is what the `Paginator`
    needs: `count()` and slicing.
    """

    def __init__(self, query: str, *, using: str = DEFAULT_DB_ALIAS, listing: bool = True):
        _, self.terms = parse_query(query)
        self.capped = False
        self._count = None
        if not self.terms:
            self._tiers = []
            return
        vendor = connections[using].vendor
        public = Article.objects.using(using).published()
        self._rows = public.for_listing() if listing else public
        if all(len(t) >= TRIGRAM for t in self.terms):
            # The index finds both tiers: each query reads only its own matches.
            in_title = RawSQL(*_title_ids_sql(vendor, self.terms))
            matching = RawSQL(*_matching_ids_sql(vendor, self.terms))
        else:
            every, titled_ids = _scan_once(vendor, self.terms, using)
            in_title, matching = _id_list(vendor, titled_ids), _id_list(vendor, every)
        titled = public.filter(pk__in=in_title)
        if len(self.terms) > 1:
            titled = titled.annotate(title_hits=_title_hits(self.terms)).order_by(
                "-title_hits", "-published_at", "-id"
            )
        else:
            titled = titled.order_by("-published_at", "-id")
        others = (
            public.filter(pk__in=matching).exclude(pk__in=in_title).order_by("-published_at", "-id")
        )
        # (ids of the tier in order, its size once counted, whether its titles match)
        self._tiers = [(titled.values_list("pk", flat=True), None, True)]
        self._tiers.append((others.values_list("pk", flat=True), None, False))

    def count(self) -> int:
        if self._count is None:
            total, tiers = 0, []
            for ids, _, in_title in self._tiers:
                room = MAX_RESULTS - total
                size = ids.order_by()[: room + 1].count() if room > 0 else 0
                self.capped = self.capped or size > room
                size = min(size, max(room, 0))
                tiers.append((ids, size, in_title))
                total += size
            self._tiers, self._count = tiers, total
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("SearchResults supports plain slices only")
        start, stop = index.start or 0, min(index.stop or MAX_RESULTS, self.count())
        order, in_title, offset = [], set(), 0
        for ids, size, titled in self._tiers:
            lo, hi = max(start - offset, 0), min(stop - offset, size)
            if lo < hi:
                # Sorting ids and dates is cheap; whole rows (with their bodies) are
                # fetched for the page only.
                page = list(ids[lo:hi])
                order += page
                if titled:
                    in_title.update(page)
            offset += size
        if not order:
            return []
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


def _title_hits(terms):
    """How many of the terms the title contains, as an SQL expression."""
    return functools.reduce(
        operator.add,
        [Case(When(title__icontains=t, then=Value(1)), default=Value(0)) for t in terms],
    )


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
    """Rows (id, title, body, tags, source, stocks) for the given articles that exist.

    Only `values()` queries on the models passed in, so migration 0003 can call
    it with historical models; three queries whatever the number of articles.
    """
    articles = list(
        article_model._base_manager.using(alias)
        .filter(pk__in=article_ids)
        .values_list("pk", "title", "body_html", "summary", "source_name")
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
            title,
            "\n".join(part for part in (plain_text(body_html), summary.strip()) if part),
            "\n".join(tags.get(pk, [])),
            source_name,
            "\n".join(stocks.get(pk, [])),
        )
        for pk, title, body_html, summary, source_name in articles
    ]


def _id_column(vendor: str) -> str:
    return "rowid" if vendor == "sqlite" else "article_id"


def _write(alias, article_ids, models=None, *, replace=True) -> int:
    """Write the index rows of `article_ids`, replacing theirs (deleted articles lose theirs)."""
    connection = connections[alias]
    models = models or (Article, TaggedItem, ArticleStock)
    id_column = _id_column(connection.vendor)
    insert = (
        f"INSERT INTO {TABLE} ({id_column}, {', '.join(COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * (len(COLUMNS) + 1))})"
    )
    written = 0
    ids = sorted({int(pk) for pk in article_ids if pk is not None})
    # One transaction (no savepoint when the caller already has one): a reader never
    # sees an article between its delete and its insert, and a failure undoes both.
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            rows = _index_rows(chunk, alias, *models)
            if replace:
                placeholders = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {TABLE} WHERE {id_column} IN ({placeholders})", chunk)
            if rows:
                cursor.executemany(insert, rows)
            written += len(rows)
    return written


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
        return {
            **context,
            "search_query": self.query,
            "search_terms": self.terms,
            "result_count": page.paginator.count if page is not None else 0,
            "results_capped": page is not None and page.paginator.object_list.capped,
            "page_heading": f"搜索：{self.query}" if self.query else "搜索",
        }
