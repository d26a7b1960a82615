"""Writes to articles: the functions the admin, the importer and the shell call.

Each is keyword-only, runs in one transaction, and records its revision itself (who,
what kind, why) once the article, its tags and its stocks are all written, so the
revision is the whole state a restore needs.

Optimistic concurrency: an editor's form or list carries the `Article.version` it
was made from (`expected_version`). Each write locks the article's row, and if
someone saved in between it raises `StaleArticle` instead of writing: the caller
shows who changed what, and nothing of either edit is lost. A write without an
expected version (the shell, the importer) is applied to the current row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import flashes, images, inbox, signals, workflow
from .chinatime import china_label
from .models import Article, Notice, Review, Revision, StockReference
from .text import clean_text

TakedownRefused = signals.TakedownRefused


class StaleArticle(Exception):
    """The article changed since the editor's copy was made; nothing was written."""

    def __init__(self, current: Article, expected_version: int):
        super().__init__(
            f"article {current.pk} is at version {current.version}, not {expected_version}"
        )
        self.current = current
        self.expected_version = expected_version

    def changes(self) -> list[Revision]:
        """The revisions recorded since the editor's version, oldest first."""
        return list(
            self.current.revisions.filter(version__gt=self.expected_version)
            .select_related("author__profile")
            .order_by("created_at", "id")
        )


def _lock(article_id: int, expected_version: int | None) -> Article:
    """The stored article, its row locked until the transaction ends; checked for staleness."""
    # select_for_update is a no-op on SQLite, where the settings' IMMEDIATE transactions
    # take the database's write lock at BEGIN instead: writers queue either way.
    current = Article.objects.select_for_update().get(pk=article_id)
    if expected_version is not None and current.version != expected_version:
        raise StaleArticle(current, expected_version)
    return current


def article_save(
    *,
    article: Article,
    by=None,
    tags: Iterable | None = None,
    stocks: Iterable[StockReference] | None = None,
    expected_version: int | None = None,
    kind: str = Revision.Kind.EDIT,
    note: str = "",
) -> Article:
    """Save `article` as given (a form's instance, the importer's), with its tags and stocks.

    `tags` are names or Tag objects and `stocks` saved securities, in order; None
    leaves them as they are.
    """
    with transaction.atomic():
        adding = article.pk is None
        if not adding:
            stored = _lock(article.pk, expected_version)
            if stored.is_published() and not article.is_published():
                check_takedown(stored)
        return _write(article, by=by, kind=kind, note=note, tags=tags, stocks=stocks, first=adding)


def article_publish(
    *, article_id: int, by, expected_version: int | None = None, redate: bool = False
) -> Article:
    """Make the article public now.

    An article readers have seen before keeps its publication time (taking a story
    down to fix it and putting it back must not move it to the top of the site);
    `redate=True` is the editor's explicit choice to date it now.
    """
    with transaction.atomic():
        article = _lock(article_id, expected_version)
        now = timezone.now()
        if redate or not article.was_public or article.published_at > now:
            article.published_at = now
        article.status = Article.Status.PUBLISHED
        note = "重新发布并改为现在的时间" if redate else "立即发布"
        return _write(article, by=by, kind=Revision.Kind.PUBLISH, note=note)


def flash_publish(
    *, text: str, by, important: bool = False, source_name: str = "", stocks=()
) -> Article:
    """A 7×24 flash from the desk's one box of text, public now, to the second.

    Headline, digest and body come from the text (articles.flashes.compose); `stocks`
    are the securities the editor kept of those found in it.
    """
    composed = flashes.compose(text)
    if not composed.title:
        raise ValidationError("快讯内容不能为空。")
    with transaction.atomic():
        article = Article(
            title=composed.title,
            summary=composed.summary,
            body_source=composed.body_source,
            category=flashes.flash_section(),
            status=Article.Status.PUBLISHED,
            published_at=timezone.now().replace(microsecond=0),
            important=important,
            source_name=source_name,
            author=by,
        )
        return _write(
            article, by=by, kind=Revision.Kind.PUBLISH, note="快讯台发布", stocks=stocks, first=True
        )


def article_unpublish(*, article_id: int, by, expected_version: int | None = None) -> Article:
    """Take the article down: a draft again, gone from every public page."""
    with transaction.atomic():
        article = _lock(article_id, expected_version)
        check_takedown(article)
        article.status = Article.Status.DRAFT
        return _write(article, by=by, kind=Revision.Kind.UNPUBLISH, note="撤回为草稿")


