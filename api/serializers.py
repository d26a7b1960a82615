"""The JSON shapes. Field names are the API's promise to its clients: add, never rename.

- Times are ISO 8601 in China time with the offset, to the second
  (`2024-05-01T09:30:00+08:00`).
- Every `url` is the absolute address of the public page; `api_url` is the API's
  own answer for the item, `articles_api_url` the API's list of its articles.
- People appear only by the name they publish under (`Article.byline`,
  `editor_name`), never by their login name.
- `body_html` is the sanitized body (`Article.body_html`, derived on every save);
  what was typed (`body_source`) never leaves the admin.
"""

import re

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles import chinatime, listings
from articles.models import Article, Category, StockReference


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


class ChinaDateTimeField(serializers.DateTimeField):
    def to_representation(self, value):
        return timezone.localtime(value, chinatime.CHINA).isoformat(timespec="seconds")


# A root-relative address in an attribute of the sanitized body ("/media/…",
# "/article/…"). The sanitizer writes every attribute in double quotes.
_ROOT_RELATIVE = re.compile(r'(\s(?:href|src)=")(/(?!/)[^"]*)"')


def absolute_links(html: str, request) -> str:
    """`html` with its root-relative links and images made absolute: an app or a partner
    page shows the body away from this site, where "/media/x.jpg" means nothing."""
    base = request.build_absolute_uri("/").rstrip("/")
    return _ROOT_RELATIVE.sub(lambda m: f'{m.group(1)}{base}{m.group(2)}"', html)


class SectionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="栏目页的网址。")
    articles_api_url = serializers.SerializerMethodField(help_text="本栏目文章列表的 API 地址。")
    is_flash = serializers.SerializerMethodField(help_text="是否 7×24 快讯栏目。")

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "url", "articles_api_url", "is_flash"]

    def get_url(self, section) -> str:
        return absolute(self.context["request"], section.get_absolute_url())

    def get_articles_api_url(self, section) -> str:
        path = reverse("api:article-list") + f"?section={section.slug}"
        return absolute(self.context["request"], path)

    def get_is_flash(self, section) -> bool:
        return section.slug == listings.ROLLING_CATEGORY_SLUG


class SectionRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, section) -> str:
        return absolute(self.context["request"], section.get_absolute_url())


class TagSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="标签页的网址。")
    articles_api_url = serializers.SerializerMethodField(
        help_text="带这个标签的文章列表的 API 地址。"
    )

    def get_url(self, tag) -> str:
        return absolute(self.context["request"], reverse("articles:tag", args=[tag.slug]))

    def get_articles_api_url(self, tag) -> str:
        return absolute(self.context["request"], reverse("api:tag-articles", args=[tag.slug]))


class StockSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(help_text="市场代码.证券代码，例如 1.600519。")
    exchange = serializers.CharField(source="exchange_label", help_text="交易所或板块。")
    url = serializers.SerializerMethodField(help_text="证券页的网址。")
    articles_api_url = serializers.SerializerMethodField(
        help_text="提及这只证券的文章列表的 API 地址。"
    )

    class Meta:
        model = StockReference
        fields = ["symbol", "market", "code", "name", "exchange", "url", "articles_api_url"]

    def get_url(self, stock) -> str:
        return absolute(self.context["request"], stock.get_absolute_url())

    def get_articles_api_url(self, stock) -> str:
        path = reverse("api:stock-articles", args=[stock.symbol])
        return absolute(self.context["request"], path)


class CoverSerializer(serializers.Serializer):
    url = serializers.CharField()
    alt = serializers.CharField()


class ArticleSerializer(serializers.ModelSerializer):
    """An article as lists show it: everything but the body."""

    url = serializers.SerializerMethodField(help_text="文章页的网址。")
    api_url = serializers.SerializerMethodField(help_text="本文详情（含正文）的 API 地址。")
    summary = serializers.CharField(source="excerpt", help_text="列表摘要（纯文本）。")
    section = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    stocks = serializers.SerializerMethodField(help_text="提及的证券，按提及顺序。")
    byline = serializers.CharField(help_text="作者署名；没有则为空。")
    editor = serializers.CharField(source="editor_name", help_text="责任编辑；没有则为空。")
    source = serializers.CharField(source="source_name", help_text="来源，例如 证券日报。")
    important = serializers.BooleanField(help_text="加红（重要快讯）。")
    cover = serializers.SerializerMethodField()
    published_at = ChinaDateTimeField(help_text="发布时间（北京时间）。")
    updated_at = ChinaDateTimeField(help_text="最后修改时间（北京时间）。")

    class Meta:
        model = Article
        fields = [
            "id",
            "slug",
            "title",
            "url",
            "api_url",
            "summary",
            "section",
            "tags",
            "stocks",
            "byline",
            "editor",
            "source",
            "original_url",
            "important",
            "cover",
            "published_at",
            "updated_at",
        ]

    def get_url(self, article) -> str:
        return absolute(self.context["request"], article.get_absolute_url())

    def get_api_url(self, article) -> str:
        return absolute(self.context["request"], reverse("api:article-detail", args=[article.pk]))

    @extend_schema_field(SectionRefSerializer)
    def get_section(self, article):
        return SectionRefSerializer(article.category, context=self.context).data

    @extend_schema_field(TagSerializer(many=True))
    def get_tags(self, article):
        tags = sorted(article.tag_list(), key=lambda tag: tag.name)
        return TagSerializer(tags, many=True, context=self.context).data

    @extend_schema_field(StockSerializer(many=True))
    def get_stocks(self, article):
        return StockSerializer(article.ordered_stocks(), many=True, context=self.context).data

    @extend_schema_field(CoverSerializer(allow_null=True))
    def get_cover(self, article):
        if not article.cover:
            return None
        url = absolute(self.context["request"], article.cover.url)
        return {"url": url, "alt": article.cover_alt or article.title}


class ArticleDetailSerializer(ArticleSerializer):
    """One article, with its sanitized body."""

    body_html = serializers.SerializerMethodField(
        help_text="正文 HTML（已按白名单清理；站内链接和图片为绝对地址）。"
    )

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "body_html"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_body_html(self, article):
        return absolute_links(article.body_html, self.context["request"])
