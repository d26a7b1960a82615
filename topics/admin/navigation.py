"""导航菜单 in the admin: the site menu's items, ordered by a 顺序 number (no dragging)."""

from django.contrib import admin, messages

from .. import services
from ..models import NavItem
from .forms import NavItemForm


@admin.register(NavItem)
class NavItemAdmin(admin.ModelAdmin):
    form = NavItemForm
    list_display = ["name", "target", "position", "visible"]
    list_display_links = ["name"]
    list_editable = ["position", "visible"]
    list_select_related = ["category", "topic"]
    list_filter = ["visible"]
    search_fields = ["label", "path", "category__name", "topic__title"]

    @admin.display(description="名称")
    def name(self, item):
        return item.name

    @admin.display(description="链接到")
    def target(self, item):
        if item.category_id:
            return f"栏目：{item.category.name}（{item.url}）"
        if item.topic_id:
            return f"专题：{item.topic.title}（{item.url}）"
        return f"站内地址：{item.path}"

    def save_model(self, request, obj, form, change):
        seeded = services.nav_item_save(item=obj)
        if seeded:
            self.message_user(
                request,
                "菜单原来显示全部栏目：这些栏目已作为菜单项加入（顺序 10、20、30……），"
                "您可以在列表里调整顺序或取消显示。",
                messages.INFO,
            )

    def delete_model(self, request, obj):
        services.nav_item_delete(item=obj)

    def delete_queryset(self, request, queryset):
        for item in queryset:
            services.nav_item_delete(item=item)