def article_schedule(
    *, article_id: int, by, at: datetime, expected_version: int | None = None
) -> Article:
    """Publish the article by itself at `at` (validated by the caller's form)."""
    with transaction.atomic():
        article = _lock(article_id, expected_version)
        article.status = Article.Status.PUBLISHED
        article.published_at = at
        label = f"{timezone.localtime(at):%Y-%m-%d %H:%M}"
        return _write(article, by=by, kind=Revision.Kind.SCHEDULE, note=f"定时于 {label} 发布")


def article_restore(
    *,
    article_id: int,
    revision: Revision,
    by,
    expected_version: int | None = None,
    with_state: bool = False,
) -> Article:
    """Put back what `revision` holds: text, summary, section, tags, stocks and cover.

    The publication status and time stay as they are unless `with_state` (an editor's
    explicit choice): restoring the text of a story that was taken down must never
    put it back online by itself. A revision from before migration 0008 holds only
    the text, so only the text comes back.
    """
    with transaction.atomic():
        article = _lock(article_id, expected_version)
        article.title, article.body_source, article.summary = (
            revision.title,
            revision.body_source,
            revision.summary,
        )
        tags = stocks = None
        if revision.has_state:
            if revision.category_id:
                article.category_id = revision.category_id
            article.cover_alt = revision.cover_alt
            article.important = revision.important
            if article.cover.name != revision.cover:
                article.cover = revision.cover
                article.cover_renditions = _renditions(article)
            tags = revision.tags
            stocks = _stocks_by_symbol(revision.stocks)
            if with_state:
                article.status = revision.status
                article.published_at = revision.published_at
        label = f"{timezone.localtime(revision.created_at):%Y-%m-%d %H:%M}"
        note = f"恢复自 {label} 的版本（#{revision.pk}）"
        return _write(
            article, by=by, kind=Revision.Kind.RESTORE, note=note, tags=tags, stocks=stocks
        )


def article_delete(*, article_id: int, by=None) -> None:
    """Delete the article and everything that hangs off it (revisions, links, redirects)."""
    with transaction.atomic():
        article = _lock(article_id, None)
        if article.is_published():
            check_takedown(article)
        article.delete()


# -- 提交审核: the review workflow (models/reviews.py) ---------------------------------


def article_submit(*, article_id: int, by, expected_version: int | None = None) -> Review:
    """A writer's draft goes to the editors' 待审 queue (again, after a return).

    The article itself does not change: it stays a draft, invisible to readers, until
    an editor approves it. The step is a revision of its own (提交审核).
    """
    with transaction.atomic():
        article = _lock(article_id, expected_version)
        if article.status != Article.Status.DRAFT:
            raise ValidationError("只有草稿可以提交审核：这篇文章已发布或已定时。")
        review = Review.objects.filter(article=article).first() or Review(article=article)
        if review.is_pending:
            raise ValidationError("这篇稿件已在待审队列中，等编辑审核即可。")
        review.state = Review.State.PENDING
        review.submitted_by = by
        review.submitted_at = timezone.now()
        review.save()
        Revision.capture(
            article, author=by, kind=Revision.Kind.SUBMIT, note="提交审核", always=True
        )
        return review


def article_return(
    *, article_id: int, by, comment: str, expected_version: int | None = None
) -> Review:
    """An editor sends a submitted draft back to its writer, saying what to change.

    The comment is kept on the revision (退回) and shown on the article's form, and
    the writer finds it in their 消息 inbox.
    """
    _require_editor(by)
    comment = clean_text(comment or "").strip()
    if not comment:
        raise ValidationError("请写下退回意见：撰稿人需要知道改什么。")
    with transaction.atomic():
        article = _lock(article_id, expected_version)
        review = _pending_review(article)
        review.state = Review.State.RETURNED
        review.returned_by = by
        review.returned_at = timezone.now()
        review.comment = comment
        review.save()
        Revision.capture(
            article,
            author=by,
            kind=Revision.Kind.RETURN,
            note="退回修改",
            comment=comment,
            always=True,
        )
        recipient = review.submitted_by or article.author
        if recipient is not None and recipient != by:
            inbox.notify(
                recipient=recipient,
                article=article,
                kind=Notice.Kind.RETURNED,
                message=f"您的稿件《{article.title}》被退回：{comment}",
            )
        return review


