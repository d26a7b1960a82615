"""Bring legacy Jekyll posts into the database, idempotently, with a report.

This module holds the run: it walks the files (`legacy.files`), reads and parses them
(`legacy.parser`) a window of WINDOW_SIZE files at a time, outside any transaction, and
hands the posts to `legacy.writing` in transactions of about BATCH_SIZE posts (or
BATCH_SECONDS) that end only between stories. A post that fails rolls back alone; a run
killed part-way leaves only whole articles behind, loses at most one batch, and the next
run finishes the job.

A story may arrive as several files that share one story id: a source post, a
rolling-news copy, a corrected re-post. Every file is kept as a `LegacySource`
row, and the article is always *recomposed from those rows* by fixed rules
(`legacy.stories`): the latest source post (by path) supplies title, body and category;
the latest rolling-news copy supplies the summary. So the result depends on which files
were imported, never on the order they came in. A file that fails has no article
to attach to: its bytes are kept as a `LegacyRejectedFile` row until it imports
(`legacy.rejected`). Files that are not posts at all (a README, an index page) are
reported as skipped.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import heapq
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from search import index as search

from .fetch import ImageFetcher
from .files import iter_post_paths
from .models import ImportRun
from .parser import LegacyPostError, NotAPostError, parse_post
from .rejected import RejectedFiles
from .report import FileResult, ImportReport
from .rows import AlreadyImported, RowCache
from .stories import stock_url
from .writing import StoryWriter

__all__ = ["FileResult", "ImageFetcher", "ImportReport", "Importer", "import_posts"]

BATCH_SIZE = 50
BATCH_SECONDS = 0.5
# Files read and parsed ahead of the writes. The files of one story (a source post
# and its rolling copy) sit close together in path order; inside one window they
# are written together as one new article instead of an insert and then an update.
WINDOW_SIZE = 400
# Refresh the planner's statistics after a run that wrote at least this many articles.
ANALYZE_AFTER = 500


def import_posts(paths: Iterable[str | Path], progress=None, **options) -> ImportReport:
    """Import every post under `paths`; see `Importer` for the options."""
    return Importer(**options).run(paths, progress=progress)


class Importer:
    """One import run's options and state: what is imported already, the rows cached for
    the run (`legacy.rows`), the failed files (`legacy.rejected`) and the writer."""

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
        self.imported = AlreadyImported()
        self.rows = RowCache(dry_run=dry_run)
        self.rejected = RejectedFiles(dry_run=dry_run)
        self.writer = StoryWriter(
            rows=self.rows,
            imported=self.imported,
            rejected=self.rejected,
            encoding=encoding,
            overwrite_edited=overwrite_edited,
        )

    def prepare_file(self, path: str | Path, rel: str):
        """Read, check and parse one file, touching no table: (post, digest, warnings),
        or the FileResult of a file that needs no write (unchanged, unreadable, bad)."""
        try:
            # What Path.read_bytes() does; run() passes plain strings (see iter_post_paths).
            with open(path, "rb") as file:
                data = file.read()
        except OSError as exc:
            return FileResult(rel, "failed", f"无法读取文件：{exc.strerror or exc}")
        digest = hashlib.sha256(data).hexdigest()
        # The hash check is the fast path of a re-run. Overwriting edits or fetching
        # images must look at already imported files again, so they skip it.
        if not self._rescan and self.imported.stored_hash(rel) == digest:
            return FileResult(rel, "unchanged")
        try:
            post = parse_post(data, rel, encoding=self.encoding, stock_url=stock_url)
        except NotAPostError as exc:
            # A README, an index page or notes beside the posts: reported, never a failure.
            return FileResult(rel, "skipped", str(exc))
        except LegacyPostError as exc:
            self.rejected.add(rel, str(exc), data, digest)
            return FileResult(rel, "failed", str(exc))
        warnings = list(post.warnings)
        if self.fetcher and not self.dry_run:
            for url in post.image_urls:
                try:
                    self.fetcher.fetch(url)
                except ValueError as exc:
                    warnings.append(str(exc))
        return post, digest, warnings

    @property
    def _rescan(self) -> bool:
        """Whether files already imported unchanged are parsed and written again."""
        return self.overwrite_edited or self.fetcher is not None

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
        rescan = self._rescan
        self.imported.keep_start_hashes(
            _windows(iter(sorted(shared))) if shared and not rescan else []
        )
        writer = self.writer
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
                    self.imported.look_up_hashes([rel for _, rel in window])
                # Reading and parsing hold no lock: only the writes below are in a
                # transaction, so a batch keeps the database busy for less time.
                prepared = [self.prepare_file(path, rel) for path, rel in window]
                for result in prepared:
                    if isinstance(result, FileResult):
                        add(result)
                posts = _story_order([p for p in prepared if not isinstance(p, FileResult)])
                self.imported.look_up_keys(post.legacy_key for post, _, _ in posts)
                for batch in _batches(posts):
                    # The search index is written once per batch, inside its transaction,
                    # rather than after each post's save, tags and stocks. A post rolled
                    # back to its savepoint no longer exists and gets no index row.
                    atomic = contextlib.nullcontext() if self.dry_run else transaction.atomic()
                    with atomic, search.deferred_indexing():
                        writer.start_batch()
                        for entry in batch:
                            result = writer.write_post(*entry)
                            for flushed in writer.take_flushed() + ([result] if result else []):
                                add(flushed)
                        for flushed in writer.end_batch():
                            add(flushed)
                self.rejected.settle([rel for _, rel in window], failed)
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
