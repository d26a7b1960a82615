"""Read-side building blocks of the public pages, each a bounded number of queries.

Views stay thin and call these; tests call them directly. Every one starts from
`Article.objects.published()`, the single rule for what readers may see.
"""

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from pypinyin import lazy_pinyin
from taggit.models import Tag, TaggedItem

from .models import Article, ArticleStock, Category, StockReference

ROLLING_CATEGORY_SLUG = "emnews"
# Home's 7×24 column (wide screens), and the strip of the newest before the lead
# story (phones: their first screen).
FLASH_COLUMN_SIZE = 12
FLASH_STRIP_SIZE = 5
BLOCK_SIZE = 5
RELATED_ARTICLES_LIMIT = 5


def category_blocks(categories: list[Category], size: int = BLOCK_SIZE) -> list[tuple]:
    """[(category, [its `size` newest articles])] in menu order, in one query.

    One `LIMIT size` arm per category, joined with UNION ALL, each read from the
    (category, status, published_at) index: the cost follows the number of
    sections, not of articles. (A window function ranking every published article
    did the same in one pass over the whole archive, which grew with it.)
    """
    shown = [c for c in categories if c.slug != ROLLING_CATEGORY_SLUG]
    if not shown:
        return []
    arms, params = [], []
    for n, category in enumerate(shown):
        newest = (
            Article.objects.published()
            .filter(category_id=category.pk)
            .order_by("-published_at", "-id")
            .values("id")[:size]
        )
        sql, arm_params = newest.query.sql_with_params()
        # Each arm is a subquery of its own: SQLite allows no LIMIT on a bare arm.
        arms.append(f"SELECT id FROM ({sql}) AS newest_{n}")
        params.extend(arm_params)
    articles = (
        Article.objects.filter(pk__in=RawSQL(" UNION ALL ".join(arms), params))
        .only("title", "slug", "published_at", "category_id")
        .order_by("-published_at", "-id")
    )
    by_category: dict[int, list[Article]] = {}
    for article in articles:
        by_category.setdefault(article.category_id, []).append(article)
    return [
        (category, by_category[category.pk]) for category in shown if category.pk in by_category
    ]


@dataclass
class FlashDay:
    day: date
    items: list[Article]


def flash_timeline(articles) -> list[FlashDay]:
    """Group rolling-news articles (newest first) by their China-time day."""
    days: OrderedDict[date, list[Article]] = OrderedDict()
    for article in articles:
        days.setdefault(timezone.localtime(article.published_at).date(), []).append(article)
    return [FlashDay(day, items) for day, items in days.items()]


def rolling_news(limit: int = FLASH_COLUMN_SIZE):
    """The newest rolling-news flashes, for the home page's 7×24 column and strip and
    for the live pages' JSON (articles/live.py)."""
    return list(
        Article.objects.published()
        .filter(category__slug=ROLLING_CATEGORY_SLUG)
        .only("title", "slug", "published_at", "summary", "excerpt", "important")[:limit]
    )


def related_articles(
    article: Article, limit: int = RELATED_ARTICLES_LIMIT, *, tags=None, stocks=None
) -> list[Article]:
    """Up to `limit` published articles: sharing a stock first, then a tag, then the section.

    Newest first within each preference, each query stopping at what is still
    missing. A stock or tag shared by thousands of articles is read by walking the
    date index, a rare one from its links (see `_newest_first`); one query counts
    both kinds of links to decide, so the cost does not follow their popularity.
    Five queries at most.
    """
    # `tags` and `stocks` when the caller has read them already. An editor's preview
    # may carry stocks and tags not saved yet (no pk).
    stocks = article.ordered_stocks() if stocks is None else stocks
    tags = article.tag_list() if tags is None else tags
    stock_ids = [stock.pk for stock in stocks if stock.pk is not None]
    tag_ids = [tag.pk for tag in tags if tag.pk is not None]
    base = (
        Article.objects.published()
        .exclude(pk=article.pk)
        .only("title", "slug", "published_at", "category_id")
    )
    # (links, their article column) per preference, the section last.
    preferences = []
    if stock_ids:
        preferences.append((ArticleStock.objects.filter(stock_id__in=stock_ids), "article_id"))
    if tag_ids:
        ct = ContentType.objects.get_for_model(Article)
        links = TaggedItem.objects.filter(content_type=ct, tag_id__in=tag_ids)
        preferences.append((links, "object_id"))
    common = _are_common([links for links, _ in preferences])
    chosen: list[Article] = []
    for (links, column), is_common in zip(preferences, common, strict=True):
        if len(chosen) < limit:
            candidates = base.exclude(pk__in=[a.pk for a in chosen])
            # The sections come for all of them at the end, in one query.
            narrowed = _narrow(candidates, links, column, is_common).prefetch_related(None)
            chosen += narrowed[: limit - len(chosen)]
    if len(chosen) < limit:
        section = base.filter(category_id=article.category_id)
        chosen += section.exclude(pk__in=[a.pk for a in chosen])[: limit - len(chosen)]
    prefetch_related_objects(chosen, "category")
    return chosen


