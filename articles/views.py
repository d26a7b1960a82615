"""Public views. They stay thin: the queryset methods decide what is public."""

import functools
import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.generic import DetailView, ListView, TemplateView
from django.views.generic.dates import DayArchiveView, MonthArchiveView, YearArchiveView

from . import chinatime, listings, pagination
from .models import Article, Category, person_name
from .models.content import read_links_together
from .models.pins import place_pins


class ArticleListMixin(pagination.UncountedPaginationMixin):
    """Pagination and the public queryset, shared by every article list."""

    paginate_by = 20
    template_name = "articles/article_list.html"
    context_object_name = "articles"

    def get_queryset(self):
        # Lists show the excerpt, never the body: leaving the bodies out keeps the
        # rows a list sorts narrow (a common tag sorts thousands of them).
        return (
            Article.objects.published().select_related("category").defer("body_source", "body_html")
        )

    def paginate_queryset(self, queryset, page_size):
        paginator, page, articles, is_paginated = super().paginate_queryset(queryset, page_size)
        # Tags and stocks only for the items whose HTML is not kept (pagecache fragments).
        read_links_together(articles)
        return paginator, page, articles, is_paginated


class StaffPreviewMixin:
    """Staff may open drafts and scheduled articles; everyone else sees only `published()`."""

    def get_queryset(self):
        if self.request.user.is_staff:
            return Article.objects.all()
        return Article.objects.published()


def _once(compute):
    """A value the template computes on first use and then reuses, or never computes
    when the fragment that shows it comes from the cache (templates call callables)."""
    return functools.cache(compute)


def _with_pins(category, articles):
    """(头条 or None, 置顶 stories, the rest of the page) for the first page of a place:
    what editors picked first, then newest first without repeating them."""
    lead, pinned = place_pins(category)
    read_links_together([a for a in (lead, *pinned) if a])
    shown = {a.pk for a in (lead, *pinned) if a}
    return lead, pinned, [a for a in articles if a.pk not in shown]


class HomeView(ArticleListMixin, ListView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["page_obj"].number > 1:
            return {**context, "page_heading": "最新文章"}
        categories = _once(lambda: list(Category.objects.all()))
        blocks = _once(lambda: listings.category_blocks(categories()))
        flashes = _once(listings.rolling_news)
        lead, pinned, articles = _with_pins(None, context["articles"])
        return {
            **context,
            "page_heading": "最新文章",
            "is_home": True,
            "lead": lead or (articles.pop(0) if articles else None),
            "pinned_articles": pinned,
            "articles": articles,
            "blocks": blocks,
            # What the 7×24 column and strip show, for their fragments' keys.
            "flash_days": _once(lambda: listings.flash_timeline(flashes())),
            "flash_strip": lambda: flashes()[: listings.FLASH_STRIP_SIZE],
            "flashes_shown": lambda: [
                *(c for c in categories() if c.slug == listings.ROLLING_CATEGORY_SLUG),
                *flashes(),
            ],
            "flash_url": reverse("articles:category", args=[listings.ROLLING_CATEGORY_SLUG]),
            # How many each keeps as new flashes arrive (static/js/live-flashes.js).
            "flash_column_size": listings.FLASH_COLUMN_SIZE,
            "flash_strip_size": listings.FLASH_STRIP_SIZE,
        }


class CategoryView(ArticleListMixin, ListView):
    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().filter(category=self.category)

    def get_template_names(self):
        if self.category.slug == listings.ROLLING_CATEGORY_SLUG:
            return ["articles/flash_list.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            page_heading=self.category.name,
            page_description=self.category.description or f"{self.category.name}的最新文章。",
            breadcrumbs=[("栏目", reverse("articles:categories")), (self.category.name, None)],
            active_category=self.category.slug,
            feed_url_name="articles:feed-category",
            feed_arg=self.category.slug,
            **kwargs,
        )
        if self.category.slug == listings.ROLLING_CATEGORY_SLUG:
            context["flash_days"] = listings.flash_timeline(context["articles"])
        elif context["page_obj"].number == 1:
            lead, pinned, articles = _with_pins(self.category, context["articles"])
            context.update(pinned_articles=[a for a in (lead, *pinned) if a], articles=articles)
            context["lead_pk"] = lead.pk if lead else None
        return context


class TagView(ArticleListMixin, ListView):
    def get_queryset(self):
        self.tag = get_object_or_404(listings.public_tags(), slug=self.kwargs["slug"])
        return listings.tagged(super().get_queryset(), self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_heading=f"标签：{self.tag.name}",
            page_description=f"标签“{self.tag.name}”下的文章。",
            breadcrumbs=[("标签", reverse("articles:tags")), (self.tag.name, None)],
            feed_url_name="articles:feed-tag",
            feed_arg=self.tag.slug,
            **kwargs,
        )


class AuthorView(ArticleListMixin, ListView):
    """A staff member's byline page: what they wrote or, as 责任编辑, published.

    Only for someone with a public name and a published article: the page must not
    list the newsroom's accounts, nor ever show a login name.
    """

    def get_queryset(self):
        user = get_object_or_404(
            get_user_model().objects.select_related("profile"), pk=self.kwargs["pk"]
        )
        self.name = person_name(user)
        articles = (
            super()
            .get_queryset()
            .filter(Q(author=user) | Q(published_by=user))
            .order_by("-published_at", "-id")
        )
        if not self.name or not articles.exists():
            raise Http404("没有这位作者")
        self.bio = user.profile.bio if hasattr(user, "profile") else ""
        return articles

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_heading=self.name,
            page_description=self.bio or f"{self.name}撰写和编辑的文章。",
            breadcrumbs=[("作者", None), (self.name, None)],
            **kwargs,
        )