def article_approve(
    *,
    article_id: int,
    by,
    at: datetime | None = None,
    comment: str = "",
    expected_version: int | None = None,
) -> Article:
    """An editor approves a submitted draft: public now, or at `at` (validated by the
    caller's form). Recorded as 通过; the writer is told (see `_close_review`)."""
    _require_editor(by)
    comment = clean_text(comment or "").strip()
    with transaction.atomic():
        article = _lock(article_id, expected_version)
        _pending_review(article)
        now = timezone.now()
        if at is not None:
            article.published_at = at
            note = f"通过审核，定时于 {timezone.localtime(at):%Y-%m-%d %H:%M} 发布"
        else:
            # As article_publish: a story readers saw before keeps its first time.
            if not article.was_public or article.published_at > now:
                article.published_at = now
            note = "通过审核并发布"
        article.status = Article.Status.PUBLISHED
        return _write(article, by=by, kind=Revision.Kind.APPROVE, note=note, comment=comment)


def _require_editor(by) -> None:
    # The admin refuses first, with the form kept; this is the rule for every caller.
    if not workflow.can_publish(by):
        raise PermissionDenied("您没有审核权限：只有编辑可以通过或退回稿件。")


def _pending_review(article: Article) -> Review:
    review = Review.objects.filter(article=article).select_related("submitted_by").first()
    if review is None or not review.is_pending:
        raise ValidationError("这篇稿件不在待审队列中，可能已被其他编辑处理。")
    return review


def _close_review(article: Article, *, by, comment: str = "") -> None:
    """A submitted or returned piece went public (or scheduled), whichever way: it
    leaves the queue, and its writer is told."""
    review = Review.objects.filter(article=article).select_related("submitted_by").first()
    if review is None:
        return
    recipient = review.submitted_by or article.author
    review.delete()
    if recipient is None or recipient == by:
        return
    if article.is_scheduled:
        when = china_label(article.published_at)
        kind = Notice.Kind.SCHEDULED
        message = f"您的稿件《{article.title}》已通过审核，将于 {when} 发布"
    else:
        kind, message = Notice.Kind.PUBLISHED, f"您的稿件《{article.title}》已发布"
    if comment:
        message += f"。编辑留言：{comment}"
    inbox.notify(recipient=recipient, article=article, kind=kind, message=message)


def check_takedown(article: Article) -> None:
    """Ask the caches whether a takedown can reach readers at once (signals.py).

    The page cache, for one, bumps its version after the commit; if it cannot, the
    old page would be served for minutes while the editor is told the story is down.
    A receiver that cannot raises TakedownRefused, before anything is changed.
    """
    signals.takedown_requested.send(sender=Article, article=article)


def _write(
    article: Article,
    *,
    by,
    kind: str,
    note: str,
    comment: str = "",
    tags=None,
    stocks=None,
    first=False,
) -> Article:
    """Store the article, then its tags and stocks, then the revision of all of it.

    An article that is now published (or scheduled) leaves the review queue.
    """
    if article.status == Article.Status.PUBLISHED and not article.published_by_id and by:
        article.published_by = by  # 责任编辑: who first made it public
    article.save(record_revision=False)
    if tags is not None:
        article.tags.set(list(tags))
    if stocks is not None:
        article.set_stocks(list(stocks))
    Revision.capture(article, author=by, kind=kind, note=note, comment=comment, first=first)
    if article.status == Article.Status.PUBLISHED and not first:
        _close_review(article, by=by, comment=comment)
    return article


def _stocks_by_symbol(symbols: list[str]) -> list[StockReference]:
    """The securities a revision names, in its order; any deleted since are left out."""
    wanted = []
    for symbol in symbols:
        market, _, code = symbol.partition(".")
        if market.isdigit():
            wanted.append((int(market), code))
    found = {
        (s.market, s.code): s
        for s in StockReference.objects.filter(
            market__in={m for m, _ in wanted}, code__in={c for _, c in wanted}
        )
    }
    return [found[key] for key in wanted if key in found]


def _renditions(article: Article) -> dict:
    if not article.cover:
        return {}
    try:
        return images.build_renditions(article.cover)
    except images.ImageProcessingError:
        # Pages fall back to the original picture until the next save makes them.
        return {}
