"""Bring legacy Jekyll posts into the database, idempotently, with a report.

`legacy.parser` knows the file format; this module knows the database. Each
file is applied in its own transaction, so a run killed part-way leaves only
whole articles behind, and the next run finishes the job.

A story may arrive as several files that share one story id: a source post, a
rolling-news copy, a corrected re-post. Every file is kept as a `LegacySource`
row, and the article is always *recomposed from those rows* by fixed rules:
the latest source post (by path) supplies title, body and category; the latest
rolling-news copy supplies the summary. So the result depends on which files
were imported, never on the order they came in. A file that fails has no article
to attach to: its bytes are kept as a `LegacyRejectedFile` row until it imports.
Files that are not posts at all (a README, an index page) are reported as skipped.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import heapq
import html
import io
import itertools
import logging
import re
import tempfile
import time
import urllib.request
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, UnidentifiedImageError
from taggit.models import Tag, TaggedItem

from articles import services
from articles.models import (
    Article,
    ArticleStock,
    Category,
    LegacyRedirect,
    Revision,
    StockReference,
)
from articles.text import slug_from_title
from search import index as search

from .files import iter_post_paths
from .models import ImportRun, LegacyImage, LegacyRejectedFile, LegacySource
from .parser import LegacyPost, LegacyPostError, NotAPostError, parse_post

log = logging.getLogger(__name__)

_IMG_SRC = re.compile(r'<img[^>]+src="([^"]+)"')
OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")
# Outcomes that say all there is to say about a file when they come without a reason or
# warnings; failed and skipped files always carry a reason.
_PLAIN_OUTCOMES = ("created", "updated", "unchanged")
IMPORTED_SLUG_TITLE_LENGTH = 60
BATCH_SIZE = 50
BATCH_SECONDS = 0.5
# Files read and parsed ahead of the writes. The files of one story (a source post
# and its rolling copy) sit close together in path order; inside one window they
# are written together as one new article instead of an insert and then an update.
WINDOW_SIZE = 400
# Refresh the planner's statistics after a run that wrote at least this many articles.
ANALYZE_AFTER = 500
# Rows cached for a run (categories, tags, stocks), at most this many of each: an archive
# may mention thousands of stocks, and a row that dropped out costs one query to find again.
CACHED_ROWS = 1_000


@dataclass
class FileResult:
    path: str
    outcome: str
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


class ImportReport:
    """What a run did, file by file; the command prints it, tests assert on it.

    Memory must not grow with the archive, so only the counts and the files worth reporting
    (failed, skipped, or with warnings) are held. The rest, a path and an outcome each, go to
    an anonymous temporary file, read back only when `results` is asked for: a FileResult per
    file held 2 MB at 10,000 files, and the tracked objects made garbage collection rarer.
    """

    def __init__(self, *, dry_run: bool = False):
        self.dry_run = dry_run
        self.elapsed = 0.0
        self._counts = dict.fromkeys(OUTCOMES, 0)
        self._size = 0
        self._notable: list[tuple[int, FileResult]] = []  # (position in the run, result)
        self._spool = None

    def add(self, result: FileResult) -> None:
        self._counts[result.outcome] = self._counts.get(result.outcome, 0) + 1
        if (
            result.outcome in _PLAIN_OUTCOMES
            and not result.reason
            and not result.warnings
            and "\0" not in result.path
        ):
            if self._spool is None:
                # Closed (and so gone) with the report; Linux unlinks it at once.
                try:
                    self._spool = tempfile.TemporaryFile()  # noqa: SIM115
                except OSError:
                    # No writable temporary directory: keep the records in memory, compactly.
                    self._spool = io.BytesIO()
                weakref.finalize(self, self._spool.close)
            code = _PLAIN_OUTCOMES.index(result.outcome)
            # One record per file: the outcome's index as a digit, the path, NUL.
            self._spool.write(b"%d%s\0" % (code, result.path.encode(errors="surrogatepass")))
        else:
            self._notable.append((self._size, result))
        self._size += 1

    @property
    def results(self) -> list[FileResult]:
        """Every file's result, in the order they were added."""
        plain = []
        if self._spool is not None:
            self._spool.seek(0)
            plain = self._spool.read().split(b"\0")[:-1]
            self._spool.seek(0, io.SEEK_END)
        notable = dict(self._notable)
        plain_results = (
            FileResult(record[1:].decode(errors="surrogatepass"), _PLAIN_OUTCOMES[int(record[:1])])
            for record in plain
        )
        return [notable[i] if i in notable else next(plain_results) for i in range(self._size)]

    def count(self, outcome: str) -> int:
        return self._counts.get(outcome, 0)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in OUTCOMES}

    def with_outcome(self, outcome: str) -> list[FileResult]:
        results = self.results if outcome in _PLAIN_OUTCOMES else self._notable_results()
        return [r for r in results if r.outcome == outcome]

    @property
    def warnings(self) -> list[tuple[str, str]]:
        return [(r.path, w) for r in self._notable_results() for w in r.warnings]

    @property
    def rate(self) -> float:
        return self._size / self.elapsed if self.elapsed else 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.count("failed") else 0

    def _notable_results(self) -> list[FileResult]:
        return [result for _, result in self._notable]