class StockView(ArticleListMixin, ListView):
    template_name = "articles/stock_detail.html"

    def get_queryset(self):
        self.stock = get_object_or_404(
            listings.public_stocks(), market=self.kwargs["market"], code=self.kwargs["code"]
        )
        articles = listings.mentioning(super().get_queryset(), self.stock)
        # Where the news-flow chart's bars link: ?day=YYYY-MM-DD (that China day only)
        # or, from the all-time chart's month bars, ?month=YYYY-MM. Bad values are
        # ignored (the full list); a valid day wins over a month.
        self.day = chinatime.parse_day(self.request.GET.get("day"))
        self.month = None if self.day else chinatime.parse_month(self.request.GET.get("month"))
        if self.day:
            articles = articles.filter(**chinatime.day_bounds(self.day))
        elif self.month:
            articles = articles.filter(**chinatime.month_bounds(self.month))
        return articles

    def get_paginate_by(self, queryset):
        # One stock's day fits on one page, so the chart's links need no ?page=.
        return 100 if self.day else self.paginate_by

    def get_context_data(self, **kwargs):
        # The filter rides along on the page links (pagination.html's page_query).
        if self.day:
            page_query = urlencode({"day": self.day.isoformat()})
        elif self.month:
            page_query = urlencode({"month": f"{self.month:%Y-%m}"})
        else:
            page_query = ""
        return super().get_context_data(
            stock=self.stock,
            day=self.day,
            month=self.month,
            page_query=page_query,
            breadcrumbs=[
                ("证券", reverse("articles:stocks")),
                (self.stock.name or self.stock.code, None),
            ],
            **kwargs,
        )


class ArticleDetailView(StaffPreviewMixin, DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        # Tags, stocks and the lists around the article are read only by the page's
        # fragments that are not cached (templates/articles/article_detail.html).
        return (
            super()
            .get_queryset()
            .select_related("category", "author__profile", "published_by__profile")
        )

    def get_context_data(self, **kwargs):
        article = self.object
        siblings = (
            Article.objects.published()
            .filter(category_id=article.category_id)
            .exclude(pk=article.pk)
            .only("title", "slug", "published_at")
        )
        # Ties on published_at are broken by id, the same order the lists use.
        at, pk = article.published_at, article.pk
        older = Q(published_at__lt=at) | Q(published_at=at, pk__lt=pk)
        newer = Q(published_at__gt=at) | Q(published_at=at, pk__gt=pk)
        previous = _once(lambda: siblings.filter(older).order_by("-published_at", "-id").first())
        following = _once(lambda: siblings.filter(newer).order_by("published_at", "id").first())
        # Read once, by whichever part of the page needs them first.
        tags, stocks = _once(article.tag_list), _once(article.ordered_stocks)
        related = _once(lambda: listings.related_articles(article, tags=tags(), stocks=stocks()))
        return super().get_context_data(
            article_tags=tags,
            article_stocks=stocks,
            previous_article=previous,
            next_article=following,
            is_preview=not article.is_published(),
            related_articles=related,
            # What the neighbours and the related list show: an edit or a takedown of
            # any of them renders that part again. The lists they are drawn from are
            # left out on purpose (see the template).
            around_shown=lambda: [article, previous(), following(), *related()],
            json_ld=_once(lambda: article_json_ld(self.request, article, tags())),
            breadcrumbs=[
                (article.category.name, article.category.get_absolute_url()),
                (article.title, None),
            ],
            **kwargs,
        )


class CategoryIndexView(TemplateView):
    template_name = "articles/category_index.html"

    def get_context_data(self, **kwargs):
        categories = list(listings.categories_with_counts())
        return super().get_context_data(
            categories=categories,
            breadcrumbs=[("栏目", None)],
            **kwargs,
        )


class TagIndexView(TemplateView):
    template_name = "articles/tag_index.html"

    def get_context_data(self, **kwargs):
        cloud = listings.tag_cloud()
        return super().get_context_data(
            cloud=cloud,
            initials=listings.tags_by_initial(cloud),
            breadcrumbs=[("标签", None)],
            **kwargs,
        )


class StockIndexView(TemplateView):
    template_name = "articles/stock_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            exchanges=listings.stock_leaderboard(), breadcrumbs=[("证券", None)], **kwargs
        )


