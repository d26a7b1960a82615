"""The 专题 and menu forms. Typed text loses control characters first (CleanTextForm),
rules are typed as the article form types tags and securities, and a cover is checked
and stored as an article's is (articles.images)."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from taggit.models import Tag

from articles import images, stocks, tagging
from articles.admin.forms import CleanTextForm, posted_version

from ..models import NavItem, Topic


class TopicAdminForm(CleanTextForm):
    rule_tag_names = forms.CharField(
        label="按标签收录",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "vLargeTextField", "placeholder": "新能源，光伏"}),
        help_text=(
            "填写已有的标签，用逗号、顿号或分号分隔。带有其中任一标签的已发布文章会自动收入"
            "本专题，按时间从新到旧排在精选文章之后。"
        ),
    )
    rule_stock_codes = forms.CharField(
        label="按证券收录",
        required=False,
        max_length=2000,
        widget=forms.TextInput(
            attrs={"class": "vLargeTextField", "placeholder": "600519, 106.NIO, 贵州茅台"}
        ),
        help_text=(
            "填写已收录证券的代码或名称，用逗号或空格分隔。提到其中任一证券的已发布文章会自动"
            "收入本专题。"
        ),
    )
    # The version the form was made from: a save over someone else's is refused.
    seen_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    LINE_FIELDS = ("title", "slug", "cover_alt", "rule_tag_names", "rule_stock_codes")
    TEXT_FIELDS = ("intro",)

    class Meta:
        model = Topic
        fields = ["title", "slug", "intro", "cover", "cover_alt"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["seen_version"] = self.instance.version
            self.initial["rule_tag_names"] = "，".join(
                self.instance.rule_tags.order_by("name").values_list("name", flat=True)
            )
            self.initial["rule_stock_codes"] = stocks.format_stock_codes(
                self.instance.rule_stocks.order_by("market", "code")
            )

    def clean_rule_tag_names(self) -> list[Tag]:
        names = tagging.parse_tags(self.cleaned_data.get("rule_tag_names", ""))
        tagging.validate_tag_names(names)
        found = {}
        for tag in Tag.objects.filter(name__in=names):
            found[tag.name] = tag
        missing = [name for name in names if name not in found]
        if missing:
            raise ValidationError(
                [f"没有“{name}”这个标签：请检查是否写错，或先给文章加上它。" for name in missing]
            )
        return [found[name] for name in names]

    def clean_rule_stock_codes(self):
        tokens = stocks.parse_stock_codes(self.cleaned_data.get("rule_stock_codes", ""))
        # Only securities on file: a rule about a code no article mentions finds nothing.
        return stocks.resolve_stocks(tokens, may_create=False)

    def clean_cover(self):
        cover = self.cleaned_data.get("cover")
        if isinstance(cover, UploadedFile):
            images.validate_image_upload(cover)
        return cover

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            posted = posted_version(self.data, self.add_prefix("seen_version"))
            stored = Topic.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
            if posted is not None and stored and stored[0] != posted:
                raise ValidationError(
                    "保存冲突：您打开这个专题之后，别人已修改并保存了它。您的修改没有保存，"
                    "仍在下面的表单里；请先复制下来，再重新打开专题修改。"
                )
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # Stored now, not during the model save: a full disk is then a form error.
        if not self.errors:
            try:
                images.store_field_upload(self.instance.cover)
            except images.ImageProcessingError as exc:
                self.add_error("cover", exc.message)


class NavItemForm(CleanTextForm):
    LINE_FIELDS = ("label", "path")

    class Meta:
        model = NavItem
        fields = ["label", "category", "topic", "path", "position", "visible"]
