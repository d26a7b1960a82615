"""Dependency keys: what a cached page was rendered from, and what a write touches.

A page depends on:
- `all`: every page (a section renamed, the menu changed);
- `p…`: its own path (a hash of it), whatever its query: `?page=2` of a list goes
  with the list;
- what its fragments say they show (`{% fragment … depends=… %}`, fragments.py):
  `a<id>` for each article it shows (so a takedown or an edit reaches every page
  that links it), and the path of each list a part of it is drawn from (an article's
  related list from its section's, tags' and stocks' pages).

A write to an article touches `a<id>` and the paths of every list that could show
it, before and after the write: home, its section, its tags, its stocks, its
archive days, the feeds and sitemaps, the indexes and search. Lists are purged by
path, so `?page=N` and feed formats go with them.
"""

import hashlib
from urllib.parse import unquote

from django.urls import reverse
from taggit.models import Tag

from articles.models import Article, Category, StockReference

ALL = "all"
FEEDS = ("rss", "atom")
SITEMAP_SECTIONS = ("articles", "categories", "tags", "stocks")


def article_key(pk) -> str:
    return f"a{pk}"


def path_key(path: str) -> str:
    return "p" + hashlib.sha1(path.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def page_keys(path: str, fragment_keys=()) -> set[str]:
    """The keys of a page about to be stored: its own, and its fragments'."""
    return {ALL, path_key(path), *fragment_keys}


def object_keys(value) -> set[str]:
    """The keys of what a fragment shows: articles, and the lists of sections, tags and
    stocks it was drawn from (their pages' paths); a string is a path. Lists, tuples
    and sets are walked; None is nothing."""
    if value is None:
        return set()
    if isinstance(value, list | tuple | set):
        return set().union(*(object_keys(item) for item in value))
    if isinstance(value, str):
        return {path_key(value)}
    # By model, not class: an editor's preview wraps an unsaved Article.
    model = getattr(getattr(value, "_meta", None), "model", None)
    if model is Article:
        return {article_key(value.pk)} if value.pk is not None else set()
    # A section, a tag or a security: the page that lists its articles.
    if model in (Category, StockReference):
        return {path_key(unquote(value.get_absolute_url()))}
    if model is Tag:
        if not value.slug:  # a tag typed into a preview has no page yet
            return set()
        return {path_key(unquote(reverse("articles:tag", args=[value.slug])))}
    raise TypeError(f"a fragment cannot depend on {type(value).__name__}")


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
