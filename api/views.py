"""The API's views: thin, read-only, each starting from what the public may see.

Articles come from `Article.objects.published()` and nothing else, for everyone
(nobody logs in here), so a draft or a scheduled article is absent from every list
and its id answers 404 like one that never existed. Sections, tags and securities
are those the site shows (`listings.public_tags()`, `public_stocks()`).

Answers carry `Cache-Control: public, max-age=MAX_AGE`; the ETag and the 304 for a
matching If-None-Match come from Django's ConditionalGetMiddleware (settings), which
hashes the body, so an ETag changes exactly when the JSON does. The page cache
leaves /api/ alone (NEWSROOM_PAGE_CACHE_SKIP).
"""

from datetime import UTC, datetime

from django.db.models import prefetch_related_objects
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import generics, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from articles import listings
from articles.models import Article, Category
from search.query import SearchResults, parse_query

from . import filters, pagination, serializers

# Seconds a client or proxy may reuse an answer without asking again; after that it
# asks with If-None-Match and usually gets a 304.
MAX_AGE = 30


class PublicMixin:
    """What every API view shares: short public caching of successful answers."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=MAX_AGE)
        return response


def public_articles():
    """Published articles, without the bodies (lists never show them)."""
    return Article.objects.published().defer("body_source", "body_html")


def for_listing(articles):
    """Everything an item shows, in a fixed number of queries whatever the page size.

    Sections and people are prefetched, not joined: `listings.tagged()` and
    `mentioning()` drop joins on purpose for a common tag or security (see there).
    """
    return (
        articles.for_listing()
        .select_related(None)
        .prefetch_related("category", "author__profile", "published_by__profile")
    )


@extend_schema_view(
    list=extend_schema(
        summary="文章列表",
        description="已发布的文章，新的在前。可按栏目、标签、证券和发布时间筛选。",
        parameters=filters.ARTICLE_PARAMETERS,
    ),
    retrieve=extend_schema(summary="文章详情", description="一篇已发布文章，含清理后的正文。"),
)
class ArticleViewSet(PublicMixin, viewsets.ReadOnlyModelViewSet):
    pagination_class = pagination.ArticleCursorPagination
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if self.action == "retrieve":
            return for_listing(Article.objects.published().defer("body_source"))
        return for_listing(filters.filter_articles(public_articles(), self.request.query_params))

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ArticleDetailSerializer
        return serializers.ArticleSerializer


@extend_schema(
    summary="7×24 快讯",
    description="7×24 快讯栏目的文章，新的在前；翻页在新快讯到来时保持稳定。",
    parameters=[filters.TAG_PARAMETER, filters.STOCK_PARAMETER, *filters.DATE_PARAMETERS],
)
class FlashListView(PublicMixin, generics.ListAPIView):
    serializer_class = serializers.ArticleSerializer
    pagination_class = pagination.ArticleCursorPagination

    def get_queryset(self):
        flashes = public_articles().filter(category__slug=listings.ROLLING_CATEGORY_SLUG)
        narrowed = filters.filter_articles(
            flashes, self.request.query_params, allow=("tag", "stock")
        )
        return for_listing(narrowed)


@extend_schema_view(
    list=extend_schema(summary="栏目列表", description="全部栏目，按导航菜单的顺序（不分页）。"),
    retrieve=extend_schema(summary="栏目详情", description="一个栏目。"),
)
class SectionViewSet(PublicMixin, viewsets.ReadOnlyModelViewSet):
    # A short list in menu order, answered whole: no pagination.

    queryset = Category.objects.order_by("position", "name")
    serializer_class = serializers.SectionSerializer
    pagination_class = None
    lookup_field = "slug"


class _ArticlesOf:
    # The `…/articles/` action of tags and securities: their articles, newest first.
    # (A comment, not a docstring: the schema would show a docstring as a description.)

    def _articles_page(self, articles):
        narrowed = filters.filter_articles(articles, self.request.query_params, allow=("section",))
        page = self.paginator_for_articles.paginate_queryset(
            for_listing(narrowed), self.request, view=self
        )
        data = serializers.ArticleSerializer(page, many=True, context=self.get_serializer_context())
        return self.paginator_for_articles.get_paginated_response(data.data)

    @property
    def paginator_for_articles(self):
        if not hasattr(self, "_articles_paginator"):
            self._articles_paginator = pagination.ArticleCursorPagination()
        return self._articles_paginator


_ARTICLES_OF_PARAMETERS = [filters.SECTION_PARAMETER, *filters.DATE_PARAMETERS]


@extend_schema_view(
    list=extend_schema(
        summary="标签列表", description="至少一篇已发布文章带有的标签，按名称排序。"
    ),
    retrieve=extend_schema(summary="标签详情", description="一个标签。"),
    articles=extend_schema(
        summary="标签下的文章",
        description="带这个标签的已发布文章，新的在前。",
        parameters=_ARTICLES_OF_PARAMETERS,
        responses=serializers.ArticleSerializer(many=True),
    ),
)
class TagViewSet(_ArticlesOf, PublicMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.TagSerializer
    pagination_class = pagination.TagCursorPagination
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"

    def get_queryset(self):
        return listings.public_tags()

    @action(detail=True, pagination_class=pagination.ArticleCursorPagination)
    def articles(self, request, slug=None):
        return self._articles_page(listings.tagged(public_articles(), self.get_object()))


_SYMBOL = OpenApiParameter(
    "symbol",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="市场代码.证券代码，例如 1.600519、116.00700、106.NIO。",
)


@extend_schema_view(
    list=extend_schema(
        summary="证券列表", description="至少一篇已发布文章提及的证券，按收录先后排序。"
    ),
    retrieve=extend_schema(
        summary="证券详情", description="一只证券；它的文章见 api_url。", parameters=[_SYMBOL]
    ),
    articles=extend_schema(
        summary="提及这只证券的文章",
        description="提及这只证券的已发布文章，新的在前。",
        parameters=[_SYMBOL, *_ARTICLES_OF_PARAMETERS],
        responses=serializers.ArticleSerializer(many=True),
    ),
)
class StockViewSet(_ArticlesOf, PublicMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.StockSerializer
    pagination_class = pagination.StockCursorPagination
    lookup_field = "symbol"
    lookup_value_regex = r"[0-9]{1,3}\.[^/]+"

    def get_queryset(self):
        return listings.public_stocks()

    def get_object(self):
        parsed = filters.split_symbol(self.kwargs["symbol"])
        if parsed is None:
            raise ValidationError({"symbol": [filters.STOCK_HINT]})
        return get_object_or_404(self.get_queryset(), market=parsed[0], code=parsed[1])

    @action(detail=True, pagination_class=pagination.ArticleCursorPagination)
    def articles(self, request, symbol=None):
        return self._articles_page(listings.mentioning(public_articles(), self.get_object()))


@extend_schema(
    summary="搜索",
    description=(
        "与网站搜索相同：标题含全部词的在前，其次含部分词的，其余在后，各自新的在前。"
        "只能向后翻页（previous 总是 null）；"
        "翻页以第一页的时刻为准，其后发布的文章不会插进后面的页。"
    ),
    parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True, description="搜索词。")],
)
class SearchView(PublicMixin, generics.ListAPIView):
    serializer_class = serializers.ArticleSerializer
    pagination_class = pagination.SearchPagination

    def get_queryset(self):
        query, terms = parse_query(self.request.query_params.get("q"))
        if not terms:
            raise ValidationError({"q": ["请输入搜索词（参数 q）。"]})
        as_of, after = self.paginator.start(self.request)
        return SearchResults(query, as_of=datetime.fromtimestamp(as_of, tz=UTC), after=after)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # SearchResults reads sections, tags and stocks with the page; the bylines too.
        prefetch_related_objects(page, "author__profile", "published_by__profile")
        return page


INDEX = {
    "articles": "api:article-list",
    "flashes": "api:flash-list",
    "sections": "api:section-list",
    "tags": "api:tag-list",
    "stocks": "api:stock-list",
    "search": "api:search",
    "schema": "api:schema",
    "docs": "api:docs",
}


@extend_schema(exclude=True)
class IndexView(PublicMixin, APIView):
    """`/api/v1/`: where everything is, for a person or a client finding its way."""

    def get(self, request):
        return Response({name: reverse(url, request=request) for name, url in INDEX.items()})


class DocsView(SpectacularSwaggerSplitView):
    """The human-readable docs: Swagger UI from our own static files (the sidecar), its
    start-up script a file of its own (`?script`), so the site's CSP needs no change."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
