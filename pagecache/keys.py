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
archive days, the feeds and sitemaps, the indexes and search (and, for a 7×24 flash,
the newest flashes' JSON the live pages poll). Lists are purged by
path, so `?page=N` and feed formats go with them.
"""

import hashlib
from urllib.parse import unquote

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from taggit.models import Tag, TaggedItem

from articles.listings import ROLLING_CATEGORY_SLUG
from articles.models import Article, ArticleStock, Category, StockReference
from articles.urlcache import cached_reverse

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


def _paths(article_ids) -> set[str]:
    """The paths of the lists that could show the articles as they are stored now.

    Three queries however many articles: an import batch of hundreds purges once.
    """
    rows = list(
        Article.objects.filter(pk__in=article_ids).values(
            "slug", "published_at", "category__slug", "author_id", "published_by_id"
        )
    )
    if not rows:
        return set()
    paths = {cached_reverse(name, *args) for name, args in _SITE_LISTS}
    for row in rows:
        paths.add(cached_reverse("articles:detail", row["slug"]))
        section = row["category__slug"]
        paths.add(cached_reverse("articles:category", section))
        paths.update(cached_reverse("articles:feed-category", section, fmt) for fmt in FEEDS)
        if section == ROLLING_CATEGORY_SLUG:
            # The newest flashes as JSON (articles/live.py), which open 7×24 pages poll.
            paths.add(cached_reverse("articles:flashes-latest"))
        for person in {row["author_id"], row["published_by_id"]} - {None}:
            paths.add(cached_reverse("articles:author", person))
        if row["published_at"] is not None:
            day = Article(published_at=row["published_at"]).published_day
            paths.add(cached_reverse("articles:archive-year", day.year))
            paths.add(cached_reverse("articles:archive-month", day.year, day.month))
            paths.add(cached_reverse("articles:archive-day", day.year, day.month, day.day))
    tagged = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Article), object_id__in=article_ids
    )
    for slug in set(tagged.values_list("tag__slug", flat=True)):
        paths.add(cached_reverse("articles:tag", slug))
        paths.update(cached_reverse("articles:feed-tag", slug, fmt) for fmt in FEEDS)
    links = ArticleStock.objects.filter(article_id__in=article_ids)
    for market, code in set(links.values_list("stock__market", "stock__code")):
        paths.add(cached_reverse("articles:stock", market, code))
        paths.update(cached_reverse("articles:feed-stock", market, code, fmt) for fmt in FEEDS)
    return paths


def article_keys(article_id: int) -> set[str]:
    """What a write to the article touches, as the article is stored now."""
    return articles_keys([article_id])


def articles_keys(article_ids) -> set[str]:
    """What a write to these articles touches, as they are stored now."""
    ids = list(article_ids)
    # reverse() percent-encodes (/tag/%E5%85%89/); request.path, which pages are
    # stored under, is decoded (/tag/光/).
    return {*(article_key(pk) for pk in ids), *(path_key(unquote(p)) for p in _paths(ids))}
