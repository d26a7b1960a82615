"""RSS 2.0 and Atom 1.0 feeds: the whole site, a category, a tag, a stock.

Every feed is an `ArticleFeed` built for one format (`rss` or `atom`, the last
part of the URL), so the four concrete feeds only say what their object is, how
it filters the articles, and what the feed is called.

Decisions worth knowing:

- What a feed may show is `Article.objects.published()`, as on the site, so
  drafts and scheduled articles never leak; the 20 newest items are loaded with
  `for_listing()` (+ the author), so a feed runs a constant number of queries.
- Items carry the *full* article body, `Article.body_html`, which `Article.save()`
  has already passed through the sanitizer (no scripts, handlers or styles). Its
  site-relative links and images (`/media/…`, `/article/…`) are made absolute: a
  feed reader shows the body on its own host, where `/media/` means nothing.
  In RSS it is the item `<description>` (as most readers expect); in Atom it is
  `<content type="html">`, with the plain-text list excerpt as `<summary>`.
- Link and guid are the absolute article URL (a permalink); pubDate/published
  is `published_at`, updated is `updated_at`; categories are the section name
  then the tags; the author is the editor's full name when one is set (never
  the login name: it is half of an admin credential).
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from . import listings
from .models import Article, Category
from .text import absolute_urls

FEED_LENGTH = 20


class AtomFeedWithContent(Atom1Feed):
    """Atom with the full body in `<content type="html">` and the excerpt as `<summary>`.

    Django's Atom1Feed puts the item description into `<summary>`; a summary that
    is a whole article would be wrong for Atom readers, which show `<content>`.
    """

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item.get("summary"):
            handler.addQuickElement("summary", item["summary"], {"type": "text"})
        if item["description"] is not None:
            handler.addQuickElement("content", item["description"], {"type": "html"})


FEED_TYPES = {"rss": Rss201rev2Feed, "atom": AtomFeedWithContent}


class ArticleFeed(Feed):
    """Everything the four feeds share; subclasses define the object and its articles."""

    def __init__(self, fmt):
        # The URL converter only lets `rss` and `atom` through; 404 anything else anyway.
        if fmt not in FEED_TYPES:
            raise Http404("没有这种订阅格式")
        self.feed_type = FEED_TYPES[fmt]

    # --- what a subclass overrides ------------------------------------------------

    def filter_articles(self, articles, obj):
        return articles

    def heading(self, obj) -> str:
        raise NotImplementedError

    def link(self, obj) -> str:
        return obj.get_absolute_url()

    # --- the feed -------------------------------------------------------------------

    def author_name(self, obj):
        # Atom requires an author for the feed when an entry has none of its own.
        return settings.SITE_NAME

    def title(self, obj):
        return f"{settings.SITE_NAME} - {self.heading(obj)}"

    def description(self, obj):
        return f"{settings.SITE_NAME}：{self.heading(obj)}"

    def get_feed(self, obj, request):
        # The site's own origin, as the request reached it (Django builds the item
        # links the same way): what relative URLs in bodies are resolved against.
        self.origin = request.build_absolute_uri("/").rstrip("/")
        return super().get_feed(obj, request)

    def items(self, obj):
        articles = Article.objects.published().for_listing().select_related("author__profile")
        return self.filter_articles(articles, obj)[:FEED_LENGTH]

    def item_title(self, article):
        # A 加红 flash is marked where every feed reader shows it: in its title.
        return f"【重要】{article.title}" if article.important else article.title

    def item_description(self, article):
        return absolute_urls(article.body_html, self.origin)

    def item_extra_kwargs(self, article):
        # Only AtomFeedWithContent writes it; the RSS generator ignores unknown keys.
        return {"summary": article.excerpt}

    # No item_guid(): Django then uses the absolute item link, the article's permalink.
    item_guid_is_permalink = True

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        return article.byline or None

    def item_categories(self, article):
        # Uses the for_listing() prefetch; dict.fromkeys drops a tag equal to the section name.
        tags = sorted(tag.name for tag in article.tag_list())
        marks = [IMPORTANT_CATEGORY] if article.important else []
        return list(dict.fromkeys([article.category.name, *marks, *tags]))


IMPORTANT_CATEGORY = "重要"


class SiteFeed(ArticleFeed):
    def get_object(self, request):
        return None

    def heading(self, obj):
        return "最新文章"

    def link(self, obj):
        return reverse("articles:home")


class CategoryFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Category, slug=slug)

    def filter_articles(self, articles, category):
        return articles.filter(category=category)

    def heading(self, category):
        return category.name

    def description(self, category):
        return category.description or super().description(category)


class TagFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(listings.public_tags(), slug=slug)

    def filter_articles(self, articles, tag):
        return articles.filter(tags=tag)

    def heading(self, tag):
        return f"标签：{tag.name}"

    def link(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})


class StockFeed(ArticleFeed):
    def get_object(self, request, market, code):
        return get_object_or_404(listings.public_stocks(), market=market, code=code)

    def filter_articles(self, articles, stock):
        return articles.filter(stock_links__stock=stock)

    def heading(self, stock):
        # str(stock) is "蔚来（106.NIO）", or just the symbol when the name is unknown.
        return str(stock)


def site_feed(request, fmt):
    return SiteFeed(fmt)(request)


def category_feed(request, slug, fmt):
    return CategoryFeed(fmt)(request, slug=slug)


def tag_feed(request, slug, fmt):
    return TagFeed(fmt)(request, slug=slug)


def stock_feed(request, market, code, fmt):
    return StockFeed(fmt)(request, market=market, code=code)
