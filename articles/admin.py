"""The newsroom's editing desk: the Django admin, in Chinese.

The editorial rules (who may publish, what a writer may change) live in
`articles.workflow`; this module only asks them. Every write goes through
`Article.save()`, so sanitizing, the search index, slug redirects and revisions
stay consistent whichever button was pressed.
"""

from datetime import timedelta
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected
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

from . import images, services, stocks, tagging, workflow
from .editor import RichTextWidget, upload_image
from .models import (
    Article,
    Category,
    Revision,
    StockReference,
    validate_published_at,
)
from .text import clean_line, clean_text, slug_from_title
from .views import ArticleDetailView

# Width of the cover thumbnail in the article list, in CSS pixels.
THUMB_WIDTH = 64


class CleanTextForm(forms.ModelForm):
    """Strips control characters from typed text before any validation sees it.

    Word and some input methods paste \x0b or \x00 into titles; Django refuses a NUL
    with a puzzling message and lets the rest through to the feeds, which cannot
    carry them. `LINE_FIELDS` are one-line (breaks become spaces), `TEXT_FIELDS` keep
    their line breaks.
    """

    LINE_FIELDS: tuple[str, ...] = ()
    TEXT_FIELDS: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            data = self.data.copy()
            for names, clean in ((self.LINE_FIELDS, clean_line), (self.TEXT_FIELDS, clean_text)):
                for name in names:
                    key = self.add_prefix(name)
                    if key in data:
                        data[key] = clean(data[key])
            self.data = data


class StockReferenceForm(CleanTextForm):
    LINE_FIELDS = ("code", "name")

    class Meta:
        model = StockReference
        fields = ["market", "code", "name"]


class CategoryForm(CleanTextForm):
    LINE_FIELDS = ("name", "slug")
    TEXT_FIELDS = ("description",)

    class Meta:
        model = Category
        fields = ["name", "slug", "description", "position"]


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


class ArticleAdminForm(CleanTextForm):
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
            "107.（美交所），例如 106.NIO、106.BRK.B。尚未收录的证券请在代码后用括号"
            "写上名称，例如 09866（蔚来）。"
        ),
    )
    LINE_FIELDS = (
        "title",
        "slug",
        "tags",
        "stock_codes",
        "source_name",
        "original_url",
        "cover_alt",
    )
    TEXT_FIELDS = ("summary",)
    user = None
    slug_note = ""

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
        author = self.fields.get("author")
        if author is not None:
            if workflow.can_publish(self.user):
                # Bylines belong to the desk: staff accounts only, not readers' accounts.
                author.queryset = author.queryset.filter(is_staff=True)
            else:
                # A writer signs their own work: the field shows who, and a POST naming
                # someone else is ignored (a disabled field keeps the stored value).
                author.disabled = True
                author.help_text = "撰稿人只能以自己的名义写稿；改署名请联系编辑。"
                if self.instance.pk is None and self.user is not None:
                    self.initial["author"] = self.user.pk
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
        self._post_clean_takedown()
        # Write a new cover to the media storage now, not during the model save: a full
        # disk or a read-only media folder is then a form error and nothing is saved.
        # Not for a preview (ArticleAdmin.preview_view sets `previewing`): whatever is
        # written under /media/ is public, and a preview must leave nothing behind.
        if not self.errors and not getattr(self, "previewing", False):
            try:
                images.store_field_upload(self.instance.cover)
            except images.ImageProcessingError as exc:
                self.add_error("cover", exc.message)

    def clean(self):
        cleaned = super().clean()
        typed = cleaned.get("slug")
        if typed and "published_at" in cleaned:
            # A reused headline's slug is taken: suffix the date rather than refuse the save.
            self.instance.published_at = cleaned["published_at"]
            cleaned["slug"] = self.instance.unique_slug(typed)
            if cleaned["slug"] != typed:
                self.slug_note = f"网址标识“{typed}”已被其他文章使用，已改为“{cleaned['slug']}”。"
        return cleaned

    def _post_clean_takedown(self):
        """A takedown through the form must be able to reach readers at once (see
        services.check_takedown); checked here so the editor keeps the form as typed."""
        stored = self.instance.pk and Article.objects.filter(pk=self.instance.pk).first()
        if stored and stored.is_published() and not self.instance.is_published():
            try:
                services.check_takedown(stored)
            except services.TakedownRefused as exc:
                self.add_error(None, f"无法撤下这篇文章：{exc}")

    def clean_published_at(self):
        # Not a field validator: migrations would then import this module's code.
        when = self.cleaned_data.get("published_at")
        validate_published_at(when)
        return when

    def clean_tags(self):
        names = self.cleaned_data.get("tags") or []
        tagging.validate_tag_names(names)
        return names

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


