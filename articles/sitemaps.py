"""The sitemap index (/sitemap.xml), its four sections, and /robots.txt.

Sections: `articles`, `categories`, `tags`, `stocks` (and those of the apps built on
articles, added with `register`: `topics`), each paginated at 1,000
URLs per file (page N is `?p=N` and the index lists every page). The protocol
allows 50,000, but such a file takes seconds to render and is one cache entry
that every edit throws away; a thousand keep each file cheap at any archive
size. Only `Article.objects.published()` counts: a category, tag or stock
without a published article is not listed, and drafts or scheduled articles
never appear.

`lastmod` is when a page last changed for a reader. An article page changes when
it is edited (`updated_at`) and when it goes live; a scheduled article goes live
at `published_at`, after its last edit, so an article's lastmod is the later of
the two. A category, tag or stock page changes whenever one of its published
articles does, so its lastmod is the greatest article lastmod in it, computed in
the same query as the list (an aggregate annotation), never per item.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.db.models.functions import Greatest
from django.http import HttpResponse
from django.urls import reverse
from taggit.models import Tag

from .models import Article, Category, StockReference

SITEMAP_LIMIT = 1000


def _article_lastmod(prefix=""):
    """The later of published_at and updated_at, for an article reached through `prefix`."""
    return Greatest(f"{prefix}published_at", f"{prefix}updated_at")


class PublicSitemap(Sitemap):
    """A paginated section whose items carry their lastmod as a `lastmod` annotation."""

    limit = SITEMAP_LIMIT

    def lastmod(self, item):
        return item.lastmod

    def get_latest_lastmod(self):
        # Django's default evaluates lastmod() over every item; one aggregate is enough.
        return self.items().aggregate(latest=Max("lastmod"))["latest"]


class ArticleSitemap(PublicSitemap):
    def items(self):
        # Only what location() and lastmod() need: this list can be 50,000 rows long.
        return (
            Article.objects.published()
            .only("slug")
            .annotate(lastmod=_article_lastmod())
            .order_by("-published_at", "-id")
        )


class TaxonomySitemap(PublicSitemap):
    """Categories, tags, stocks: listed only with a published article, dated by the latest."""

    model = None
    articles = "articles"  # the lookup from the model to its articles
    ordering = ()

    def items(self):
        # filter() before annotate() makes the Max run over the same join, i.e. over
        # published articles only; the filter also drops objects without any.
        return (
            self.model.objects.filter(**{f"{self.articles}__in": Article.objects.published()})
            .annotate(lastmod=Max(_article_lastmod(f"{self.articles}__")))
            .order_by(*self.ordering)
        )


class CategorySitemap(TaxonomySitemap):
    model = Category
    ordering = ("position", "name", "pk")


class TagSitemap(TaxonomySitemap):
    model = Tag
    # taggit's reverse lookup from Tag to the articles tagged with it.
    articles = "article"
    ordering = ("name", "pk")

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})


class StockSitemap(TaxonomySitemap):
    model = StockReference
    ordering = ("market", "code")


SITEMAPS = {
    "articles": ArticleSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
    "stocks": StockSitemap,
}


def register(section: str, sitemap) -> None:
    """Add a section for an app built on articles (topics adds `topics` in its ready());
    articles itself knows none of them."""
    SITEMAPS[section] = sitemap


def sitemap_index(request):
    return sitemap_views.index(request, SITEMAPS, sitemap_url_name="articles:sitemap-section")


def sitemap_section(request, section):
    # Django answers 404 for an unknown section and for a page out of range.
    return sitemap_views.sitemap(request, SITEMAPS, section=section)


def robots_txt(request):
    sitemap_url = request.build_absolute_uri(reverse("articles:sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "", f"Sitemap: {sitemap_url}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
