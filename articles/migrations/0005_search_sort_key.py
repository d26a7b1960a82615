"""Search rows ordered by a sort key (newest first), and a bigram index for two-character
words; see articles/search.py (ID_BITS, bigrams).

SQLite: the FTS5 rowid becomes the sort key instead of the article id, a plain
table maps each article to its key, and a contentless FTS5 table holds the bigrams.
PostgreSQL: a `sort_key` column with a B-tree index and a `grams` tsvector column
with a GIN index. The rows are emptied here and written again by the search app's
post_migrate handler (search.index.fill_after_migrate) at the end of the same
`migrate`: a migration is frozen history and must not call live code.
"""

from django.db import migrations

TABLE = "articles_article_search"
KEY_TABLE = "articles_article_search_key"
BIGRAM_TABLE = "articles_article_search_bigram"
COLUMNS = "title, body, tags, source, stocks"

FORWARD = {
    "sqlite": [
        f"DELETE FROM {TABLE}",
        f"CREATE TABLE {KEY_TABLE} ("
        "article_id integer PRIMARY KEY, sort_key integer NOT NULL UNIQUE)",
        # Contentless (the text is in the trigram table) and detail=column (no
        # positions: a two-character term is a single token): small on disk.
        f"CREATE VIRTUAL TABLE {BIGRAM_TABLE} USING fts5(title, other, content='', "
        "detail='column', tokenize='unicode61 remove_diacritics 0')",
    ],
    "postgresql": [
        f"ALTER TABLE {TABLE} ADD COLUMN sort_key bigint NOT NULL DEFAULT 0",
        f"ALTER TABLE {TABLE} ADD COLUMN grams tsvector NOT NULL DEFAULT ''",
        # Lowercased once when written, so that searches use LIKE (a third of
        # ILIKE's cost per row). Dropping the column drops its trigram index.
        f"ALTER TABLE {TABLE} DROP COLUMN document",
        f"""ALTER TABLE {TABLE} ADD COLUMN document text GENERATED ALWAYS AS (lower(
            title || E'\\n' || body || E'\\n' || tags || E'\\n' || source || E'\\n' || stocks
        )) STORED""",
    ],
}

# fastupdate off, as in migration 0003.
INDEXES = {
    "postgresql": [
        f"CREATE INDEX {TABLE}_sort_key ON {TABLE} (sort_key)",
        f"CREATE INDEX {TABLE}_document_trgm ON {TABLE} "
        "USING gin (document gin_trgm_ops) WITH (fastupdate = off)",
        f"CREATE INDEX {TABLE}_title_trgm ON {TABLE} "
        "USING gin (lower(title) gin_trgm_ops) WITH (fastupdate = off)",
        f"CREATE INDEX {TABLE}_grams ON {TABLE} USING gin (grams) WITH (fastupdate = off)",
        f"ANALYZE {TABLE}",
    ],
}

# Back to 0003's layout: on SQLite the rowid is the article id again.
BACKWARD = {
    "sqlite": [
        f"CREATE TEMP TABLE search_rows AS SELECT k.article_id AS id, {COLUMNS} "
        f"FROM {TABLE} JOIN {KEY_TABLE} k ON k.sort_key = {TABLE}.rowid",
        f"DELETE FROM {TABLE}",
        f"INSERT INTO {TABLE} (rowid, {COLUMNS}) SELECT id, {COLUMNS} FROM search_rows",
        "DROP TABLE search_rows",
        f"DROP TABLE {KEY_TABLE}",
        f"DROP TABLE IF EXISTS {BIGRAM_TABLE}",
    ],
    "postgresql": [
        f"DROP INDEX IF EXISTS {TABLE}_sort_key",
        f"DROP INDEX IF EXISTS {TABLE}_title_trgm",
        f"ALTER TABLE {TABLE} DROP COLUMN sort_key",
        f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS grams",
        f"ALTER TABLE {TABLE} DROP COLUMN document",
        f"""ALTER TABLE {TABLE} ADD COLUMN document text GENERATED ALWAYS AS (
            title || E'\\n' || body || E'\\n' || tags || E'\\n' || source || E'\\n' || stocks
        ) STORED""",
        f"CREATE INDEX {TABLE}_document_trgm ON {TABLE} "
        "USING gin (document gin_trgm_ops) WITH (fastupdate = off)",
    ],
}


def forward(apps, schema_editor):
    connection = schema_editor.connection
    for sql in FORWARD.get(connection.vendor, []) + INDEXES.get(connection.vendor, []):
        schema_editor.execute(sql)
    if connection.vendor == "postgresql":
        # The re-keyed rows are written by search.index.fill_after_migrate.
        schema_editor.execute(f"DELETE FROM {TABLE}")


def backward(apps, schema_editor):
    for sql in BACKWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_editor_workflow")]

    operations = [migrations.RunPython(forward, backward)]
