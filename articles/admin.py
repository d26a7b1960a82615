"""The newsroom's editing desk: the Django admin, in Chinese."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.http import JsonResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .models import Article, ArticleStock, Category, StockReference
from .text import slug_from_title


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "article_count"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("articles"))

    @admin.display(description="文章数", ordering="_article_count")
    def article_count(self, obj):
        return obj._article_count


@admin.register(StockReference)
class StockReferenceAdmin(admin.ModelAdmin):
    list_display = ["symbol", "name", "exchange", "quote_link"]
    list_filter = ["market"]
    # Also what the article form's stock autocomplete searches.
    search_fields = ["code", "name"]
    ordering = ["market", "code"]

    @admin.display(description="交易所", ordering="market")
    def exchange(self, obj):
        return obj.exchange_label

    @admin.display(description="行情")
    def quote_link(self, obj):
        return format_html('<a href="{}" rel="noopener">东方财富</a>', obj.quote_url)


class ArticleStockInline(admin.TabularInline):
    model = ArticleStock
    autocomplete_fields = ["stock"]
    fields = ["stock", "position"]
    extra = 1
    verbose_name = "相关证券"
    verbose_name_plural = "相关证券（按提及顺序）"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "status_badge", "published_at", "tag_list", "is_published"]
    list_filter = ["status", "category", "published_at"]
    list_select_related = ["category"]
    search_fields = ["title", "body_source"]
    date_hierarchy = "published_at"
    inlines = [ArticleStockInline]
    readonly_fields = ["body_preview", "created_at", "updated_at", "legacy_key"]
    actions = ["publish", "unpublish"]
    save_on_top = True
    # Editors paste bare hosts ("www.example.com"); assume https, the web's default now.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "slug", "category", "tags"]}),
        ("正文", {"fields": ["body_source", "body_preview", "summary"]}),
        ("发布", {"fields": ["status", "published_at", "author"]}),
        ("封面", {"fields": ["cover", "cover_alt"]}),
        (
            "来源",
            {"fields": ["source_name", "original_url", "legacy_key", "created_at", "updated_at"]},
        ),
    ]

    class Media:
        js = ["js/admin-slug.js"]
        css = {"all": ["css/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def get_urls(self):
        return [
            path(
                "slug-preview/",
                self.admin_site.admin_view(self.slug_preview),
                name="articles_article_slug_preview",
            ),
            *super().get_urls(),
        ]

    def slug_preview(self, request):
        """The slug the server would generate for a title, for the form's live prefill."""
        return JsonResponse({"slug": slug_from_title(request.GET.get("title", ""))})

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="状态", ordering="status")
    def status_badge(self, obj):
        if obj.is_scheduled:
            label, css = "定时发布", "scheduled"
        elif obj.status == Article.Status.PUBLISHED:
            label, css = "已发布", "published"
        else:
            label, css = "草稿", "draft"
        return format_html('<span class="status-badge status-{}">{}</span>', css, label)

    @admin.display(description="标签")
    def tag_list(self, obj):
        return format_html_join("、", "{}", ((t.name,) for t in obj.tags.all()))

    @admin.display(description="发布后的样子（已清理）")
    def body_preview(self, obj):
        if not obj.pk:
            return "保存后显示清理后的正文。"
        # body_html is the sanitizer's output, which is safe to render by construction.
        return format_html('<div class="body-preview">{}</div>', mark_safe(obj.body_html))

    def _set_status(self, request, queryset, status, verb):
        # Each article goes through save(), the one write path, rather than
        # queryset.update(), so derived fields and signals stay consistent.
        count = 0
        for article in queryset:
            if article.status != status:
                article.status = status
                article.save()
                count += 1
        self.message_user(request, f"已{verb} {count} 篇文章。", messages.SUCCESS)

    @admin.action(description="发布所选文章")
    def publish(self, request, queryset):
        self._set_status(request, queryset, Article.Status.PUBLISHED, "发布")

    @admin.action(description="撤回所选文章（改为草稿）")
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, Article.Status.DRAFT, "撤回")