class ArchiveMixin(ArticleListMixin):
    """Date archives: the public queryset, paginated, in China time."""

    date_field = "published_at"
    make_object_list = True
    allow_empty = False
    month_format = "%m"
    template_name = "articles/archive.html"

    def _adjacent(self, current, kind: str, step: int):
        """The nearest period with articles before (step -1) or after (+1) `current`.

        One query lists every period of that kind (a few hundred at most), so the
        previous and next links together cost one query instead of two.
        """
        if not hasattr(self, "_periods"):
            self._periods = [
                timezone.localtime(d).date()
                for d in self.get_queryset().datetimes(self.date_field, kind)
            ]
        if step < 0:
            earlier = [p for p in self._periods if p < current]
            return earlier[-1] if earlier else None
        later = [p for p in self._periods if p > current]
        return later[0] if later else None

    def get_previous_year(self, date):
        return self._adjacent(date.replace(month=1, day=1), "year", -1)

    def get_next_year(self, date):
        return self._adjacent(date.replace(month=1, day=1), "year", +1)

    def get_previous_month(self, date):
        return self._adjacent(date.replace(day=1), "month", -1)

    def get_next_month(self, date):
        return self._adjacent(date.replace(day=1), "month", +1)

    def get_previous_day(self, date):
        return self._adjacent(date, "day", -1)

    def get_next_day(self, date):
        return self._adjacent(date, "day", +1)


class YearArchive(ArchiveMixin, YearArchiveView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = context["year"]
        return {
            **context,
            "page_heading": f"{year.year}年文章",
            "breadcrumbs": [("归档", None), (f"{year.year}年", None)],
            "previous_period": _period(context["previous_year"], "Y年", "articles:archive-year"),
            "next_period": _period(context["next_year"], "Y年", "articles:archive-year"),
        }


class MonthArchive(ArchiveMixin, MonthArchiveView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        month = context["month"]
        return {
            **context,
            "page_heading": f"{month.year}年{month.month}月文章",
            "breadcrumbs": [
                ("归档", None),
                (f"{month.year}年", reverse("articles:archive-year", args=[month.year])),
                (f"{month.month}月", None),
            ],
            "previous_period": _period(
                context["previous_month"], "Y年n月", "articles:archive-month"
            ),
            "next_period": _period(context["next_month"], "Y年n月", "articles:archive-month"),
        }


class DayArchive(ArchiveMixin, DayArchiveView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        day = context["day"]
        return {
            **context,
            "page_heading": f"{day.year}年{day.month}月{day.day}日文章",
            "breadcrumbs": [
                ("归档", None),
                (f"{day.year}年", reverse("articles:archive-year", args=[day.year])),
                (
                    f"{day.month}月",
                    reverse("articles:archive-month", args=[day.year, day.month]),
                ),
                (f"{day.day}日", None),
            ],
            "previous_period": _period(
                context["previous_day"], "Y年n月j日", "articles:archive-day"
            ),
            "next_period": _period(context["next_day"], "Y年n月j日", "articles:archive-day"),
        }


def _period(value, label_format, url_name):
    """A (label, url) link to an adjacent archive period, or None at the ends."""
    if value is None:
        return None
    args = {
        "articles:archive-year": [value.year],
        "articles:archive-month": [value.year, value.month],
        "articles:archive-day": [value.year, value.month, value.day],
    }[url_name]
    return date_format(value, label_format), reverse(url_name, args=args)


def article_json_ld(request, article, tags) -> str:
    """schema.org NewsArticle for search engines, escaped for a <script> data block."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.excerpt,
        "datePublished": article.published_at.isoformat(),
        "dateModified": article.updated_at.isoformat(),
        "mainEntityOfPage": request.build_absolute_uri(article.get_absolute_url()),
        "articleSection": article.category.name,
        "keywords": [tag.name for tag in tags],
        # A person only by the name they publish under: a login name is a credential's
        # half and never leaves the admin.
        "author": {"@type": "Person", "name": article.byline}
        if article.byline
        else {"@type": "Organization", "name": article.source_name or settings.SITE_NAME},
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
    }
    if article.cover:
        data["image"] = [request.build_absolute_uri(article.cover.url)]
    # "<" and ">" escaped so nothing in a headline can close the script element.
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