def _delete_selected(modeladmin, request, queryset):
    """Django's delete action, refused up front when the takedown could not reach readers.

    Checked before the confirmation is applied, so the editor sees why and nothing
    is deleted (rather than a success message over a half-done deletion).
    """
    live = [a for a in queryset if a.is_published()] if request.POST.get("post") else []
    if live:
        try:
            services.check_takedown(live[0])
        except services.TakedownRefused as exc:
            modeladmin.message_user(request, f"没有删除：{exc}", messages.ERROR)
            return None
    return delete_selected(modeladmin, request, queryset)


def posted_version(data, key: str) -> int | None:
    """The article version a form or list row was made from, as posted; None if absent."""
    value = data.get(key, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _stale_message(stale: list) -> str:
    """One line per article a stale list could not change: who changed it, and when."""
    parts = []
    for exc in stale:
        changes = exc.changes()
        last = changes[-1] if changes else None
        who = last.author_name if last else "他人"
        when = f"{timezone.localtime(last.created_at):%m-%d %H:%M}" if last else ""
        what = last.get_kind_display() if last else "修改"
        parts.append(f"《{exc.current.title}》（{who} {when} {what}）")
    return (
        "以下文章在您打开列表之后已被他人修改，本次操作没有改动它们，请刷新列表后再试："
        + "、".join(parts)
    )


def _state_changes_since(current: Article, version: int) -> list:
    """What changed beyond the text since `version`, when that version's revision is kept."""
    base = current.revisions.filter(version=version).first()
    if base is None or not base.has_state:
        return []
    return workflow.state_changes(base.state(), Revision.state_of(current))


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
    actions = ["publish", "republish_now", "schedule", "unpublish"]
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
            # A form shown again with errors keeps the version it was first made from:
            # the editor's text is still based on that one, not on what is stored now.
            context["edit_version"] = posted_version(request.POST, "_version") or obj.version
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
            actions["delete_selected"] = (_delete_selected, name, description)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except services.TakedownRefused as exc:
            self.message_user(request, f"没有删除：{exc}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def conflict_response(self, request, stale: "services.StaleArticle"):
        """The page a stale save gets: who changed what since, the difference, the
        editor's own text to copy, and a way back to the current version."""
        current = stale.current
        posted = {
            "title": clean_line(request.POST.get("title", "")),
            "summary": clean_text(request.POST.get("summary", "")),
            "body_source": request.POST.get("body_source", ""),
            "tags": request.POST.get("tags", ""),
            "stock_codes": request.POST.get("stock_codes", ""),
        }
        context = {
            **self.admin_site.each_context(request),
            "title": "保存失败：这篇文章已被他人修改",
            "subtitle": str(current),
            "opts": self.opts,
            "original": current,
            "changes": stale.changes(),
            "state_changes": _state_changes_since(current, stale.expected_version),
            "posted": posted,
            "title_changed": posted["title"] != current.title,
            "summary_diff": workflow.diff_lines(posted["summary"], current.summary),
            "body_diff": workflow.diff_lines(posted["body_source"], current.body_source),
            "change_url": reverse("admin:articles_article_change", args=[current.pk]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/articles/article/conflict.html", context, status=409
        )

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
        stored = Article.objects.filter(pk=obj.pk).only("status").first() if change else None
        forced = workflow.enforce_status(request.user, obj, stored)
        requested = request.POST.get("status", obj.status)
        if forced or requested not in workflow.allowed_statuses(request.user, stored):
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
        if "cover" in form.changed_data:
            self._build_cover_renditions(request, obj)

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
    #
    # The list carries each row's version (see `status_badge`), so an action applied to
    # a list that is older than an article's last change leaves that article alone and
    # says who changed it: a takedown made meanwhile is never undone by a stale list.

    def _apply(self, request, articles, message, write) -> int:
        """Run `write(article_id=…, by=…, expected_version=…)` on each article."""
        done, stale = 0, []
        for article in articles:
            try:
                changed = write(
                    article_id=article.pk,
                    by=request.user,
                    expected_version=posted_version(request.POST, f"_version_{article.pk}"),
                )
            except services.StaleArticle as exc:
                stale.append(exc)
                continue
            except services.TakedownRefused as exc:
                self.message_user(request, f"《{article.title}》没有改动：{exc}", messages.ERROR)
                continue
            self.log_change(request, changed, message)
            done += 1
        if stale:
            self.message_user(request, _stale_message(stale), messages.ERROR)
        return done

    @admin.action(description="立即发布", permissions=["publish"])
    def publish(self, request, queryset):
        # Articles already live keep their date: "publish now" must not re-date them,
        # and one taken down and put back keeps its first time (services.article_publish).
        pending = [a for a in queryset if not a.is_published()]
        count = self._apply(request, pending, "立即发布", services.article_publish)
        skipped = len(queryset) - len(pending)
        note = f"（{skipped} 篇本来就已发布，未改动）" if skipped else ""
        self.message_user(request, f"已发布 {count} 篇文章{note}。", messages.SUCCESS)

    @admin.action(description="重新发布（发布时间改为现在）", permissions=["publish"])
    def republish_now(self, request, queryset):
        """The explicit choice to move a story to now, e.g. a corrected story worth
        putting back on top; "立即发布" never re-dates one readers have seen."""
        count = self._apply(
            request,
            list(queryset),
            "重新发布，发布时间改为现在",
            partial(services.article_publish, redate=True),
        )
        self.message_user(
            request, f"已重新发布 {count} 篇文章，发布时间改为现在。", messages.SUCCESS
        )

    @admin.action(description="撤回（改为草稿）", permissions=["publish"])
    def unpublish(self, request, queryset):
        live = [a for a in queryset if a.status == Article.Status.PUBLISHED]
        count = self._apply(request, live, "撤回为草稿", services.article_unpublish)
        self.message_user(request, f"已撤回 {count} 篇文章，改为草稿。", messages.SUCCESS)

    @admin.action(description="定时发布…", permissions=["publish"])
    def schedule(self, request, queryset):
        """Like Django's delete confirmation: a page asks for the time, then applies it."""
        if "apply" in request.POST:
            form = ScheduleForm(request.POST)
            if form.is_valid():
                when = form.cleaned_data["published_at"]
                label = f"{timezone.localtime(when):%Y-%m-%d %H:%M}"
                count = self._apply(
                    request,
                    list(queryset),
                    f"定时于 {label} 发布",
                    partial(services.article_schedule, at=when),
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
            # The list's versions ride along to the confirmation and back.
            "versions": {k: v for k, v in request.POST.items() if k.startswith("_version_")},
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/schedule.html", context)

    # -- JSON endpoints for the form's scripts ---------------------------------------

    def slug_preview(self, request):
        """The slug a save would give the title now, for the form's live prefill.

        Free for this article (`id`, when editing one): a reused headline gets its
        date suffix here already, so the box never shows a slug that is taken.
        """
        article = Article(published_at=timezone.now())
        if request.GET.get("id", "").isdigit():
            article.pk = int(request.GET["id"])
        base = slug_from_title(request.GET.get("title", ""))
        return JsonResponse({"slug": article.unique_slug(base)})

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
            "same": revision.restores_nothing(obj, with_state=True),
            "can_publish": workflow.can_publish(request.user),
            "state_changes": workflow.state_changes(revision.state(), Revision.state_of(obj))
            if revision.has_state
            else [],
            "title_changed": revision.title != obj.title,
            "summary_diff": workflow.diff_lines(revision.summary, obj.summary),
            "body_diff": workflow.diff_lines(revision.body_source, obj.body_source),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/revision_diff.html", context)

    def revision_restore(self, request, object_id, revision_id):
        """Put a revision back (services.article_restore); the restore is a revision too.

        The status and publication time stay unless the editor ticks 同时恢复发布状态,
        which only those who may publish can do.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._article_or_404(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        revision = get_object_or_404(obj.revisions, pk=revision_id)
        with_state = bool(request.POST.get("with_state")) and revision.has_state
        if with_state and not workflow.can_publish(request.user):
            raise PermissionDenied
        change_url = reverse("admin:articles_article_change", args=[obj.pk])
        if revision.restores_nothing(obj, with_state=with_state):
            self.message_user(request, "所选版本与当前内容相同，无需恢复。", messages.INFO)
            return HttpResponseRedirect(change_url)
        label = f"{timezone.localtime(revision.created_at):%Y-%m-%d %H:%M}"
        try:
            restored = services.article_restore(
                article_id=obj.pk,
                revision=revision,
                by=request.user,
                expected_version=posted_version(request.POST, "_version"),
                with_state=with_state,
            )
        except services.StaleArticle as stale:
            return self.conflict_response(request, stale)
        self.log_change(request, restored, f"恢复了 {label} 的版本")
        kept = "发布状态和时间也已恢复" if with_state else "发布状态未改变"
        self.message_user(request, f"已恢复 {label} 的版本，{kept}。", messages.SUCCESS)
        return HttpResponseRedirect(change_url)
