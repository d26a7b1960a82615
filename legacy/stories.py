"""How the files of one story make one article: which file wins, and what it writes.

A story may arrive as several files that share one story id: a source post, a rolling-news
copy, a corrected re-post. The article is always recomposed from them by fixed rules (see
`winner_paths`), so it depends on which files were imported, never on their order.

`imported_values` is the one definition of what the importer writes to an article: compared
with what an article holds now (`current_values`), it tells an unchanged file, and its
`fingerprint`, stored on the article, tells an article an editor has changed since.
Nothing here writes to the database; only `current_values` reads from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.urls import reverse

from articles.models import Article, Category, StockReference
from articles.text import slug_from_title

from .models import LegacySource
from .post import LegacyPost, StockMention

IMPORTED_SLUG_TITLE_LENGTH = 60
# The reason given for a file of a story that another file of the same kind outranks.
SUPERSEDED = "同一稿件已有路径更靠后的同类文件，以后者为准"


def stock_url(market: int, code: str) -> str:
    """The href the parser puts on a stock a body mentions: the stock's page on this site."""
    return reverse("articles:stock", kwargs={"market": market, "code": code})


def winner_paths(kinds: dict[str, str]) -> tuple[str, str | None]:
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


def story_mentions(primary: LegacyPost, rolling: LegacyPost | None) -> list[StockMention]:
    """The securities of the story, in order, each once: the primary file's, then the
    rolling copy's; sector boards and unknown markets are no StockReference."""
    seen, result = set(), []
    for mention in [*primary.stocks, *(rolling.stocks if rolling else [])]:
        key = (mention.market, mention.code)
        if key not in seen and mention.market in StockReference.MARKETS:
            seen.add(key)
            result.append(mention)
    return result


def compose(
    article: Article,
    primary: LegacyPost,
    rolling: LegacyPost | None,
    *,
    category: Category,
    body_source: str,
) -> dict:
    """Set the article's fields from its story's winning files; return `imported_values`.

    `body_source` is the primary file's body with downloaded images made local.
    """
    digest = (rolling.digest if rolling else "") or primary.digest
    story = primary.story_id or hashlib.sha1(primary.legacy_key.encode()).hexdigest()[:10]
    title_slug = slug_from_title(primary.title)[:IMPORTED_SLUG_TITLE_LENGTH].rstrip("-")
    article.title = primary.title
    # The story id makes imported slugs unique by construction and independent of
    # the order in which same-titled stories were imported.
    article.slug = f"{title_slug}-{story}"
    article.body_source = body_source
    article.summary = digest
    article.category = category
    article.status = Article.Status.PUBLISHED
    article.published_at = primary.published_at
    article.source_name = primary.source_name or (rolling.source_name if rolling else "")
    article.original_url = primary.original_url or (rolling.original_url if rolling else "")
    mentions = story_mentions(primary, rolling)
    return imported_values(
        article, tags=primary.tags, stocks=(f"{m.market}.{m.code}" for m in mentions)
    )


def current_values(article: Article) -> dict:
    """`imported_values` of an article as it is now, with its tags and stocks."""
    return imported_values(
        article,
        tags=article.tags.names(),
        stocks=(stock.symbol for stock in article.ordered_stocks()),
    )


def imported_values(article: Article, *, tags: Iterable[str], stocks: Iterable[str]) -> dict:
    """Everything the importer writes to an article, as comparable values.

    `tags` are names (compared without case, as taggit is configured), `stocks` symbols
    ("MARKET.CODE") in order. The one definition for both sides of the edit check: a field
    added to one side only would make every article look edited, or no edit noticed.
    """
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
        "tags": ",".join(sorted({name.lower() for name in tags})),
        "stocks": ",".join(stocks),
    }


def fingerprint(values: dict) -> str:
    """A digest of `imported_values`, stored on the article to notice later edits by editors."""
    parts = [f"{key}={values[key]}" for key in sorted(values)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
