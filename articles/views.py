"""Public views. They stay thin: the queryset methods decide what is public."""

import re

from django.db.models import Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from .models import Article, Category, LegacyRedirect, StockReference


class ArticleListMixin:
    """Pagination and the public queryset, shared by every article list."""

    paginate_by = 20
    template_name = "articles/article_list.html"
    context_object_name = "articles"

    def get_queryset(self):
        return Article.objects.published().for_listing()


class StaffPreviewMixin:
    """Staff may open drafts and scheduled articles; everyone else sees only `published()`."""

    def get_queryset(self):
        if self.request.user.is_staff:
            return Article.objects.all()
        return Article.objects.published()


class HomeView(ArticleListMixin, ListView):
    extra_context = {"page_heading": "最新文章", "is_home": True}


class CategoryView(ArticleListMixin, ListView):
    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().filter(category=self.category)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_heading=self.category.name,
            page_description=self.category.description,
            breadcrumbs=[(self.category.name, None)],
            canonical_object=self.category,
            **kwargs,
        )


class TagView(ArticleListMixin, ListView):
    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_heading=f"标签：{self.tag.name}",
            breadcrumbs=[("标签", None), (self.tag.name, None)],
            **kwargs,
        )


class StockView(ArticleListMixin, ListView):
    template_name = "articles/stock_detail.html"

    def get_queryset(self):
        self.stock = get_object_or_404(
            StockReference, market=self.kwargs["market"], code=self.kwargs["code"]
        )
        return super().get_queryset().filter(stock_links__stock=self.stock)

    def get_context_data(self, **kwargs):
        return super().get_context_data(stock=self.stock, **kwargs)


class ArticleDetailView(StaffPreviewMixin, DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A slug that changed (a re-imported headline) keeps answering, with a 301.
            moved = LegacyRedirect.objects.filter(path=request.path, article__isnull=False)
            redirect = moved.select_related("article").first()
            if redirect is None:
                raise
            return HttpResponsePermanentRedirect(redirect.article.get_absolute_url())

    def get_queryset(self):
        return super().get_queryset().for_listing()

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
        return super().get_context_data(
            previous_article=siblings.filter(older).order_by("-published_at", "-id").first(),
            next_article=siblings.filter(newer).order_by("published_at", "id").first(),
            is_preview=not article.is_published(),
            breadcrumbs=[
                (article.category.name, article.category.get_absolute_url()),
                (article.title, None),
            ],
            **kwargs,
        )


def legacy_redirect(request, path=""):
    """301 from any URL of the old Jekyll site that we know, else the branded 404."""
    redirect = (
        LegacyRedirect.objects.filter(path=request.path)
        .select_related("article", "category")
        .first()
    )
    if redirect is None:
        raise Http404("没有这个旧地址")
    return HttpResponsePermanentRedirect(redirect.target.get_absolute_url())


def legacy_news_share(request):
    """The old share links: /html_News/NewsShare.html?infoCode=NW202204082335489382."""
    code = request.GET.get("infoCode", "")
    match = re.fullmatch(r"NW(\d{6,30})", code.strip())
    if not match:
        raise Http404("无效的稿件编号")
    article = get_object_or_404(Article, legacy_key=f"story:{match[1]}")
    return HttpResponsePermanentRedirect(article.get_absolute_url())


def legacy_rolling_section(request):
    """The rolling-news footer linked /emnews/, which now is a category page."""
    category = get_object_or_404(Category, slug="emnews")
    return HttpResponsePermanentRedirect(category.get_absolute_url())
