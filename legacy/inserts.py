"""New stories of a batch, inserted in a few statements instead of a few per post.

Most posts of a first import are new stories. Inserting them together (articles through
`Article.objects.create_many()`, which derives and sanitizes each body as `Article.save()`
does, then their tags, stocks, files and old URLs in one statement each) gives exactly the
rows a one-by-one import would: `legacy.writing` falls back to that on any database error.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from taggit.models import TaggedItem

from articles.models import Article, ArticleStock, LegacyRedirect, Revision

from .models import LegacySource
from .report import FileResult
from .rows import RowCache
from .stories import SUPERSEDED, fingerprint, story_mentions, winner_paths


def insert_new_stories(
    pending: list, *, compose: Callable[..., dict], rows: RowCache
) -> list[FileResult]:
    """Insert new stories, [(post, digest, warnings)]; the files of one story (a source
    post and its rolling copy, a corrected re-post) become one article, exactly as if
    imported one by one. `compose(article, primary, rolling)` sets an article's fields."""
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
            primary_path, rolling_path = winner_paths(seen)
            primary, rolling = posts[primary_path], posts.get(rolling_path or "")
            values = compose(article, primary, rolling)
            tags = rows.tags(primary.tags)
            stocks = rows.stocks(story_mentions(primary, rolling))
            shown_slugs.append(article.slug)
            post = entries[count - 1][0]
            if count == 1:
                outcomes[post.path] = "created"
            elif post in (primary, rolling):
                outcomes[post.path] = "updated"
            else:
                outcomes[post.path] = "skipped"
        article.import_fingerprint = fingerprint(values)
        articles.append(article)
        extras.append((tags, stocks))
        for post in posts.values():
            for path in post.legacy_urls:
                redirects[path] = article
        for slug in dict.fromkeys(shown_slugs[:-1]):
            if slug != article.slug:
                redirects[reverse("articles:detail", kwargs={"slug": slug})] = article
    Article.objects.create_many(articles, revision_kind=Revision.Kind.IMPORT, links=extras)
    _insert_links(
        [(article, tags, stocks) for article, (tags, stocks) in zip(articles, extras, strict=True)]
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
    upsert_redirects(redirects)
    results = []
    for post, _digest, warnings in pending:
        outcome = outcomes[post.path]
        reason = SUPERSEDED if outcome == "skipped" else ""
        results.append(FileResult(post.path, outcome, reason, warnings=list(warnings)))
    return results


def _insert_links(rows) -> None:
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


def upsert_redirects(redirects: dict[str, Article]) -> None:
    """Old URL -> article, in one statement; a path already pointing at another article
    now points at this one (the later file wins)."""
    if redirects:
        LegacyRedirect.objects.bulk_create(
            [LegacyRedirect(path=path, article=article) for path, article in redirects.items()],
            update_conflicts=True,
            unique_fields=["path"],
            update_fields=["article", "category"],
        )
