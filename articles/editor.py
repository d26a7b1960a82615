"""The WYSIWYG body editor: TinyMCE, self-hosted, configured from the sanitizer's allowlist.

Contract:

- `RichTextWidget`: a `forms.Textarea` for `Article.body_source` in the admin form. It renders
  a plain `<textarea>` whose `data-tinymce-config` attribute holds the editor's configuration
  as JSON; `static/js/rich-text-editor.js` (in the widget's Media, after TinyMCE itself)
  starts the editor from it. No inline script, so it works under `script-src 'self'`.
- `upload_image(request) -> JsonResponse`: the view behind the editor's image upload, staff
  only; the admin registers it (wrapped in `admin_site.admin_view`) as
  `/admin/articles/article/upload-image/`, URL name `admin:articles_article_upload_image`.
  It answers `{"location": url}`, or `{"error": "<中文>"}` with 400 (not an image we accept),
  403 (not an editor), 405 (not POST) or 500 (media storage failed).

TinyMCE comes from the `django-tinymce` package (PyPI), which bundles TinyMCE 7.8.0 under
GPL-2.0-or-later (hence `license_key: "gpl"`), with its Chinese language pack. We use only
its static files (`"tinymce"` in INSTALLED_APPS), not its widget, whose configuration would
not follow our sanitizer.

"The editor shows what will be published": the editor keeps only the elements and attributes
that `articles.sanitizer` keeps (`valid_elements` is derived from `ALLOWED_TAGS` and
`ALLOWED_ATTRIBUTES`), the toolbar offers nothing that would produce other markup (no colours,
fonts or alignment, which would need `style`), and the content is styled by the site's own
stylesheet. The server sanitizes on every save regardless.
"""

import functools
import json
import logging
import posixpath

from django import forms
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language

from . import images, sanitizer, signals

logger = logging.getLogger(__name__)

TINYMCE_JS = "tinymce/tinymce.min.js"
INIT_JS = "js/rich-text-editor.js"
ADMIN_CSS = "css/rich-text-editor.css"
CONTENT_CSS = ("css/site.css", "css/rich-text-content.css")
UPLOAD_URL_NAME = "admin:articles_article_upload_image"
CONFIG_ATTRIBUTE = "data-tinymce-config"

PLUGINS = "autolink code fullscreen image link lists searchreplace table wordcount"
TOOLBAR = (
    "undo redo | blocks | bold italic | bullist numlist blockquote | link image table | "
    "removeformat | code fullscreen"
)

# Django language code -> TinyMCE language pack name.
TINYMCE_LANGUAGES = {"zh-hans": "zh_CN", "zh-cn": "zh_CN", "zh-hant": "zh_TW", "zh-tw": "zh_TW"}

# What each block format is called in the "blocks" menu. h1 is the page's own title, and the
# sanitizer drops it, so it is not offered.
BLOCK_LABELS = {
    "p": "正文段落",
    "h2": "标题 2",
    "h3": "标题 3",
    "h4": "标题 4",
    "h5": "标题 5",
    "h6": "标题 6",
    "pre": "预设格式",
}


def valid_elements() -> str:
    """TinyMCE's `valid_elements`, derived from the sanitizer's allowlist.

    Each allowed tag with the attributes the sanitizer keeps on it (its own and the global
    "*" ones), e.g. `a[class|href|rel|title]`; anything else is removed by the editor as it is
    by the sanitizer.
    """
    common = set(sanitizer.ALLOWED_ATTRIBUTES.get("*", ()))
    parts = []
    for tag in sorted(sanitizer.ALLOWED_TAGS):
        attributes = sorted(common | set(sanitizer.ALLOWED_ATTRIBUTES.get(tag, ())))
        parts.append(f"{tag}[{'|'.join(attributes)}]" if attributes else tag)
    return ",".join(parts)


def invalid_elements() -> str:
    """The elements the sanitizer removes with their content, named to the editor too."""
    return ",".join(sorted(sanitizer.REMOVED_WITH_CONTENT))


def block_formats() -> str:
    return ";".join(
        f"{label}={tag}" for tag, label in BLOCK_LABELS.items() if tag in sanitizer.ALLOWED_TAGS
    )


@functools.cache
def _language_pack(code: str) -> str | None:
    name = TINYMCE_LANGUAGES.get((code or "").lower())
    if name and finders.find(f"tinymce/langs/{name}.js"):
        return name
    return None  # English, built into TinyMCE


def tinymce_language() -> str | None:
    """The TinyMCE language pack for the active language, when one is installed."""
    return _language_pack(get_language() or "")


def default_upload_url() -> str | None:
    try:
        return reverse(UPLOAD_URL_NAME)
    except NoReverseMatch:
        return None  # not wired yet: the editor then inserts images by URL only