class ImageFetcher:
    """Download remote images once, validated with Pillow, with a timeout and a size cap."""

    FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}

    def __init__(self, timeout: float = 10.0, max_bytes: int = 10 * 1024 * 1024):
        self.timeout = timeout
        self.max_bytes = max_bytes

    def fetch(self, url: str) -> None:
        """Store `url` as a LegacyImage unless it already is; raise ValueError with a reason."""
        if LegacyImage.objects.filter(url=url).exists():
            return
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"不支持的图片地址：{url}")
        request = urllib.request.Request(url, headers={"User-Agent": "newsroom-importer/1.0"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = response.read(self.max_bytes + 1)
        except OSError as exc:
            raise ValueError(f"图片下载失败 {url}：{exc}") from exc
        if len(data) > self.max_bytes:
            raise ValueError(f"图片超过 {self.max_bytes // (1024 * 1024)} MB：{url}")
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                ext = self.FORMATS.get(image.format or "")
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
            raise ValueError(f"不是有效的图片：{url}") from exc
        if not ext:
            raise ValueError(f"不支持的图片格式：{url}")
        digest = hashlib.sha256(data).hexdigest()
        record = LegacyImage(url=url)
        record.file.save(f"{digest[:2]}/{digest}.{ext}", ContentFile(data), save=False)
        record.save()


def _shared_rels(paths: list) -> set[str]:
    """Relative paths that two of the arguments hold, as two copies of a folder do: usually
    none. (A file reached through two arguments may add its path too, which is harmless.)
    Each argument's files come sorted by relative path, so merging them finds the repeats
    without listing the files.
    """
    if len(paths) < 2:
        return set()
    shared, last = set(), None
    streams = [iter_post_paths([arg]) for arg in paths]
    for path, rel in heapq.merge(*streams, key=lambda item: item[1]):
        if last is not None and rel == last[1] and path != last[0]:
            shared.add(rel)
        last = (path, rel)
    return shared


def _content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fingerprint(values: dict) -> str:
    """A digest of everything the importer writes, to notice later edits by editors."""
    parts = [f"{key}={values[key]}" for key in sorted(values)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _current_values(article: Article) -> dict:
    return {
        "title": article.title,
        "slug": article.slug,
        "body_source": article.body_source,
        "summary": article.summary,
        "category": article.category_id,
        "status": article.status,
        "published_at": article.published_at.timestamp(),
        "source_name": article.source_name,
        "original_url": article.original_url,
        "tags": ",".join(sorted(name.lower() for name in article.tags.names())),
        "stocks": ",".join(s.symbol for s in article.ordered_stocks()),
    }


class Importer:
    def __init__(
        self,
        *,
        encoding: str = "utf-8",
        dry_run: bool = False,
        overwrite_edited: bool = False,
        fetch_images: bool = False,
        image_fetcher: ImageFetcher | None = None,
    ):
        self.encoding = encoding
        self.dry_run = dry_run
        self.overwrite_edited = overwrite_edited
        self.fetcher = (image_fetcher or ImageFetcher()) if fetch_images else None
        self._categories: dict[str, Category] = {}
        self._aliased: dict[str, bool] = {}
        # Rows every post refers to again and again; cached for the run so that a
        # post costs a handful of queries, not one per tag and stock. At most CACHED_ROWS
        # each (see _remember).
        self._tags: dict[str, Tag] = {}
        self._stock_cache: dict[tuple[int, str], StockReference] = {}
        # What is already imported, looked up one window of files at a time: a re-run then
        # recognises an unchanged file, and a first run a new story, without a query per
        # file, and without holding every path and story of the archive (they grew the
        # run's memory with its size). Stored hashes by path (None: none), and whether an
        # article exists by story key; both only ever for the current window.
        self._hashes: dict[str, str | None] = {}
        self._keys: dict[str, bool] = {}
        # The stored hashes, as at the start of the run, of relative paths that two of the
        # run's arguments share; any other path occurs once in a run, so its hash, looked up
        # just before its window, is also as at the start.
        self._start_hashes: dict[str, str | None] = {}
        # The files of the current window that failed, as read: path -> (reason, bytes,
        # hash), kept as LegacyRejectedFile rows at the end of the window (_settle_rejected).
        self._rejected: dict[str, tuple[str, bytes, str]] = {}
        # New stories waiting for the end of the batch (None: insert each at once).
        self._pending: list | None = None
        self._flushed: list[FileResult] = []

    # -- one file -----------------------------------------------------------------

    def _look_up_hashes(self, rels: list[str]) -> None:
        """Load the stored hashes of a window's files, forgetting the last window's.

        A window is WINDOW_SIZE paths, well under the parameters SQLite allows in a query.
        """
        self._hashes = dict.fromkeys(rels)
        self._hashes.update(
            LegacySource.objects.filter(path__in=rels).values_list("path", "content_hash")
        )

    def _look_up_keys(self, keys: Iterable[str]) -> None:
        """Load which of a window's stories have an article, forgetting the last window's."""
        self._keys = dict.fromkeys(keys, False)
        existing = Article.objects.filter(legacy_key__in=list(self._keys))
        self._keys.update(dict.fromkeys(existing.values_list("legacy_key", flat=True), True))

    def _stored_hash(self, rel: str) -> str | None:
        if rel in self._start_hashes:
            return self._start_hashes[rel]
        if rel not in self._hashes:  # a file prepared outside run()
            self._look_up_hashes([rel])
        return self._hashes[rel]

    def _story_exists(self, key: str) -> bool:
        if key not in self._keys:  # a file written outside run()
            self._look_up_keys([key])
        return self._keys[key]

    def import_file(self, path: str | Path, rel: str) -> FileResult | None:
        """Import one file: read and parse it, then write it (or queue a new story)."""
        prepared = self.prepare_file(path, rel)
        result = prepared if isinstance(prepared, FileResult) else self.write_post(*prepared)
        if result is not None:
            self._settle_rejected([rel], {rel} if result.outcome == "failed" else set())
        return result

    def prepare_file(self, path: str | Path, rel: str):
        """Read, check and parse one file, touching no table: (post, digest, warnings),
        or the FileResult of a file that needs no write (unchanged, unreadable, bad)."""
        try:
            # What Path.read_bytes() does; run() passes plain strings (see iter_post_paths).
            with open(path, "rb") as file:
                data = file.read()
        except OSError as exc:
            return FileResult(rel, "failed", f"无法读取文件：{exc.strerror or exc}")
        digest = _content_hash(data)
        # The hash check is the fast path of a re-run. Overwriting edits or fetching
        # images must look at already imported files again, so they skip it.
        rescan = self.overwrite_edited or self.fetcher is not None
        if not rescan and self._stored_hash(rel) == digest:
            return FileResult(rel, "unchanged")
        try:
            post = parse_post(data, rel, encoding=self.encoding, stock_url=_stock_url)
        except NotAPostError as exc:
            # A README, an index page or notes beside the posts: reported, never a failure.
            return FileResult(rel, "skipped", str(exc))
        except LegacyPostError as exc:
            self._rejected[rel] = (str(exc), data, digest)
            return FileResult(rel, "failed", str(exc))
        warnings = list(post.warnings)
        if self.fetcher and not self.dry_run:
            for url in post.image_urls:
                try:
                    self.fetcher.fetch(url)
                except ValueError as exc:
                    warnings.append(str(exc))
        return post, digest, warnings

    def write_post(self, post: LegacyPost, digest: str, warnings: list[str]) -> FileResult | None:
        """Write a parsed post; a new story waits for the end of the batch (None)."""
        if self._pending is not None and self._is_new_story(post):
            # Most posts of a first import are new stories: they are inserted together
            # at the end of the batch (see _flush_new), not one by one.
            self._pending.append((post, digest, warnings))
            return None
        self._flush_new()
        return self._apply_one(post, digest, warnings)

    def _is_new_story(self, post: LegacyPost) -> bool:
        return not self._story_exists(post.legacy_key)

    def _apply_one(self, post: LegacyPost, digest: str, warnings: list[str]) -> FileResult:
        rel = post.path
        try:
            with transaction.atomic():
                result = self._apply(post, digest)
        except (LegacyPostError, DatabaseError, ValidationError) as exc:
            # The transaction rolled back: the article is as it was. Objects cached
            # during it may not exist, so forget them, report the file and go on.
            log.exception("import of %s failed", rel)
            self._forget_cached_rows()
            detail = "；".join(exc.messages) if isinstance(exc, ValidationError) else exc
            reason = f"写入数据库失败：{detail}".splitlines()[0]
            # The bytes were not kept past parsing; the decoded text is the file's content
            # (less a BOM or NUL bytes the parser dropped).
            text = post.source_text.encode(self.encoding, errors="replace")
            self._rejected[rel] = (reason, text, digest)
            return FileResult(rel, "failed", reason)
        self._keys[post.legacy_key] = True
        result.warnings = warnings + result.warnings
        return result

    def _insert_links(self, rows) -> None:
        """Tag and stock links of new articles, [(article, tags, stocks)], in two statements.

        New articles have nothing to diff against, so taggit's add() and set_stocks()
        would only cost queries; the search index is written once per batch anyway
        (deferred_indexing), so no signal is missed.
        """
        article_type = ContentType.objects.get_for_model(Article)  # cached by Django
        TaggedItem.objects.bulk_create(
            TaggedItem(tag=tag, content_type=article_type, object_id=article.pk)
            for article, tags, _ in rows
            for tag in dict.fromkeys(tags)
        )
        ArticleStock.objects.bulk_create(
            ArticleStock(article=article, stock=stock, position=position)
            for article, _, stocks in rows
            for position, stock in enumerate(stocks)
        )

    def _settle_rejected(self, rels: list[str], failed: set[str]) -> None:
        """Keep the bytes of the files of `rels` that failed; drop the rows of the others.

        A failed file has no article for a LegacySource, so its text goes to
        LegacyRejectedFile (refreshed on every failure); once a file imports, is unchanged
        or is no post after all, its old row goes. One statement each, per window.
        """
        rejected, self._rejected = self._rejected, {}
        if self.dry_run:
            return
        if rejected:
            LegacyRejectedFile.objects.bulk_create(
                [
                    LegacyRejectedFile(path=rel, reason=reason, data=data, content_hash=digest)
                    for rel, (reason, data, digest) in rejected.items()
                ],
                update_conflicts=True,
                unique_fields=["path"],
                update_fields=["reason", "data", "content_hash", "rejected_at"],
            )
        settled = [rel for rel in rels if rel not in failed]
        if settled:
            LegacyRejectedFile.objects.filter(path__in=settled).delete()

    def _take_flushed(self) -> list[FileResult]:
        flushed, self._flushed = self._flushed, []
        return flushed

    def _forget_cached_rows(self) -> None:
        # After a rollback, rows cached during it may not exist any more.
        self._categories.clear()
        self._aliased.clear()
        self._tags.clear()
        self._stock_cache.clear()

    def _flush_new(self) -> list[FileResult]:
        """Insert the pending new stories in one go; on any database error, one by one.

        The bulk statements run in a savepoint, so a failure leaves nothing behind and
        each post then goes through the ordinary path, which reports its own failure.
        """
        pending, self._pending = self._pending or [], [] if self._pending is not None else None
        if not pending:
            return []
        try:
            with transaction.atomic():
                results = self._insert_new(pending)
        except (LegacyPostError, DatabaseError, ValidationError):
            log.exception("bulk insert of %d new stories failed; retrying one by one", len(pending))
            self._forget_cached_rows()
            results = [
                self._apply_one(post, digest, warnings) for post, digest, warnings in pending
            ]
        self._flushed.extend(results)
        return results

    def _insert_new(self, pending) -> list[FileResult]:
        """Insert new stories; the files of one story (a source post and its rolling copy,
        a corrected re-post) become one article, exactly as if imported one by one."""
        groups: dict[str, list] = {}
        for entry in pending:
            groups.setdefault(entry[0].legacy_key, []).append(entry)
        articles, extras, outcomes = [], [], {}
        redirects: dict[str, Article] = {}
        for entries in groups.values():
            posts = {entry[0].path: entry[0] for entry in entries}
            article = Article(legacy_key=entries[0][0].legacy_key)
            shown_slugs = []
            # Walk the files in path order, as a one-by-one import would: the rows that
            # each intermediate state creates (categories, tags, stocks) and the slugs it
            # showed (which then redirect) come out the same.
            for count in range(1, len(entries) + 1):
                seen = {e[0].path: e[0].kind for e in entries[:count]}
                primary_path, rolling_path = _winner_paths(seen)
                primary, rolling = posts[primary_path], posts.get(rolling_path or "")
                values = self._compose(article, primary, rolling)
                tags, stocks = self._tag_objects(primary.tags), self._stocks(primary, rolling)
                shown_slugs.append(article.slug)
                post = entries[count - 1][0]
                if count == 1:
                    outcomes[post.path] = "created"
                elif post in (primary, rolling):
                    outcomes[post.path] = "updated"
                else:
                    outcomes[post.path] = "skipped"
            article.import_fingerprint = _fingerprint(values)
            articles.append(article)
            extras.append((tags, stocks))
            for post in posts.values():
                for path in post.legacy_urls:
                    redirects[path] = article
            for slug in dict.fromkeys(shown_slugs[:-1]):
                if slug != article.slug:
                    redirects[reverse("articles:detail", kwargs={"slug": slug})] = article
        Article.objects.create_many(articles, revision_kind=Revision.Kind.IMPORT, links=extras)
        self._insert_links(
            [
                (article, tags, stocks)
                for article, (tags, stocks) in zip(articles, extras, strict=True)
            ]
        )
        by_key = {article.legacy_key: article for article in articles}
        LegacySource.objects.bulk_create(
            LegacySource(
                path=post.path,
                article=by_key[post.legacy_key],
                kind=post.kind,
                content_hash=digest,
                source_text=post.source_text,
            )
            for post, digest, _ in pending
        )
        _upsert_redirects(redirects)
        results = []
        for post, _digest, warnings in pending:
            self._keys[post.legacy_key] = True
            reason = "同一稿件已有路径更靠后的同类文件，以后者为准"
            outcome = outcomes[post.path]
            results.append(
                FileResult(
                    post.path,
                    outcome,
                    reason if outcome == "skipped" else "",
                    warnings=list(warnings),
                )
            )
        return results

    def _apply(self, post: LegacyPost, digest: str) -> FileResult:
        article = (
            Article.objects.filter(legacy_key=post.legacy_key).first()
            if self._story_exists(post.legacy_key)
            else None
        )
        created = article is None
        before = None
        if created:
            article = Article(legacy_key=post.legacy_key)
            primary, rolling = post, None
        else:
            before = _current_values(article)
            edited = (
                article.import_fingerprint and _fingerprint(before) != article.import_fingerprint
            )
            if edited and not self.overwrite_edited:
                return FileResult(
                    post.path, "skipped", "编辑在后台修改过这篇文章（可用 --overwrite-edited 覆盖）"
                )
            primary, rolling = self._winners(article, post)

        old_slug = article.slug
        values = self._compose(article, primary, rolling)
        if values != before:
            article.import_fingerprint = _fingerprint(values)
            tags = self._tag_objects(primary.tags)
            stocks = self._stocks(primary, rolling)
            # The revision history shows this version came from the archive, not an editor.
            services.article_save(
                article=article, tags=tags, stocks=stocks, kind=Revision.Kind.IMPORT
            )
        # Every file is kept, whether or not it is the one the article shows now.
        source = {"kind": post.kind, "content_hash": digest, "source_text": post.source_text}
        if created:
            LegacySource.objects.create(path=post.path, article=article, **source)
        else:
            LegacySource.objects.update_or_create(
                path=post.path, defaults={"article": article, **source}
            )
        self._redirects(article, post, old_slug)
        if created:
            return FileResult(post.path, "created")
        if post is not primary and post is not rolling:
            return FileResult(post.path, "skipped", "同一稿件已有路径更靠后的同类文件，以后者为准")
        return FileResult(post.path, "unchanged" if values == before else "updated")

    # -- composing an article from its files -----------------------------------------

    def _winners(
        self, article: Article, current: LegacyPost
    ) -> tuple[LegacyPost, LegacyPost | None]:
        """The latest source post (or else the latest file) and the latest rolling copy."""
        rows = {
            row.path: row
            for row in LegacySource.objects.filter(article=article).exclude(path=current.path)
        }
        kinds = {path: row.kind for path, row in rows.items()}
        kinds[current.path] = current.kind

        def load(path: str) -> LegacyPost:
            if path == current.path:
                return current
            return parse_post(rows[path].source_text.encode(), path, stock_url=_stock_url)

        primary_path, rolling_path = _winner_paths(kinds)
        primary = load(primary_path)
        rolling = load(rolling_path) if rolling_path and rolling_path != primary_path else None
        return primary, rolling

    def _compose(self, article: Article, primary: LegacyPost, rolling: LegacyPost | None) -> dict:
        digest = (rolling.digest if rolling else "") or primary.digest
        story = primary.story_id or hashlib.sha1(primary.legacy_key.encode()).hexdigest()[:10]
        title_slug = slug_from_title(primary.title)[:IMPORTED_SLUG_TITLE_LENGTH].rstrip("-")
        article.title = primary.title
        # The story id makes imported slugs unique by construction and independent of
        # the order in which same-titled stories were imported.
        article.slug = f"{title_slug}-{story}"
        article.body_source = _local_images(primary.body_html)
        article.summary = digest
        article.category = self._category(primary)
        article.status = Article.Status.PUBLISHED
        article.published_at = primary.published_at
        article.source_name = primary.source_name or (rolling.source_name if rolling else "")
        article.original_url = primary.original_url or (rolling.original_url if rolling else "")
        return {
            "title": article.title.strip(),
            "slug": article.slug,
            "body_source": article.body_source,
            "summary": article.summary,
            "category": article.category.pk,
            "status": article.status,
            "published_at": article.published_at.timestamp(),
            "source_name": article.source_name,
            "original_url": article.original_url,
            "tags": ",".join(sorted({t.lower() for t in primary.tags})),
            "stocks": ",".join(f"{m.market}.{m.code}" for m in self._mentions(primary, rolling)),
        }

    def _category(self, post: LegacyPost) -> Category:
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

    @staticmethod
    def _mentions(primary: LegacyPost, rolling: LegacyPost | None):
        seen, result = set(), []
        for mention in [*primary.stocks, *(rolling.stocks if rolling else [])]:
            key = (mention.market, mention.code)
            if key not in seen and mention.market in StockReference.MARKETS:
                seen.add(key)
                result.append(mention)
        return result

    def _tag_objects(self, names: list[str]) -> list[Tag]:
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

    def _stocks(self, primary: LegacyPost, rolling: LegacyPost | None) -> list[StockReference]:
        stocks = []
        for mention in self._mentions(primary, rolling):
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

    @staticmethod
    def _redirects(article: Article, post: LegacyPost, old_slug: str) -> None:
        paths = list(post.legacy_urls)
        if old_slug and old_slug != article.slug:
            paths.append(reverse("articles:detail", kwargs={"slug": old_slug}))
        _upsert_redirects(dict.fromkeys(paths, article))

    # -- a whole run ----------------------------------------------------------------

    def run(
        self,
        paths: Iterable[str | Path],
        progress: Callable[[int, int, FileResult], None] | None = None,
    ) -> ImportReport:
        report = ImportReport(dry_run=self.dry_run)
        started = time.monotonic()
        paths = list(paths)
        files = iter_post_paths(paths)  # a missing path raises before anything is recorded
        # The files are streamed, never listed, so a progress bar needs them counted first.
        total = sum(1 for _ in iter_post_paths(paths)) if progress else 0
        shared = _shared_rels(paths)
        record = None if self.dry_run else ImportRun.objects.create()
        rescan = self.overwrite_edited or self.fetcher is not None
        self._start_hashes = {}
        if shared and not rescan:
            self._start_hashes = dict.fromkeys(shared)
            for chunk in _windows(iter(sorted(shared))):
                self._look_up_hashes(chunk)
                self._start_hashes.update(self._hashes)
        done = 0
        failed: set[str] = set()  # the current window's failed files

        def add(result: FileResult) -> None:
            nonlocal done
            report.add(result)
            if result.outcome == "failed":
                failed.add(result.path)
            done += 1
            if progress:
                progress(done, total, result)

        # A dry run works inside one transaction that is rolled back at the end, so
        # later files see what earlier ones would have done and the counts match a
        # real run.
        with (
            _collecting_only_new_objects(),
            transaction.atomic() if self.dry_run else contextlib.nullcontext(),
        ):
            for window in _windows(files):
                if not rescan:
                    self._look_up_hashes([rel for _, rel in window])
                # Reading and parsing hold no lock: only the writes below are in a
                # transaction, so a batch keeps the database busy for less time.
                prepared = [self.prepare_file(path, rel) for path, rel in window]
                for result in prepared:
                    if isinstance(result, FileResult):
                        add(result)
                posts = _story_order([p for p in prepared if not isinstance(p, FileResult)])
                self._look_up_keys(post.legacy_key for post, _, _ in posts)
                for batch in _batches(posts):
                    # The search index is written once per batch, inside its transaction,
                    # rather than after each post's save, tags and stocks. A post rolled
                    # back to its savepoint no longer exists and gets no index row.
                    atomic = contextlib.nullcontext() if self.dry_run else transaction.atomic()
                    with atomic, search.deferred_indexing():
                        self._pending = []
                        for entry in batch:
                            result = self.write_post(*entry)
                            for flushed in self._take_flushed() + ([result] if result else []):
                                add(flushed)
                        self._flush_new()
                        self._pending = None
                        for flushed in self._take_flushed():
                            add(flushed)
                self._settle_rejected([rel for _, rel in window], failed)
                failed.clear()
            if self.dry_run:
                transaction.set_rollback(True)
        if (
            not self.dry_run
            and report.counts["created"] + report.counts["updated"] >= ANALYZE_AFTER
        ):
            # Many new rows make the planner's statistics wrong (or, on a new
            # database, absent), and search then picks a plan that scans.
            search.analyze()
        report.elapsed = time.monotonic() - started
        if record:
            for outcome, number in report.counts.items():
                setattr(record, outcome, number)
            record.finished_at = timezone.now()
            record.save()
        return report


@contextlib.contextmanager
def _collecting_only_new_objects():
    """Keep the objects that exist before the run out of the garbage collector's sight.

    Each article leaves reference cycles behind (bleach's parse tree; a model and its
    FieldFile), which only a full collection frees. CPython runs one only once the objects
    surviving since the last reach a quarter of the long-lived heap, and Django with
    pypinyin's dictionaries make that heap 250,000 objects: some 8 MB of garbage piled up
    between two collections, and only a run of thousands of posts reached the top of that
    saw-tooth. Frozen, the start-up heap neither counts nor is scanned, so full collections
    come every few hundred posts and cost little.
    """
    if gc.get_freeze_count():
        # Someone froze the heap already (a server before forking): theirs to undo.
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _remember(cache: dict, key, value) -> None:
    """cache[key] = value, dropping the oldest entry when the cache is full (CACHED_ROWS)."""
    if len(cache) >= CACHED_ROWS and key not in cache:
        del cache[next(iter(cache))]
    cache[key] = value


def _upsert_redirects(redirects: dict[str, Article]) -> None:
    """Old URL -> article, in one statement; a path already pointing at another article
    now points at this one (the later file wins)."""
    if redirects:
        LegacyRedirect.objects.bulk_create(
            [LegacyRedirect(path=path, article=article) for path, article in redirects.items()],
            update_conflicts=True,
            unique_fields=["path"],
            update_fields=["article", "category"],
        )


def _winner_paths(kinds: dict[str, str]) -> tuple[str, str | None]:
    """Of a story's files (path -> kind): the one that gives title, body and category,
    and the rolling-news copy that gives the summary (None when that is the same file).

    The latest file of each kind wins, by path; a source post beats the other kinds.
    """
    latest: dict[str, str] = {}
    for path in sorted(kinds):
        latest[kinds[path]] = path
    primary = (
        latest.get(LegacySource.Kind.SOURCE)
        or latest.get(LegacySource.Kind.OTHER)
        or latest[LegacySource.Kind.ROLLING]
    )
    rolling = latest.get(LegacySource.Kind.ROLLING)
    return primary, (rolling if rolling != primary else None)


def _windows(files: Iterator, size: int = WINDOW_SIZE):
    """The run's files, `size` at a time, in path order."""
    while window := list(itertools.islice(files, size)):
        yield window


def _story_order(entries: list) -> list:
    """Parsed posts [(post, digest, warnings)] with each story's files side by side.

    Stories keep the position of their first file and their files keep path order,
    so a batch boundary never falls inside a story (see `_batches`), and the files
    of a new story become one insert.
    """
    by_story: dict[str, list] = {}
    for entry in entries:
        by_story.setdefault(entry[0].legacy_key, []).append(entry)
    return [entry for group in by_story.values() for entry in group]


def _batches(entries, size: int = BATCH_SIZE, seconds: float = BATCH_SECONDS):
    """Split parsed posts into transactions of at most about `size` posts or `seconds`.

    A batch only ends between stories, so all files of a story are written in one
    transaction. Each post is still its own savepoint, so a bad post rolls back
    alone, and a killed run loses at most one batch, which the next run does again.
    Committing per batch instead of per post saves a commit's worth of I/O per post.
    """
    batch: list = []
    started = time.monotonic()
    for entry in entries:
        story_ends = not batch or batch[-1][0].legacy_key != entry[0].legacy_key
        if story_ends and batch and (len(batch) >= size or time.monotonic() - started >= seconds):
            yield batch
            batch, started = [], time.monotonic()
        batch.append(entry)
    if batch:
        yield batch


def import_posts(paths: Iterable[str | Path], progress=None, **options) -> ImportReport:
    """Import every post under `paths`; see `Importer` for the options."""
    return Importer(**options).run(paths, progress=progress)


def _stock_url(market: int, code: str) -> str:
    return reverse("articles:stock", kwargs={"market": market, "code": code})


def _local_images(body: str) -> str:
    """Point images that were downloaded earlier at their local copy."""
    if "<img" not in body:
        return body
    for image in LegacyImage.objects.filter(url__in=_img_urls(body)):
        for form in {image.url, html.escape(image.url)}:
            body = body.replace(f'src="{form}"', f'src="{image.file.url}"')
    return body


def _img_urls(body: str) -> list[str]:
    return [html.unescape(url) for url in _IMG_SRC.findall(body)]
