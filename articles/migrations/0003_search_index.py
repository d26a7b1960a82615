"""The full-text search table (see articles/search.py for the design).

Not a Django model: SQLite gets an FTS5 virtual table with the trigram tokenizer,
PostgreSQL a plain table with a pg_trgm GIN index, so the SQL differs per vendor
and is written by hand. Existing articles are indexed by migration 0005, which
gives the rows their sort keys (it calls today's indexing code, which expects
0005's layout, so this migration no longer indexes anything itself).
"""

from django.db import migrations

TABLE = "articles_article_search"

SQLITE = [
    # rowid is the article id. Trigram: any substring of 3+ characters is indexed,
    # which Chinese needs (there are no spaces between words to tokenize on).
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
    "title, body, tags, source, stocks, tokenize = 'trigram')",
]

POSTGRESQL = [
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # No foreign key to articles_article on purpose: Django's test flush TRUNCATEs
    # the tables it knows without CASCADE, and a reference from this table would
    # make that fail. Deletes are handled by the post_delete receiver.
    f"""CREATE TABLE {TABLE} (
        article_id bigint PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        tags text NOT NULL DEFAULT '',
        source text NOT NULL DEFAULT '',
        stocks text NOT NULL DEFAULT '',
        document text GENERATED ALWAYS AS (
            title || E'\\n' || body || E'\\n' || tags || E'\\n' || source || E'\\n' || stocks
        ) STORED
    )""",
    # fastupdate off: new rows go straight into the index instead of GIN's pending
    # list. Articles are written one at a time and searched constantly, and until
    # (auto)vacuum merges a pending list every search must scan it, which also makes
    # the planner fall back to a sequential scan.
    f"CREATE INDEX {TABLE}_document_trgm ON {TABLE} "
    "USING gin (document gin_trgm_ops) WITH (fastupdate = off)",
]


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(connection.vendor)
    if statements is None:
        return  # search supports SQLite and PostgreSQL only
    for sql in statements:
        schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        # pg_trgm stays: other things may use it, and dropping it needs more rights.
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_legacy_import"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
