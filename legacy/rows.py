"""The importer's cached lookups: what is imported already, and the rows posts refer to.

An import must cost a handful of queries per post, not one per file checked, tag or stock,
and its memory must not grow with the archive. So what is already imported is looked up one
window of files at a time (AlreadyImported), and categories, tags and stocks are cached for
the run, at most CACHED_ROWS of each (RowCache).
"""

from __future__ import annotations

from collections.abc import Iterable

from taggit.models import Tag

from articles.models import Article, Category, LegacyRedirect, StockReference

from .models import LegacySource
from .post import LegacyPost, StockMention

# Rows cached for a run (categories, tags, stocks), at most this many of each: an archive
# may mention thousands of stocks, and a row that dropped out costs one query to find again.
CACHED_ROWS = 1_000


class AlreadyImported:
    """What the database holds of the archive: stored hashes by path, and which stories
    have an article.

    Looked up one window of files at a time: a re-run then recognises an unchanged file, and
    a first run a new story, without a query per file, and without holding every path and
    story of the archive (they grew the run's memory with its size). Both lookups hold only
    the current window.
    """

    def __init__(self):
        self._hashes: dict[str, str | None] = {}  # stored hash by path (None: none)
        self._keys: dict[str, bool] = {}  # whether a story key has an article
        # The stored hashes, as at the start of the run, of relative paths that two of the
        # run's arguments share; any other path occurs once in a run, so its hash, looked up
        # just before its window, is also as at the start.
        self._start_hashes: dict[str, str | None] = {}

    def look_up_hashes(self, rels: list[str]) -> dict[str, str | None]:
        """Load the stored hashes of a window's files, forgetting the last window's.

        A window is legacy.importer.WINDOW_SIZE paths, well under the parameters SQLite
        allows in a query.
        """
        self._hashes = dict.fromkeys(rels)
        self._hashes.update(
            LegacySource.objects.filter(path__in=rels).values_list("path", "content_hash")
        )
        return self._hashes

    def keep_start_hashes(self, chunks: Iterable[list[str]]) -> None:
        """Load and keep, for the whole run, the stored hashes of the paths in `chunks`."""
        self._start_hashes = {}
        for chunk in chunks:
            self._start_hashes.update(self.look_up_hashes(chunk))

    def look_up_keys(self, keys: Iterable[str]) -> None:
        """Load which of a window's stories have an article, forgetting the last window's."""
        self._keys = dict.fromkeys(keys, False)
        existing = Article.objects.filter(legacy_key__in=list(self._keys))
        self._keys.update(dict.fromkeys(existing.values_list("legacy_key", flat=True), True))

    def stored_hash(self, rel: str) -> str | None:
        if rel in self._start_hashes:
            return self._start_hashes[rel]
        if rel not in self._hashes:  # a file prepared outside Importer.run()
            self.look_up_hashes([rel])
        return self._hashes[rel]

    def story_exists(self, key: str) -> bool:
        if key not in self._keys:  # a story not looked up with its window
            self.look_up_keys([key])
        return self._keys[key]

    def mark_written(self, key: str) -> None:
        self._keys[key] = True


class RowCache:
    """Categories, tags and stocks of a run, found or created once and then remembered.

    A dry run remembers nothing, as its rows are rolled back; after any rollback the caller
    must `forget()`, since rows cached during it may not exist any more.
    """

    def __init__(self, *, dry_run: bool = False):
        self.dry_run = dry_run
        self._categories: dict[str, Category] = {}
        self._aliased: dict[str, bool] = {}  # legacy category spellings with a redirect
        self._tags: dict[str, Tag] = {}
        self._stock_cache: dict[tuple[int, str], StockReference] = {}

    def forget(self) -> None:
        self._categories.clear()
        self._aliased.clear()
        self._tags.clear()
        self._stock_cache.clear()

    def category(self, post: LegacyPost) -> Category:
        """The post's category, created under its legacy name if new, with its old URL."""
        category = self._categories.get(post.category_slug)
        if category is None:
            category, _ = Category.objects.get_or_create(
                slug=post.category_slug, defaults={"name": post.category_name[:100]}
            )
            if not self.dry_run:
                _remember(self._categories, post.category_slug, category)
        if post.category_legacy_slug not in self._aliased:
            # Every legacy spelling (TechWeb, Techweb …) keeps its old category URL.
            LegacyRedirect.objects.get_or_create(
                path=f"/category/{post.category_legacy_slug}.html", defaults={"category": category}
            )
            if not self.dry_run:
                _remember(self._aliased, post.category_legacy_slug, True)
        return category

    def tags(self, names: list[str]) -> list[Tag]:
        tags = []
        for name in names:
            tag = self._tags.get(name.lower())
            if tag is None:
                # Case-insensitive, as taggit is configured (TAGGIT_CASE_INSENSITIVE).
                tag = Tag.objects.filter(name__iexact=name).first()
                if tag is None:
                    tag = Tag.objects.create(name=name)
                if not self.dry_run:
                    _remember(self._tags, name.lower(), tag)
            tags.append(tag)
        return tags

    def stocks(self, mentions: list[StockMention]) -> list[StockReference]:
        stocks = []
        for mention in mentions:
            key = (mention.market, mention.code)
            stock = self._stock_cache.get(key)
            if stock is None:
                stock, _ = StockReference.objects.get_or_create(
                    market=mention.market, code=mention.code
                )
                if not self.dry_run:
                    _remember(self._stock_cache, key, stock)
            if mention.name and not stock.name:
                # The first name seen in a link names the stock; editors may change it.
                stock.name = mention.name[:100]
                stock.save(update_fields=["name"])
            stocks.append(stock)
        return stocks


def _remember(cache: dict, key, value) -> None:
    """cache[key] = value, dropping the oldest entry when the cache is full (CACHED_ROWS)."""
    if len(cache) >= CACHED_ROWS and key not in cache:
        del cache[next(iter(cache))]
    cache[key] = value