def public_tags():
    """Tags that at least one published article carries: only these have public pages.

    A tag or stock used only by drafts or scheduled articles answers 404, like the
    sitemap leaves it out: its page would tell a visitor who guessed its name that
    unpublished work mentions it. The check starts from the tag's own links and
    stops at the first published article.
    """
    return Tag.objects.filter(Exists(Article.objects.published().filter(tags=OuterRef("pk"))))


def public_stocks():
    """Securities that at least one published article mentions (see `public_tags`)."""
    return StockReference.objects.filter(
        Exists(Article.objects.published().filter(stock_links__stock=OuterRef("pk")))
    )


# Above this many links, a tag or stock is "common": its newest articles are found
# by walking the publication-date index and checking each row's links (a few
# hundred rows at most), rather than by sorting all of its articles by date.
COMMON_LINKS = 2000


def _are_common(link_sets) -> list[bool]:
    """For each queryset of links, whether it has COMMON_LINKS rows or more: one query."""
    if not link_sets:
        return []
    parts, params = [], []
    for links in link_sets:
        sql, part_params = links.order_by().values("pk")[:COMMON_LINKS].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")
        params += part_params
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        return [count >= COMMON_LINKS for count in cursor.fetchone()]


def _narrow(articles, links, article_id: str, common: bool):
    """`articles` narrowed to those in `links` (rows whose `article_id` column names
    an article), in the form the database reads fastest newest first."""
    if common:
        # Walk the date index, probing each article's links: stops after a page. The
        # section comes in a query of its own: joined here, it made SQLite read the
        # articles section by section and sort them all instead.
        return (
            articles.select_related(None)
            .prefetch_related("category")
            .filter(Exists(links.filter(**{article_id: OuterRef("pk")})))
        )
    # Few links: read them all by index and sort that handful by date.
    return articles.filter(pk__in=links.values(article_id))


def _newest_first(articles, links, article_id: str):
    """`articles` narrowed to those in `links`, cheap to read newest first (`_narrow`)."""
    return _narrow(articles, links, article_id, _are_common([links])[0])


def tagged(articles, tag):
    """The articles carrying `tag`, cheap to read newest first however common the tag."""
    ct = ContentType.objects.get_for_model(Article)
    return _newest_first(articles, TaggedItem.objects.filter(content_type=ct, tag=tag), "object_id")


def mentioning(articles, stock):
    """The articles mentioning `stock`, cheap to read newest first (see `tagged`)."""
    return _newest_first(articles, ArticleStock.objects.filter(stock=stock), "article_id")


def categories_with_counts():
    """Every category with its number of published articles."""
    return Category.objects.annotate(
        article_count=Count("articles", filter=Q(articles__in=Article.objects.published()))
    )


def stock_leaderboard(limit: int = 200) -> list[tuple[str, list[StockReference]]]:
    """The most-mentioned securities, with published-article counts, grouped by exchange."""
    stocks = (
        StockReference.objects.annotate(
            mentions=Count(
                "article_links", filter=Q(article_links__article__in=Article.objects.published())
            )
        )
        .filter(mentions__gt=0)
        .order_by("-mentions", "market", "code")[:limit]
    )
    groups: dict[int, list[StockReference]] = {}
    for stock in stocks:
        groups.setdefault(stock.market, []).append(stock)
    order = list(StockReference.MARKETS)
    return [
        (StockReference.MARKETS.get(market, str(market)), groups[market])
        for market in sorted(groups, key=lambda m: order.index(m) if m in order else 99)
    ]


@dataclass
class CloudTag:
    name: str
    slug: str
    count: int
    size: int  # 1 (rare) to 5 (frequent)


def tag_cloud() -> list[CloudTag]:
    """Tags with their published-article counts, weighted 1–5 on a log scale."""
    ct = ContentType.objects.get_for_model(Article)
    published = Article.objects.published().values("pk")
    rows = (
        TaggedItem.objects.filter(content_type=ct, object_id__in=published)
        .values("tag__name", "tag__slug")
        .annotate(count=Count("id"))
        .order_by("-count", "tag__name")
    )
    rows = list(rows)
    if not rows:
        return []
    top = math.log(rows[0]["count"] + 1)
    return [
        CloudTag(
            r["tag__name"],
            r["tag__slug"],
            r["count"],
            1 + round(4 * math.log(r["count"] + 1) / top) if top else 1,
        )
        for r in rows
    ]


def pinyin_key(name: str) -> str:
    """Sort key that orders Chinese by pinyin and Latin letters alphabetically."""
    return " ".join(lazy_pinyin(name)).lower()


def tags_by_initial(tags: list[CloudTag]) -> list[tuple[str, list[CloudTag]]]:
    """The same tags in pinyin order, grouped under their initial letter (A–Z, #)."""
    groups: dict[str, list[CloudTag]] = {}
    for tag in sorted(tags, key=lambda t: pinyin_key(t.name)):
        initial = pinyin_key(tag.name)[:1].upper()
        groups.setdefault(initial if initial.isalpha() else "#", []).append(tag)
    return sorted(groups.items(), key=lambda kv: (kv[0] == "#", kv[0]))
