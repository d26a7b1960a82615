"""The admin's forms: the article form (securities typed as codes, the status by
role, a takedown checked before it is saved), the schedule page, and the section
and security forms. Every form strips control characters from what was typed."""

import json
from datetime import timedelta

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .. import images, locks, services, stocks, tagging, workflow
from ..editor import RichTextWidget
from ..models import Article, Category, StockReference, validate_published_at
from ..text import clean_line, clean_text

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
            "输入代码（600519、sh600519、0700.HK）、名称或拼音首字母（gzmt），"
            "从建议中按回车选取；也可按提及顺序直接填写代码或名称，用逗号或空格分隔。"
            "6 位 A 股代码和 5 位港股代码"
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
            "important",
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
        on_file = []
        if self.instance.pk:
            links = self.instance.stock_links.select_related("stock").order_by("position")
            on_file = [link.stock for link in links]
            self.initial["stock_codes"] = stocks.format_stock_codes(on_file)
        self._set_up_pickers(on_file)
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

    def _set_up_pickers(self, on_file):
        """What the chip pickers (articles/static/articles/admin-pickers.js) need: where
        to look things up, and the names the stock chips show beside their codes."""
        if "stock_codes" in self.fields:
            if self.is_bound:
                labels = stocks.chip_labels(self.data.get(self.add_prefix("stock_codes"), ""))
            else:
                labels = {stock.symbol: stocks.chip_label(stock) for stock in on_file}
            self.fields["stock_codes"].widget.attrs.update(
                {
                    "data-search-url": reverse("admin:articles_article_stock_search"),
                    "data-labels": json.dumps(labels, ensure_ascii=False),
                }
            )
        if "tags" in self.fields:
            self.fields["tags"].widget.attrs.update(
                {
                    "data-search-url": reverse("admin:articles_article_tag_search"),
                    "autocomplete": "off",
                    "placeholder": "光伏，新能源、业绩",
                }
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
        self._check_lock()
        typed = cleaned.get("slug")
        if typed and "published_at" in cleaned:
            # A reused headline's slug is taken: suffix the date rather than refuse the save.
            self.instance.published_at = cleaned["published_at"]
            cleaned["slug"] = self.instance.unique_slug(typed)
            if cleaned["slug"] != typed:
                self.slug_note = f"网址标识“{typed}”已被其他文章使用，已改为“{cleaned['slug']}”。"
        return cleaned

    def _check_lock(self):
        """Only the holder of the edit lock saves (articles.locks). The refused editor's
        text stays in the form, to copy or to save after taking the lock over."""
        if self.instance.pk is None or self.user is None:
            return
        stored = Article.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
        if posted_version(self.data, "_version") not in (None, *stored):
            return  # a stale form: the conflict page says more (articles.services)
        other = locks.holder(self.instance.pk, self.user)
        if other is not None:
            how = (
                "请先点“仍要编辑”接手，再保存。"
                if workflow.can_publish(self.user)
                else "请等对方离开后再保存。"
            )
            self.add_error(None, f"没有保存：{other.label}。{how}你的文字还在下面。")

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


def posted_version(data, key: str) -> int | None:
    """The article version a form or list row was made from, as posted; None if absent."""
    value = data.get(key, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def next_full_hour():
    now = timezone.localtime()
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
