"""What the search table holds: its layout, the sort key and the bigrams.

One search table, ``articles_article_search``, holds one row per article with five
text columns: ``title``, ``body`` (body text and summary), ``tags`` (tag names),
``source`` (source name) and ``stocks`` (code, name and ``market.code`` of every
stock). It is not a Django model: its shape differs per database and only this
app reads or writes it, with raw SQL. The articles app's migrations 0003 and 0005
created it (before search was an app of its own); they are history and stay there.

- SQLite: an FTS5 virtual table with the ``trigram`` tokenizer, whose rowid is the
  row's sort key (below); ``articles_article_search_key`` maps each article to its
  key, and a contentless FTS5 table, ``articles_article_search_bigram``, holds the
  letter/digit pairs of each article for two-character words.
- PostgreSQL: a plain table with an indexed ``sort_key`` column, a generated,
  lowercased ``document`` column (the five columns joined by newlines) with a
  ``gin_trgm_ops`` index, a trigram index on ``lower(title)``, and a ``grams``
  tsvector (written as literals, see `_tsvector`) with a GIN index.

Reading is search/query.py; writing is search/index.py.
"""

import re

from django.utils import timezone

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


def is_bigram(term: str) -> bool:
    return len(term) == 2 and _RUN.fullmatch(term) is not None


# PostgreSQL's bigram tsvector is written and queried as literals (`::tsvector`,
# `::tsquery`), never through a text-search parser, whose idea of a word depends
# on the server's locale. A title's pairs are there twice: plain, like every other
# pair, and marked with TITLE_MARK. A lexeme of its own (not a weight) lets the
# planner's statistics tell how rare a word is in headlines: with a weight it
# assumed the body's frequency and walked 100,000 rows for a word no headline had.
TITLE_MARK = "~"


def _tsvector(title_grams: str, other_grams: str) -> str:
    title = title_grams.split()
    lexemes = {*title, *other_grams.split(), *(TITLE_MARK + gram for gram in title)}
    return " ".join(f"'{lexeme}'" for lexeme in lexemes)
