"""Writing parsed posts as articles: each through `articles.services`, or a batch's new
stories together.

A file of a story that has an article recomposes it from all the story's files
(`legacy.stories`), unless an editor has changed the article since (then it is skipped,
or overwritten with --overwrite-edited). A file of a new story waits for the end of the
batch, when the batch's new stories are inserted together (`legacy.inserts`). Each post is
a savepoint (the bulk insert is one, retried post by post if it fails), so a post that
fails rolls back alone and is reported.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse

from articles import services
from articles.models import Article, Revision

from . import stories
from .fetch import local_images
from .inserts import insert_new_stories, upsert_redirects
from .models import LegacySource
from .parser import LegacyPost, LegacyPostError, parse_post
from .rejected import RejectedFiles
from .report import FileResult
from .rows import AlreadyImported, RowCache

log = logging.getLogger(__name__)

EDITED = "编辑在后台修改过这篇文章（可用 --overwrite-edited 覆盖）"


class StoryWriter:
    """Writes the parsed posts of a run; `write_post` inside a batch (`start_batch` …
    `end_batch`) queues new stories for one bulk insert, outside one writes at once."""

    def __init__(
        self,
        *,
        rows: RowCache,
        imported: AlreadyImported,
        rejected: RejectedFiles,
        encoding: str = "utf-8",
        overwrite_edited: bool = False,
    ):
        self.rows = rows
        self.imported = imported
        self.rejected = rejected
        self.encoding = encoding
        self.overwrite_edited = overwrite_edited
        # New stories waiting for the end of the batch (None: insert each at once).
        self._pending: list | None = None
        self._flushed: list[FileResult] = []

    def start_batch(self) -> None:
        self._pending = []

    def end_batch(self) -> list[FileResult]:
        """Insert the batch's new stories; return the results not yet taken."""
        self._flush_new()
        self._pending = None
        return self.take_flushed()

    def write_post(self, post: LegacyPost, digest: str, warnings: list[str]) -> FileResult | None:
        """Write a parsed post; a new story waits for the end of the batch (None)."""
        if self._pending is not None and not self.imported.story_exists(post.legacy_key):
            # Most posts of a first import are new stories: they are inserted together
            # at the end of the batch (see _flush_new), not one by one.
            self._pending.append((post, digest, warnings))
            return None
        self._flush_new()
        return self._apply_one(post, digest, warnings)

    def take_flushed(self) -> list[FileResult]:
        """The results of new stories inserted since last asked, in the order written."""
        flushed, self._flushed = self._flushed, []
        return flushed

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
                results = insert_new_stories(pending, compose=self._compose, rows=self.rows)
        except (LegacyPostError, DatabaseError, ValidationError):
            log.exception("bulk insert of %d new stories failed; retrying one by one", len(pending))
            self.rows.forget()
            results = [
                self._apply_one(post, digest, warnings) for post, digest, warnings in pending
            ]
        else:
            for post, _digest, _warnings in pending:
                self.imported.mark_written(post.legacy_key)
        self._flushed.extend(results)
        return results

    def _apply_one(self, post: LegacyPost, digest: str, warnings: list[str]) -> FileResult:
        rel = post.path
        try:
            with transaction.atomic():
                result = self._apply(post, digest)
        except (LegacyPostError, DatabaseError, ValidationError) as exc:
            # The transaction rolled back: the article is as it was. Objects cached
            # during it may not exist, so forget them, report the file and go on.
            log.exception("import of %s failed", rel)
            self.rows.forget()
            detail = "；".join(exc.messages) if isinstance(exc, ValidationError) else exc
            reason = f"写入数据库失败：{detail}".splitlines()[0]
            # The bytes were not kept past parsing; the decoded text is the file's content
            # (less a BOM or NUL bytes the parser dropped).
            text = post.source_text.encode(self.encoding, errors="replace")
            self.rejected.add(rel, reason, text, digest)
            return FileResult(rel, "failed", reason)
        self.imported.mark_written(post.legacy_key)
        result.warnings = warnings + result.warnings
        return result

    def _apply(self, post: LegacyPost, digest: str) -> FileResult:
        article = (
            Article.objects.filter(legacy_key=post.legacy_key).first()
            if self.imported.story_exists(post.legacy_key)
            else None
        )
        created = article is None
        before = None
        if created:
            article = Article(legacy_key=post.legacy_key)
            primary, rolling = post, None
        else:
            before = stories.current_values(article)
            edited = (
                article.import_fingerprint
                and stories.fingerprint(before) != article.import_fingerprint
            )
            if edited and not self.overwrite_edited:
                return FileResult(post.path, "skipped", EDITED)
            primary, rolling = self._winners(article, post)

        old_slug = article.slug
        values = self._compose(article, primary, rolling)
        if values != before:
            article.import_fingerprint = stories.fingerprint(values)
            tags = self.rows.tags(primary.tags)
            stocks = self.rows.stocks(stories.story_mentions(primary, rolling))
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
            return FileResult(post.path, "skipped", stories.SUPERSEDED)
        return FileResult(post.path, "unchanged" if values == before else "updated")

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
            return parse_post(rows[path].source_text.encode(), path, stock_url=stories.stock_url)

        primary_path, rolling_path = stories.winner_paths(kinds)
        primary = load(primary_path)
        rolling = load(rolling_path) if rolling_path and rolling_path != primary_path else None
        return primary, rolling

    def _compose(self, article: Article, primary: LegacyPost, rolling: LegacyPost | None) -> dict:
        return stories.compose(
            article,
            primary,
            rolling,
            body_source=local_images(primary.body_html),
            category=self.rows.category(primary),
        )

    @staticmethod
    def _redirects(article: Article, post: LegacyPost, old_slug: str) -> None:
        paths = list(post.legacy_urls)
        if old_slug and old_slug != article.slug:
            paths.append(reverse("articles:detail", kwargs={"slug": old_slug}))
        upsert_redirects(dict.fromkeys(paths, article))
