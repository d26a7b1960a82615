"""The newsroom's editing desk: the Django admin, in Chinese.

The editorial rules (who may publish, what a writer may change) live in
`articles.workflow`; this module only asks them. Every write goes through
`Article.save()`, so sanitizing, the search index, slug redirects and revisions
stay consistent whichever button was pressed.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from . import images, stocks, workflow
from .editor import RichTextWidget, upload_image
from .models import Article, Category, Revision, StockReference
from .text import slug_from_title
from .views import ArticleDetailView

# Width of the cover thumbnail in the article list, in CSS pixels.
THUMB_WIDTH = 64


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
    search_fields = ["code", "name"]
    ordering = ["market", "code"]

    @admin.display(description="交易所", ordering="market")
    def exchange(self, obj):
        return obj.exchange_label

    @admin.display(description="行情")
    def quote_link(self, obj):
        return format_html('<a href="{}" rel="noopener">东方财富</a>', obj.quote_url)


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


def _formfield(db_field, **kwargs):
    # Editors paste bare hosts ("www.example.com"); assume https, the web's default now.
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ArticleAdminForm(forms.ModelForm):
    """The article form, with the securities typed as codes and the status by role.

    `user` is set by `ArticleAdmin.get_form` on the class it builds for each request.
    """

    stock_codes = forms.CharField(
        label="相关证券",
        required=False,
        max_length=2000,
        widget=forms.TextInput(
            attrs={
                "class": "vLargeTextField stock-codes",
                "autocomplete": "off",
                "placeholder": "106.NIO, 116.09866, 600519, 贵州茅台",
            }
        ),
        help_text=(
            "按提及顺序填写代码或名称，用逗号或空格分隔。6 位 A 股代码和 5 位港股代码"
            "会自动判断交易所；美股请写明交易所：105.（纳斯达克）、106.（纽交所）、"
            "107.（美交所），例如 106.NIO。新代码会自动收录。"
        ),
    )
    user = None

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "category",
            "tags",
            "body_source",
            "summary",
            "status",
            "published_at",
            "author",
            "cover",
            "cover_alt",
            "source_name",
            "original_url",
        ]
        widgets = {"body_source": RichTextWidget}
        # The admin builds its own form class with formfield_overrides; this one is
        # only for the fields made when this class is defined.
        formfield_callback = staticmethod(_formfield)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            links = self.instance.stock_links.select_related("stock").order_by("position")
            self.initial["stock_codes"] = stocks.format_stock_codes(link.stock for link in links)
        if "stock_codes" in self.fields:
            self.fields["stock_codes"].widget.attrs["data-search-url"] = reverse(
                "admin:articles_article_stock_search"
            )
        status = self.fields.get("status")
        if status is not None and not workflow.can_publish(self.user):
            # A disabled field ignores whatever a POST says, so a writer's forged
            # "published" can never reach the instance; save_model tells them.
            allowed = workflow.allowed_statuses(self.user, self.instance)
            status.choices = [(v, label) for v, label in status.choices if v in allowed]
            status.disabled = True
            status.help_text = (
                "只有编辑可以发布或定时发布。您保存的文章都是草稿，写好后请编辑审核发布。"
            )

    def clean_cover(self):
        cover = self.cleaned_data.get("cover")
        # Only a new upload is checked (type by content, size, bombs); a kept cover is
        # the stored file, which passed when it came in.
        if isinstance(cover, UploadedFile):
            images.validate_image_upload(cover)
        return cover

    def _post_clean(self):
        super()._post_clean()
        # Write a new cover to the media storage now, not during the model save: a full
        # disk or a read-only media folder is then a form error and nothing is saved.
        # Not for a preview (ArticleAdmin.preview_view sets `previewing`): whatever is
        # written under /media/ is public, and a preview must leave nothing behind.
        if not self.errors and not getattr(self, "previewing", False):
            try:
                images.store_field_upload(self.instance.cover)
            except images.ImageProcessingError as exc:
                self.add_error("cover", exc.message)

    def clean_stock_codes(self):
        tokens = stocks.parse_stock_codes(self.cleaned_data["stock_codes"])
        may_create = self.user is None or self.user.has_perm("articles.add_stockreference")
        return stocks.resolve_stocks(tokens, may_create=may_create)


class ScheduleForm(forms.Form):
    """The intermediate page of the "定时发布…" action."""

    published_at = forms.SplitDateTimeField(
        label="发布时间", widget=AdminSplitDateTime, help_text="北京时间，必须在将来。"
    )

    def clean_published_at(self):
        when = self.cleaned_data["published_at"]
        error = workflow.validate_schedule_time(when)
        if error:
            raise forms.ValidationError(error)
        return when


def _next_full_hour():
    now = timezone.localtime()
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "cover_thumbnail",
        "category",
        "status_badge",
        "published_at",
        "tag_list",
        "is_published",
    ]
    list_filter = [PublicationStateFilter, "category", "published_at"]
    list_select_related = ["category"]
    search_fields = ["title", "slug", "body_source"]
    date_hierarchy = "published_at"
    readonly_fields = ["body_preview", "created_at", "updated_at", "legacy_key"]
    actions = ["publish", "schedule", "unpublish"]
    save_on_top = True
    # Editors paste bare hosts ("www.example.com"); assume https, the web's default now.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "slug", "category", "tags", "stock_codes"]}),
        ("正文", {"fields": ["body_source", "body_preview", "summary"]}),
        ("发布", {"fields": ["status", "published_at", "author"]}),
        ("封面", {"fields": ["cover", "cover_alt"]}),
        (
            "来源",
            {"fields": ["source_name", "original_url", "legacy_key", "created_at", "updated_at"]},
        ),
    ]

    class Media:
        js = ["js/admin-slug.js", "articles/admin-stocks.js"]
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
            path("upload-image/", view(upload_image), name="articles_article_upload_image"),
            path("preview/", view(self.preview_view), name="articles_article_preview"),
            path(
                "<path:object_id>/preview/",
                view(self.preview_view),
                name="articles_article_preview_change",
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
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        # Django drops actions a user may not run from the menu, and for a writer the
        # list has no actions at all, so a forged POST would pass silently: refuse it.
        requested = set(request.POST.getlist("action")) if request.method == "POST" else set()
        if requested & {"publish", "schedule", "unpublish"} and not workflow.can_publish(
            request.user
        ):
            self.message_user(request, "您没有发布权限：所选文章没有任何改动。", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)

    # -- saving ----------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        stored = Article.objects.filter(pk=obj.pk).only("status").first() if change else None
        forced = workflow.enforce_status(request.user, obj, stored)
        requested = request.POST.get("status", obj.status)
        if forced or requested not in workflow.allowed_statuses(request.user, stored):
            self.message_user(
                request,
                "您没有发布权限：文章已保存为草稿，没有发布。请编辑审核后发布。",
                messages.WARNING,
            )
        obj._revision_author = request.user
        super().save_model(request, obj, form, change)
        if "cover" in form.changed_data:
            self._build_cover_renditions(request, obj)

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
            obj.save(update_fields=["cover_renditions"])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        typed = form.cleaned_data.get("stock_codes")
        if typed is None:
            return
        if typed or (change and "stock_codes" in form.changed_data):
            form.instance.set_stocks(stocks.save_new_stocks(typed))

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

    @admin.display(description="相关证券")
    def stock_codes(self, obj):
        """The read-only form of the field (a writer looking at a published article)."""
        return stocks.format_stock_codes(obj.ordered_stocks()) or self.get_empty_value_display()

    # -- bulk actions ----------------------------------------------------------------

    def _save_each(self, request, articles, message, **values):
        """Set `values` on each article and save it: save() is the one write path."""
        for article in articles:
            for field, value in values.items():
                setattr(article, field, value)
            article._revision_author = request.user
            article.save()
            self.log_change(request, article, message)
        return len(articles)

    @admin.action(description="立即发布", permissions=["publish"])
    def publish(self, request, queryset):
        # Articles already live keep their date: "publish now" must not re-date them.
        pending = [a for a in queryset if not a.is_published()]
        count = self._save_each(
            request,
            pending,
            "立即发布",
            status=Article.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        skipped = len(queryset) - count
        note = f"（{skipped} 篇本来就已发布，未改动）" if skipped else ""
        self.message_user(request, f"已发布 {count} 篇文章{note}。", messages.SUCCESS)

    @admin.action(description="撤回（改为草稿）", permissions=["publish"])
    def unpublish(self, request, queryset):
        live = [a for a in queryset if a.status == Article.Status.PUBLISHED]
        count = self._save_each(request, live, "撤回为草稿", status=Article.Status.DRAFT)
        self.message_user(request, f"已撤回 {count} 篇文章，改为草稿。", messages.SUCCESS)

    @admin.action(description="定时发布…", permissions=["publish"])
    def schedule(self, request, queryset):
        """Like Django's delete confirmation: a page asks for the time, then applies it."""
        if "apply" in request.POST:
            form = ScheduleForm(request.POST)
            if form.is_valid():
                when = form.cleaned_data["published_at"]
                label = f"{timezone.localtime(when):%Y-%m-%d %H:%M}"
                count = self._save_each(
                    request,
                    list(queryset),
                    f"定时于 {label} 发布",
                    status=Article.Status.PUBLISHED,
                    published_at=when,
                )
                self.message_user(
                    request, f"已将 {count} 篇文章定时于 {label} 发布。", messages.SUCCESS
                )
                return None
        else:
            form = ScheduleForm(initial={"published_at": _next_full_hour()})
        context = {
            **self.admin_site.each_context(request),
            "title": "定时发布",
            "opts": self.opts,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/schedule.html", context)

    # -- JSON endpoints for the form's scripts ---------------------------------------

    def slug_preview(self, request):
        """The slug the server would generate for a title, for the form's live prefill."""
        return JsonResponse({"slug": slug_from_title(request.GET.get("title", ""))})

    def stock_search(self, request):
        """Up to 10 securities by code or name, for the 相关证券 field's suggestions."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        found = stocks.search_stocks(request.GET.get("q", ""))
        return JsonResponse(
            {
                "results": [
                    {
                        "symbol": s.symbol,
                        "name": s.name,
                        "exchange": s.exchange_label,
                        "label": str(s),
                    }
                    for s in found
                ]
            }
        )

    # -- preview -----------------------------------------------------------------------

    def _article_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("没有这篇文章")
        return obj

    def preview_view(self, request, object_id=None):
        """The public article page for what the form holds now, saved or not; never saves.

        GET on a saved article goes to its public URL, the staff preview of what is
        stored. POST (the form's 预览 button) binds the form like a save would, then
        renders the unsaved result with the public template and the preview banner.
        """
        obj = self._article_or_404(request, object_id) if object_id is not None else None
        if request.method == "GET" and obj is not None:
            if not self.has_view_or_change_permission(request, obj):
                raise PermissionDenied
            return HttpResponseRedirect(obj.get_absolute_url())
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        allowed = (
            self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        stored_cover = obj.cover if obj else None
        form_class = self.get_form(request, obj, change=obj is not None)
        form = form_class(request.POST, request.FILES, instance=obj)
        form.previewing = True
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": "无法预览",
                "opts": self.opts,
                "original": obj,
                "form": form,
            }
            return TemplateResponse(request, "admin/articles/article/preview_invalid.html", context)
        article = form.instance
        inline = None
        if isinstance(form.cleaned_data.get("cover"), UploadedFile):
            # A new cover is shown from the page itself, as a small stripped copy in a
            # data: URI (the CSP's img-src allows data:): nothing is stored, no metadata
            # reaches the page, and the editor sees the picture they chose.
            try:
                inline = images.inline_preview(form.cleaned_data["cover"])
            except images.ImageProcessingError:
                inline = None  # undecodable after all: show the stored cover
        if inline is None:
            article.cover = stored_cover
        else:
            article.cover, article.cover_renditions = inline, inline.renditions
        article.derive_fields()
        preview = workflow.ArticlePreview(
            article,
            tag_names=form.cleaned_data.get("tags") or [],
            stocks=form.cleaned_data.get("stock_codes") or [],
        )
        # The public detail view's own context, so the page is the one readers get.
        view = ArticleDetailView()
        view.setup(request)
        view.object = preview
        context = view.get_context_data(object=preview)
        context.update(is_preview=True, preview_unsaved=True)
        response = TemplateResponse(request, view.template_name, context)
        # Never cached, never indexed: it is somebody's unpublished text.
        response["X-Robots-Tag"] = "noindex"
        return response

    # -- revisions ---------------------------------------------------------------------

    def _revision_context(self, request, obj, title):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": str(obj),
            "opts": self.opts,
            "original": obj,
            "has_change_permission": self.has_change_permission(request, obj),
        }

    def revisions_view(self, request, object_id):
        """修订历史: who changed the text when, newest first."""
        obj = self._article_or_404(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        revisions = list(obj.revisions.select_related("author"))
        current = next((r for r in revisions if r.same_text_as(obj)), None)
        context = {
            **self._revision_context(request, obj, "修订历史"),
            "revisions": revisions,
            "current_revision": current,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/revision_list.html", context)

    def revision_view(self, request, object_id, revision_id):
        """One revision against the current text, as an escaped line-by-line diff."""
        obj = self._article_or_404(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        revision = get_object_or_404(obj.revisions.select_related("author"), pk=revision_id)
        context = {
            **self._revision_context(request, obj, "比较修订版本"),
            "revision": revision,
            "same": revision.same_text_as(obj),
            "title_changed": revision.title != obj.title,
            "summary_diff": workflow.diff_lines(revision.summary, obj.summary),
            "body_diff": workflow.diff_lines(revision.body_source, obj.body_source),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/revision_diff.html", context)

    def revision_restore(self, request, object_id, revision_id):
        """Put a revision's text back; the status stays, and the restore is a revision too."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._article_or_404(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        revision = get_object_or_404(obj.revisions, pk=revision_id)
        change_url = reverse("admin:articles_article_change", args=[obj.pk])
        if revision.same_text_as(obj):
            self.message_user(request, "所选版本与当前内容相同，无需恢复。", messages.INFO)
            return HttpResponseRedirect(change_url)
        label = f"{timezone.localtime(revision.created_at):%Y-%m-%d %H:%M}"
        obj.title, obj.body_source, obj.summary = (
            revision.title,
            revision.body_source,
            revision.summary,
        )
        obj._revision_author = request.user
        obj._revision_kind = Revision.Kind.RESTORE
        obj._revision_note = f"恢复自 {label} 的版本（#{revision.pk}）"
        obj.save()
        self.log_change(request, obj, f"恢复了 {label} 的版本")
        self.message_user(request, f"已恢复 {label} 的版本，发布状态未改变。", messages.SUCCESS)
        return HttpResponseRedirect(change_url)
