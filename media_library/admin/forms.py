"""The library's forms: the upload (替代文字 required), the alt-text edit, and the article
form with a cover chosen from the library."""

import re

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.templatetags.static import static
from django.urls import reverse

from articles.admin.article import ArticleAdmin
from articles.editor import RichTextWidget

from .. import services
from ..models import MediaImage

# The TinyMCE plugin that adds the 图片库 button (loaded by TinyMCE itself, from our
# static files, so the editor's own start-up script needs no change).
EDITOR_PLUGIN_JS = "media_library/tinymce-library.js"
PICKER_URL_NAME = "admin:media_library_mediaimage_picker"
GONE = "所选的图片已不在图片库中（可能刚被删除），请重新选择封面或上传图片。"


def _alt_field(**kwargs) -> forms.CharField:
    field = MediaImage._meta.get_field("alt")
    return forms.CharField(
        label=field.verbose_name,
        max_length=field.max_length,
        help_text=field.help_text,
        widget=forms.TextInput(attrs={"class": "vLargeTextField", "autocomplete": "off"}),
        error_messages={"required": services.ALT_REQUIRED},
        **kwargs,
    )


class UploadForm(forms.Form):
    """The library's upload page. The file is checked by the service (by content, as every
    upload is); this form only makes sure both were given."""

    upload = forms.FileField(
        label="图片",
        help_text="JPEG、PNG、WebP 或 GIF，不超过 10 MB、每边不超过 8000 像素。",
        error_messages={"required": "请选择要上传的图片。"},
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    alt = _alt_field()

    def clean_alt(self):
        return services.clean_alt(self.cleaned_data["alt"])


class AltForm(forms.ModelForm):
    """The library item's change page: only the alt text is editable."""

    alt = _alt_field()

    class Meta:
        model = MediaImage
        fields = ["alt"]

    def clean_alt(self):
        return services.clean_alt(self.cleaned_data["alt"])


class ArticleLibraryForm(ArticleAdmin.form):
    """The article form (whatever ArticleAdmin uses: with the review buttons today),
    plus a cover chosen from the library.

    The picker (media_library/picker.js) writes the chosen item's id into the hidden
    `cover_library_image`; the cover then becomes that stored file, with its renditions,
    and nothing is uploaded again. An empty 封面图说明 takes the library's alt text. A file
    uploaded in the same post wins over the library choice. The body editor gets the
    图片库 button (EDITOR_PLUGIN_JS).
    """

    cover_library_image = forms.CharField(required=False, widget=forms.HiddenInput)
    library_image = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        picker_url = reverse(PICKER_URL_NAME)
        field = self.fields.get("cover_library_image")
        if field is not None:
            field.widget.attrs["data-picker-url"] = picker_url
            self._describe_choice(field)
        body = self.fields.get("body_source")
        if body is not None and isinstance(body.widget, RichTextWidget):
            toolbar = body.widget.get_config()["toolbar"]
            # A new dict: widgets are copied per form, their config dict is not.
            body.widget.config = {
                **body.widget.config,
                "external_plugins": {"medialibrary": static(EDITOR_PLUGIN_JS)},
                "toolbar": re.sub(r"\bimage\b", "image medialibrary", toolbar, count=1),
                "media_library_url": picker_url,
            }

    def _describe_choice(self, field):
        """A form shown again (with an error elsewhere) still shows the chosen picture."""
        value = self.data.get(self.add_prefix("cover_library_image"), "") if self.is_bound else ""
        image = MediaImage.objects.filter(pk=value).first() if value.isdigit() else None
        if image is not None:
            field.widget.attrs.update(
                {"data-chosen-thumb": image.thumb_url, "data-chosen-alt": image.alt}
            )

    def clean(self):
        cleaned = super().clean()
        value = (cleaned.get("cover_library_image") or "").strip()
        if not value:
            return cleaned
        image = MediaImage.objects.filter(pk=value).first() if value.isdigit() else None
        if image is None:
            # On the cover's row: the hidden field's own row is not shown.
            self.add_error("cover", GONE)
            return cleaned
        if isinstance(cleaned.get("cover"), UploadedFile):
            return cleaned  # a file chosen in the same post is the editor's latest word
        self.library_image = image
        cleaned["cover"] = image.file.name
        if not (cleaned.get("cover_alt") or "").strip():
            cleaned["cover_alt"] = image.alt
        # The library made them when the picture came in: nothing to build again.
        self.instance.cover_renditions = image.renditions
        return cleaned
