"""The article admin: the list, the form, saving through articles.services.

The editorial rules (who may publish, what a writer may change) live in
`articles.workflow`; this module only asks them. Every write goes through
`articles.services`, so sanitizing, revisions, versions, slug redirects and the
caches stay consistent whichever button was pressed. Actions, revisions, the
form's endpoints, its edit lock, its autosave and the review workflow (提交审核,
定时发布, 消息) are mixins of their own modules; the sidebar's filters are in
`listfilters`."""

from django.contrib import admin, messages
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .. import images, services, signals, stocks, workflow
from ..editor import upload_image
from ..models import Article, Review, person_name
from .actions import ArticleActions, delete_selected_checked
from .autosave import ArticleAutosave
from .endpoints import ArticleFormEndpoints
from .flashdesk import FlashDesk
from .forms import THUMB_WIDTH, posted_version
from .listfilters import AuthorFilter, ReviewStateFilter, StockFilter, TagFilter
from .locking import ArticleLocking
from .review import ArticleReview, ReviewedArticleForm
from .revisions import ArticleRevisions


class PublicationStateFilter(admin.SimpleListFilter):
    """Draft / scheduled / published, from the queryset methods that define them."""

    title = "发布状态"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("draft", "草稿"), ("scheduled", "定时发布"), ("published", "已发布")]

    def queryset(self, request, queryset):
        if self.value() == "draft":
            return queryset.drafts()
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "published":
            return queryset.published()
        return queryset


