"""Dependency keys: what a cached page was rendered from, and what a write touches.

A page depends on:
- `all`: every page (a section renamed, the menu changed);
- `p…`: its own path (a hash of it), whatever its query: `?page=2` of a list goes
  with the list;
- `a<id>`: each article an article page links (itself, its neighbours, its related
  articles), so a takedown or an edit reaches every article page that links it.

A write to an article touches `a<id>` and the paths of every list that could show
it, before and after the write: home, its section, its tags, its stocks, its
archive days, the feeds and sitemaps, the indexes and search. Lists are purged by
path, so `?page=N` and feed formats go with them.
"""

import hashlib
from urllib.parse import unquote

from django.urls import reverse

from articles.models import Article

ALL = "all"
FEEDS = ("rss", "atom")
SITEMAP_SECTIONS = ("articles", "categories", "tags", "stocks")
# Context entries of an article page that link other articles (articles.views).
LINKED_ARTICLES = ("article", "previous_article", "next_article", "related_articles")


def article_key(pk) -> str:
    return f"a{pk}"


def path_key(path: str) -> str:
    return "p" + hashlib.sha1(path.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def page_keys(path: str, context: dict | None) -> set[str]:
    """The keys of a page about to be stored."""
    keys = {ALL, path_key(path)}
    for name in LINKED_ARTICLES:
        value = (context or {}).get(name)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, Article):
                keys.add(article_key(item.pk))
    return keys


# The pages that list articles whatever they are about.
_SITE_LISTS = (
    ("articles:home", ()),
    ("articles:categories", ()),
    ("articles:tags", ()),
    ("articles:stocks", ()),
    ("articles:sitemap", ()),
    ("search:search", ()),
    *(("articles:feed-site", (fmt,)) for fmt in FEEDS),
    *(("articles:sitemap-section", (section,)) for section in SITEMAP_SECTIONS),
)


def _paths(article_id: int) -> set[str]:
    """The paths of the lists that could show the article as it is stored now."""
    row = (
        Article.objects.filter(pk=article_id)
        .values("slug", "published_at", "category__slug")
        .first()
    )
    if row is None:
        return set()
    paths = {reverse(name, args=args) for name, args in _SITE_LISTS}
    paths.add(reverse("articles:detail", args=[row["slug"]]))
    section = row["category__slug"]
    paths.add(reverse("articles:category", args=[section]))
    paths.update(reverse("articles:feed-category", args=[section, fmt]) for fmt in FEEDS)
    article = Article(pk=article_id)  # the row was read above; its links need only the id
    for slug in article.tags.values_list("slug", flat=True):
        paths.add(reverse("articles:tag", args=[slug]))
        paths.update(reverse("articles:feed-tag", args=[slug, fmt]) for fmt in FEEDS)
    for market, code in article.stocks.values_list("market", "code"):
        paths.add(reverse("articles:stock", args=[market, code]))
        paths.update(reverse("articles:feed-stock", args=[market, code, fmt]) for fmt in FEEDS)
    if row["published_at"] is not None:
        day = Article(published_at=row["published_at"]).published_day
        paths.add(reverse("articles:archive-year", args=[day.year]))
        paths.add(reverse("articles:archive-month", args=[day.year, day.month]))
        paths.add(reverse("articles:archive-day", args=[day.year, day.month, day.day]))
    return paths


def article_keys(article_id: int) -> set[str]:
    """What a write to the article touches, as the article is stored now."""
    # reverse() percent-encodes (/tag/%E5%85%89/); request.path, which pages are
    # stored under, is decoded (/tag/光/).
    return {article_key(article_id), *(path_key(unquote(p)) for p in _paths(article_id))}
