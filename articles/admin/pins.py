"""头条与置顶 in the admin: which story leads home or a section, and which stay on top,
until when. Only editors (and superusers) have the permissions (migration 0012)."""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from ..models import Pin

DEFAULT_HOURS = 24


class PinForm(forms.ModelForm):
    class Meta:
        model = Pin
        fields = ["kind", "category", "article", "position", "starts_at", "expires_at"]


@admin.register(Pin)
class PinAdmin(admin.ModelAdmin):
    form = PinForm
    list_display = ["place", "kind", "article", "position", "starts_at", "expires_at", "state"]
    list_filter = ["kind", "category"]
    list_select_related = ["article", "category"]
    autocomplete_fields = ["article"]
    date_hierarchy = "expires_at"

    @admin.display(description="位置", ordering="category")
    def place(self, pin):
        return pin.place_label

    @admin.display(description="状态")
    def state(self, pin):
        now = timezone.now()
        if pin.expires_at <= now:
            return "已到期"
        if pin.starts_at > now:
            return "未开始"
        if not pin.article.is_published():
            return format_html('<span title="{}">文章未发布</span>', "文章发布后才会显示")
        return "生效中"

    def get_changeform_initial_data(self, request):
        # From the article list's "设为头条或置顶…": the article comes in the query.
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("expires_at", timezone.now() + timedelta(hours=DEFAULT_HOURS))
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
