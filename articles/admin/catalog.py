"""Sections and securities in the admin: small lists an editor keeps in order."""

from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from ..models import Category, StockReference
from .forms import CategoryForm, StockReferenceForm


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
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
    form = StockReferenceForm
    list_display = ["symbol", "name", "exchange", "quote_link"]
    list_filter = ["market"]
    # Initials too: the desk looks 贵州茅台 up as gzmt everywhere else.
    search_fields = ["code", "name", "^name_initials"]
    ordering = ["market", "code"]

    @admin.display(description="交易所", ordering="market")
    def exchange(self, obj):
        return obj.exchange_label

    @admin.display(description="行情")
    def quote_link(self, obj):
        return format_html('<a href="{}" rel="noopener">东方财富</a>', obj.quote_url)