@admin.register(Article)
class ArticleAdmin(
    ArticleActions,
    ArticleRevisions,
    ArticleFormEndpoints,
    ArticleLocking,
    ArticleAutosave,
    FlashDesk,
    ArticleReview,
    admin.ModelAdmin,
):
    form = ReviewedArticleForm
    list_display = [
        "title",
        "cover_thumbnail",
        "category",
        "author_column",
        "status_badge",
        "published_column",
        "tag_list",
        "is_published",
    ]
    list_filter = [
        PublicationStateFilter,
        ReviewStateFilter,
        AuthorFilter,
        "category",
        TagFilter,
        StockFilter,
        "published_at",
    ]
    list_select_related = ["category", "author__profile", "review"]
    search_fields = ["title", "slug", "body_source"]
    date_hierarchy = "published_at"
    readonly_fields = ["body_preview", "created_at", "updated_at", "legacy_key"]
    actions = ["publish", "republish_now", "schedule", "unpublish", "pin"]
    save_on_top = True
    # Editors paste bare hosts ("www.example.com"); assume https, the web's default now.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "slug", "category", "tags", "stock_codes"]}),
        ("正文", {"fields": ["body_source", "body_preview", "summary"]}),
        ("发布", {"fields": ["status", "published_at", "author", "important"]}),
        ("封面", {"fields": ["cover", "cover_alt"]}),
        (
            "来源",
            {"fields": ["source_name", "original_url", "legacy_key", "created_at", "updated_at"]},
        ),
    ]

    class Media:
        js = ["js/admin-slug.js", "articles/admin-pickers.js"]
        css = {"all": ["css/admin.css", "articles/admin-workflow.css"]}

    # -- permissions -----------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        # A writer sees published and scheduled articles read-only (workflow.can_edit).
        return super().has_change_permission(request, obj) and workflow.can_edit(request.user, obj)

    def has_publish_permission(self, request):
        """Guards the publish, schedule and unpublish actions (Django action permissions)."""
        return workflow.can_publish(request.user)

    # -- pages -----------------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # modelform_factory builds a new class on every call, so this is per request.
        form.user = request.user
        return form

    def get_urls(self):
        def view(func, **kwargs):
            return self.admin_site.admin_view(func, **kwargs)

        return [
            path("slug-preview/", view(self.slug_preview), name="articles_article_slug_preview"),
            path("stock-search/", view(self.stock_search), name="articles_article_stock_search"),
            path("tag-search/", view(self.tag_search), name="articles_article_tag_search"),
            path("upload-image/", view(upload_image), name="articles_article_upload_image"),
            path("preview/", view(self.preview_view), name="articles_article_preview"),
            path("flash/", view(self.flash_desk), name="articles_article_flash"),
            path("flash/stocks/", view(self.flash_stocks), name="articles_article_flash_stocks"),
            path("autosave/", view(self.autosave_view), name="articles_article_autosave_new"),
            path(
                "autosave/discard/",
                view(self.autosave_discard_view),
                name="articles_article_autosave_new_discard",
            ),
            path(
                "<path:object_id>/preview/",
                view(self.preview_view),
                name="articles_article_preview_change",
            ),
            path("<path:object_id>/lock/", view(self.lock_heartbeat), name="articles_article_lock"),
            path(
                "<path:object_id>/lock/release/",
                view(self.lock_release),
                name="articles_article_lock_release",
            ),
            path(
                "<path:object_id>/lock/take-over/",
                view(self.lock_take_over),
                name="articles_article_lock_take_over",
            ),
            path(
                "<path:object_id>/autosave/",
                view(self.autosave_view),
                name="articles_article_autosave",
            ),
            path(
                "<path:object_id>/autosave/discard/",
                view(self.autosave_discard_view),
                name="articles_article_autosave_discard",
            ),
            path(
                "<path:object_id>/revisions/",
                view(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<path:object_id>/revisions/<int:revision_id>/",
                view(self.revision_view),
                name="articles_article_revision",
            ),
            path(
                "<path:object_id>/revisions/<int:revision_id>/restore/",
                view(self.revision_restore),
                name="articles_article_revision_restore",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is None:
            context["preview_url"] = reverse("admin:articles_article_preview")
        else:
            context["preview_url"] = reverse("admin:articles_article_preview_change", args=[obj.pk])
            context["revisions_url"] = reverse("admin:articles_article_revisions", args=[obj.pk])
            # A form shown again with errors keeps the version it was first made from:
            # the editor's text is still based on that one, not on what is stored now.
            context["edit_version"] = posted_version(request.POST, "_version") or obj.version
            context.update(self._lock_context(request, obj))
        context.update(self._review_context(request, obj))
        context.update(self._autosave_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.StaleArticle as stale:
            # Django's view ran in a transaction, now rolled back: nothing was written.
            return self.conflict_response(request, stale)
        except services.TakedownRefused as exc:
            # A takedown the site could not show at once: refused, the form as it was.
            self.message_user(request, f"没有保存：{exc}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        services.article_delete(article_id=obj.pk, by=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            services.article_delete(article_id=article.pk, by=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions["delete_selected"] = (delete_selected_checked, name, description)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except services.TakedownRefused as exc:
            self.message_user(request, f"没有删除：{exc}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        # Django drops actions a user may not run from the menu, and for a writer the
        # list has no actions at all, so a forged POST would pass silently: refuse it.
        requested = set(request.POST.getlist("action")) if request.method == "POST" else set()
        if requested & {
            "publish",
            "republish_now",
            "schedule",
            "unpublish",
        } and not workflow.can_publish(request.user):
            self.message_user(request, "您没有发布权限：所选文章没有任何改动。", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)

    # -- saving ----------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        """Everything the form holds, in one service call (articles.services.article_save).

        The article, its tags and its stocks are written together and recorded as one
        revision; a form made from an older version raises StaleArticle, which
        `changeform_view` turns into the conflict page.
        """
        if not change and obj.author_id is None:
            obj.author = request.user
        stored = (
            Article.objects.filter(pk=obj.pk).only("status", "published_at").first()
            if change
            else None
        )
        decision = form.decision  # a decision button (admin/review.py), or None
        if decision is not None:
            # The decision sets the status and time; the form's fields for them wait.
            obj.status = stored.status if stored else Article.Status.DRAFT
            obj.published_at = stored.published_at if stored else obj.published_at
        forced = workflow.enforce_status(request.user, obj, stored)
        requested = request.POST.get("status", obj.status)
        if decision is None and (
            forced or requested not in workflow.allowed_statuses(request.user, stored)
        ):
            self.message_user(
                request,
                "您没有发布权限：文章已保存为草稿，没有发布。请编辑审核后发布。",
                messages.WARNING,
            )
        if form.slug_note:
            self.message_user(request, form.slug_note, messages.INFO)
        typed = form.cleaned_data.get("stock_codes")
        services.article_save(
            article=obj,
            by=request.user,
            tags=form.cleaned_data.get("tags") if "tags" in form.cleaned_data else None,
            stocks=stocks.save_new_stocks(typed) if typed is not None else None,
            expected_version=posted_version(request.POST, "_version") if change else None,
        )
        self._autosave_saved(request, obj, change)
        if "cover" in form.changed_data:
            self._build_cover_renditions(request, obj)
            if obj.cover and obj.cover_renditions:
                upload = form.cleaned_data.get("cover")
                signals.image_stored.send(
                    sender=Article,
                    name=obj.cover.name,
                    renditions=obj.cover_renditions,
                    alt=obj.cover_alt,
                    by=request.user,
                    original_name=getattr(upload, "name", "") or "",
                )
        if decision is not None:
            self._apply_decision(request, obj, decision)

    def save_related(self, request, form, formsets, change):
        # Tags and stocks were written by save_model's service call, with the article.
        pass

    def _build_cover_renditions(self, request, obj):
        """Make the cover's sizes once, now that the upload is stored (see articles.images)."""
        try:
            renditions = images.build_renditions(obj.cover) if obj.cover else {}
        except images.ImageProcessingError as exc:
            # The article is saved; pages fall back to the original until the next save.
            renditions = {}
            self.message_user(
                request, f"封面图已保存，但生成各尺寸图片失败：{exc.message}", messages.WARNING
            )
        if renditions != obj.cover_renditions:
            obj.cover_renditions = renditions
            # Derived from the cover the revision already holds: no revision of its own.
            obj.save(update_fields=["cover_renditions"], record_revision=False)

    # -- list columns ----------------------------------------------------------------

    @admin.display(description="封面")
    def cover_thumbnail(self, obj):
        thumb = (obj.cover_renditions or {}).get("thumb") or {}
        src = thumb.get("jpeg") or thumb.get("webp")
        if src:
            width, height = thumb.get("width"), thumb.get("height")
            shown = round(THUMB_WIDTH * height / width) if width and height else ""
            return format_html(
                '<img class="cover-thumb" src="{}" width="{}" height="{}" alt="" loading="lazy">',
                src,
                THUMB_WIDTH,
                shown,
            )
        if obj.cover:
            return format_html(
                '<img class="cover-thumb" src="{}" width="{}" alt="" loading="lazy">',
                obj.cover.url,
                THUMB_WIDTH,
            )
        return self.get_empty_value_display()

    @admin.display(description="状态", ordering="status")
    def status_badge(self, obj):
        if obj.is_scheduled:
            label, css = "定时发布", "scheduled"
        elif obj.status == Article.Status.PUBLISHED:
            label, css = "已发布", "published"
        elif (review := _review_of(obj)) is not None:
            # Still a draft to readers; to the desk, a piece waiting or sent back.
            label, css = review.get_state_display(), f"review-{review.state}"
        else:
            label, css = "草稿", "draft"
        # The row's version rides in this cell, inside the list's form: an action posted
        # from this list is checked against it (see "bulk actions" below).
        return format_html(
            '<span class="status-badge status-{}">{}</span>'
            '<input type="hidden" name="_version_{}" value="{}">',
            css,
            label,
            obj.pk,
            obj.version,
        )

    @admin.display(description="发布时间", ordering="published_at")
    def published_column(self, obj):
        # Date over time: one short column instead of "2026年12月3日 14:21" on one line,
        # so the list fits 1280 px beside the filters (static/css/admin.css).
        local = timezone.localtime(obj.published_at)
        return format_html(
            '{}<br><span class="time">{}</span>', f"{local:%Y-%m-%d}", f"{local:%H:%M}"
        )

    @admin.display(description="作者", ordering="author")
    def author_column(self, obj):
        if obj.author is None:
            return self.get_empty_value_display()
        return person_name(obj.author) or obj.author.get_username()

    @admin.display(description="标签")
    def tag_list(self, obj):
        # Each tag stays whole; the list wraps between tags, not inside one.
        return format_html_join(
            "、", '<span class="tag">{}</span>', ((t.name,) for t in obj.tags.all())
        )

    @admin.display(description="发布后的样子（已清理）")
    def body_preview(self, obj):
        if not obj.pk:
            return "保存后显示清理后的正文。"
        # body_html is the sanitizer's output, which is safe to render by construction.
        return format_html('<div class="body-preview">{}</div>', mark_safe(obj.body_html))

    @admin.display(description="相关证券")
    def stock_codes(self, obj):
        """The read-only form of the field (a writer looking at a published article)."""
        return stocks.format_stock_codes(obj.ordered_stocks()) or self.get_empty_value_display()


def _review_of(article):
    """The article's Review (select_related by the list), or None when it has none."""
    try:
        return article.review
    except Review.DoesNotExist:
        return None
