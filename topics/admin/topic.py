"""专题 in the admin: title, intro, cover, the chosen articles in order, and the rules."""

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.utils.html import format_html

from articles import images

from .. import services
from ..models import Topic, TopicEntry
from ..models.topic import MAX_ENTRIES
from .forms import TopicAdminForm


class TopicEntryInline(admin.TabularInline):
    model = TopicEntry
    fields = ["article", "position", "article_state"]
    readonly_fields = ["article_state"]
    autocomplete_fields = ["article"]
    extra = 1
    max_num = MAX_ENTRIES
    verbose_name = "精选文章"
    verbose_name_plural = "精选文章（按“顺序”从小到大排在专题最前面；未发布的文章发布后才显示）"

    @admin.display(description="状态")
    def article_state(self, entry):
        if not entry.pk:
            return ""
        if entry.article.is_published():
            return "已发布"
        return "定时发布" if entry.article.is_scheduled else "草稿（读者看不到）"


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = TopicAdminForm
    inlines = [TopicEntryInline]
    list_display = ["title", "public_link", "entry_count", "rules", "updated_at"]
    search_fields = ["title", "slug", "intro"]
    date_hierarchy = "updated_at"
    fieldsets = [
        (None, {"fields": ["title", "slug", "intro", "seen_version"]}),
        ("封面", {"fields": ["cover", "cover_alt"]}),
        ("自动收录规则", {"fields": ["rule_tag_names", "rule_stock_codes"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_entries=Count("entries", distinct=True))
            .prefetch_related("rule_tags", "rule_stocks")
        )

    @admin.display(description="专题页")
    def public_link(self, topic):
        url = topic.get_absolute_url()
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description="精选文章", ordering="_entries")
    def entry_count(self, topic):
        return topic._entries

    @admin.display(description="收录规则")
    def rules(self, topic):
        parts = [f"标签：{t.name}" for t in topic.rule_tags.all()]
        parts += [f"证券：{s}" for s in topic.rule_stocks.all()]
        return "；".join(parts) or "—"

    # -- saving: one service call with everything the form and its inline hold ----------

    def save_model(self, request, obj, form, change):
        # Written by save_related, with the chosen articles, in one service call.
        pass

    def save_related(self, request, form, formsets, change):
        chosen = []
        for formset in formsets:
            if formset.model is not TopicEntry:
                continue
            for index, entry_form in enumerate(formset.forms):
                data = getattr(entry_form, "cleaned_data", None) or {}
                if data.get("article") and not data.get("DELETE"):
                    chosen.append((data.get("position") or 0, index, data["article"]))
        cover_changed = "cover" in form.changed_data
        services.topic_save(
            topic=form.instance,
            articles=[article for _, _, article in sorted(chosen, key=lambda c: c[:2])],
            rule_tags=form.cleaned_data["rule_tag_names"],
            rule_stocks=form.cleaned_data["rule_stock_codes"],
            expected_version=form.cleaned_data.get("seen_version") if change else None,
        )
        if cover_changed:
            try:
                services.topic_build_renditions(topic=form.instance)
            except images.ImageProcessingError as exc:
                self.message_user(
                    request, f"封面图已保存，但生成各尺寸图片失败：{exc.message}", messages.WARNING
                )

    def construct_change_message(self, request, form, formsets, add=False):
        # The inline's rows are written by the service, not by formset.save(), which is
        # what Django's message reads; the history says what the form changed.
        message = super().construct_change_message(request, form, None, add)
        if any(formset.has_changed() for formset in formsets or ()):
            message.append({"changed": {"fields": ["精选文章"]}})
        return message

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.StaleTopic:
            # Someone saved between the form's check and the write (the form's own check
            # catches the rest with the text still in the form).
            self.message_user(
                request, "保存冲突：别人刚刚保存了这个专题，您的修改没有保存。", messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        services.topic_delete(topic=obj)

    def delete_queryset(self, request, queryset):
        for topic in queryset:
            services.topic_delete(topic=topic)
