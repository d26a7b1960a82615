"""Writing the search table: one row per article, kept current inside the writer's
transaction (search/signals.py calls `update_index`), rebuilt on demand
(`rebuild_index`, and `fill_after_migrate` after a migration emptied it).

The table may hold drafts and scheduled articles: what the public may see is
decided when reading, by the sort key's public range (search/schema.py) and by
`Article.objects.published()`, so a scheduled article becomes findable the moment
its time comes, with no reindex. `QuerySet.update()` sends no signals; nothing in
the project uses it on articles, and `rebuild_index()` repairs anything that went
around the model.
"""

import contextlib
import threading

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from taggit.models import TaggedItem

from articles.models import Article, ArticleStock
from articles.text import html_to_text

from .schema import (
    BATCH,
    BIGRAM_TABLE,
    COLUMNS,
    KEY_TABLE,
    TABLE,
    _tsvector,
    bigrams,
    sort_key,
)

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
            "\n".join(part for part in (html_to_text(body_html), summary.strip()) if part),
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


def fill_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: index every article again when the index does not hold one row each.

    Migrations are frozen history and cannot call this module, so migration 0005,
    which re-keys the index, leaves it empty; this fills it once at the end of the
    same `migrate` (a few minutes at 100,000 articles), so an upgraded site
    searches at once. On every later `migrate` it costs two counts.
    """
    connection = connections[using]
    if not _supported(using) or TABLE not in connection.introspection.table_names():
        return
    if ("articles", "0005_search_sort_key") not in MigrationRecorder(
        connection
    ).applied_migrations():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        (rows,) = cursor.fetchone()
    if rows != Article._base_manager.using(using).count():
        rebuild_index(using=using)