def editor_config(upload_url: str | None = None) -> dict:
    """The TinyMCE configuration, as JSON-ready data (no functions: the init script adds them)."""
    tinymce_url = static(TINYMCE_JS)
    config = {
        "license_key": "gpl",
        # Where TinyMCE loads its themes, plugins, skins and languages from: our own static
        # files. Set explicitly because the hashed name of tinymce.min.js in production
        # hides its location from TinyMCE's own detection.
        "base_url": posixpath.dirname(tinymce_url),
        "suffix": ".min",
        "promotion": False,
        "branding": False,
        "menubar": False,
        "height": 560,
        "plugins": PLUGINS,
        "toolbar": TOOLBAR,
        "toolbar_mode": "wrap",
        "contextmenu": "link image table",
        "block_formats": block_formats(),
        "browser_spellcheck": True,
        # What the sanitizer keeps, and nothing else.
        "valid_elements": valid_elements(),
        "invalid_elements": invalid_elements(),
        "valid_styles": {"*": ""},
        "formats": {
            "bold": {"inline": "strong"},
            "italic": {"inline": "em"},
            "underline": {"inline": "u"},
            "strikethrough": {"inline": "s"},
        },
        "entity_encoding": "raw",
        # Links and images keep site-relative URLs (/media/...), as the sanitizer expects.
        "relative_urls": False,
        "remove_script_host": True,
        "convert_urls": True,
        "link_default_protocol": "https",
        "link_assume_external_targets": "https",
        "link_target_list": False,
        "link_title": True,
        # Tables without the inline styles and sizes TinyMCE adds by default.
        "table_default_attributes": {},
        "table_default_styles": {},
        "table_advtab": False,
        "table_cell_advtab": False,
        "table_row_advtab": False,
        "table_appearance_options": False,
        "table_resize_bars": False,
        "table_sizing_mode": "responsive",
        "object_resizing": "img",
        # Images: alt text, size attributes, captions as <figure>/<figcaption>.
        "image_description": True,
        "image_dimensions": True,
        "image_caption": True,
        "image_advtab": False,
        "image_title": False,
        "images_file_types": "jpeg,jpg,png,gif,webp",
        # Pasting from Word or a web page: keep structure, drop styling.
        "paste_data_images": True,
        "paste_webkit_styles": "none",
        "paste_remove_styles_if_webkit": True,
        "paste_merge_formats": True,
        # The published page's own stylesheet, so the editor shows what readers will see.
        "content_css": [static(path) for path in CONTENT_CSS],
        "body_class": "article-body",
    }
    language = tinymce_language()
    if language:
        config["language"] = language
    if upload_url:
        config["images_upload_url"] = upload_url
        config["automatic_uploads"] = True
        config["images_reuse_filename"] = False
    return config


class RichTextWidget(forms.Textarea):
    """A textarea that TinyMCE turns into the WYSIWYG editor (see the module doc).

    `upload_url` overrides where images are uploaded (by default the admin's
    `upload-image/` view, when it is registered); `config` adds or overrides TinyMCE options.
    """

    def __init__(self, attrs=None, *, upload_url=None, config=None):
        super().__init__(attrs)
        self.upload_url = upload_url
        self.config = dict(config or {})

    @property
    def media(self):
        return forms.Media(js=[TINYMCE_JS, INIT_JS], css={"all": [ADMIN_CSS]})

    def use_required_attribute(self, initial):
        # TinyMCE hides the textarea; a browser cannot show "required" on a hidden field and
        # would block the submit silently. The model form still requires a body.
        return False

    def get_config(self) -> dict:
        upload_url = self.upload_url if self.upload_url is not None else default_upload_url()
        return {**editor_config(upload_url), **self.config}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs[CONFIG_ATTRIBUTE] = json.dumps(self.get_config(), ensure_ascii=False)
        widget_attrs["class"] = " ".join(filter(None, [widget_attrs.get("class"), "rich-text"]))
        return context


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def upload_image(request):
    """Store an image uploaded from the editor; answer TinyMCE with its URL (see module doc).

    The picture is validated like a cover (`images.validate_image_upload`), stored once under
    `uploads/YYYY/MM/<hash>.<ext>` and given the same renditions; the editor gets the
    1,200 px JPEG (an animated GIF keeps its original, which the rendition would freeze).
    """
    if request.method != "POST":
        return _error("只接受 POST 上传。", 405)
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return _error("请先以编辑身份登录后台。", 403)
    if not (user.has_perm("articles.add_article") or user.has_perm("articles.change_article")):
        return _error("您没有编辑文章的权限，不能上传图片。", 403)
    upload = request.FILES.get("file")
    if upload is None:
        return _error("没有收到图片文件，请重新选择。", 400)
    try:
        stored = images.store_upload(upload)
    except ValidationError as exc:
        return _error(" ".join(exc.messages), 400)
    except images.ImageProcessingError as exc:
        return _error(exc.message, 500)
    large = stored.renditions.get("large")
    if stored.animated or not large:
        location, width, height = stored.url, None, None
    else:
        location, width, height = large["jpeg"], large["width"], large["height"]
    logger.info("%s uploaded %s for an article body", user.get_username(), stored.name)
    signals.image_stored.send(
        sender=upload_image,
        name=stored.name,
        renditions=stored.renditions,
        alt="",
        by=user,
        original_name=upload.name or "",
    )
    return JsonResponse({"location": location, "width": width, "height": height})
