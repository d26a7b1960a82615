"""The body editor: a self-hosted TinyMCE that allows what the sanitizer allows, and its upload.

The upload view is exercised through `tests/editor_urls.py`, which wraps it in
`admin_site.admin_view` exactly as the article admin does.
"""

import io
import json
import re
from pathlib import Path

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from articles import editor, sanitizer

pytestmark = pytest.mark.urls("tests.editor_urls")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_URL = "/media/"
    return settings.MEDIA_ROOT


def render(widget=None, value="<p>正文</p>") -> str:
    widget = widget or editor.RichTextWidget()
    return widget.render("body_source", value, attrs={"id": "id_body_source"})


def config_of(html: str) -> dict:
    match = re.search(r'data-tinymce-config="([^"]*)"', html)
    assert match, html
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def parse_valid_elements(value: str) -> dict[str, set[str]]:
    elements = {}
    for part in value.split(","):
        tag, _, attrs = part.partition("[")
        elements[tag] = set(filter(None, attrs.rstrip("]").split("|")))
    return elements


def jpeg(size=(2000, 1000)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "navy").save(buf, "JPEG")
    return buf.getvalue()


# --- The widget --------------------------------------------------------------------------------


def test_the_widget_renders_a_textarea_with_its_config_as_json_and_no_inline_script():
    """Under script-src 'self' an inline <script> would not run; the config travels as data."""
    html = render(value="<p>营收增长</p>")
    assert html.startswith("<textarea") and html.rstrip().endswith("</textarea>")
    assert "<script" not in html
    assert "&lt;p&gt;营收增长&lt;/p&gt;" in html  # the source, escaped, for TinyMCE to load
    config = config_of(html)
    assert config["license_key"] == "gpl"
    assert "code" in config["plugins"].split()  # the source-HTML mode


def test_the_widget_is_never_marked_required():
    """TinyMCE hides the textarea; a hidden required field would block the form silently."""

    class BodyForm(forms.Form):
        body_source = forms.CharField(widget=editor.RichTextWidget())

    html = str(BodyForm()["body_source"])
    assert "<textarea" in html and " required" not in html
    assert not BodyForm({"body_source": ""}).is_valid()  # the server still requires a body


def test_the_widget_loads_tinymce_and_its_starter_from_our_own_static_files():
    """No CDN: every script and stylesheet of the editor is served by the site itself."""
    media = str(editor.RichTextWidget().media)
    urls = re.findall(r'(?:src|href)="([^"]+)"', media)
    assert urls and all(url.startswith("/static/") for url in urls), urls
    assert "/static/tinymce/tinymce.min.js" in urls
    assert "/static/js/rich-text-editor.js" in urls
    assert urls.index("/static/tinymce/tinymce.min.js") < urls.index(
        "/static/js/rich-text-editor.js"
    )
    config = config_of(render())
    assert config["base_url"] == "/static/tinymce"
    assert all(url.startswith("/static/") for url in config["content_css"])


def test_every_editor_file_the_config_names_is_installed():
    """TinyMCE loads plugins, theme, skin and language by name from base_url at run time."""
    config = config_of(render())
    names = ["tinymce/tinymce.min.js", "tinymce/themes/silver/theme.min.js"]
    names += ["tinymce/models/dom/model.min.js", "tinymce/skins/ui/oxide/skin.min.css"]
    names += [f"tinymce/plugins/{p}/plugin.min.js" for p in config["plugins"].split()]
    names += [f"tinymce/langs/{config['language']}.js", editor.INIT_JS, *editor.CONTENT_CSS]
    missing = [name for name in names if not finders.find(name)]
    assert missing == []


def test_the_editor_speaks_chinese():
    """The site's editors work in Chinese; TinyMCE's zh_CN pack ships with django-tinymce."""
    assert config_of(render())["language"] == "zh_CN"


def test_the_editor_allows_exactly_what_the_sanitizer_allows():
    """What the editor shows must be what survives the sanitizer on save: one allowlist."""
    config = config_of(render())
    allowed = parse_valid_elements(config["valid_elements"])

    common = set(sanitizer.ALLOWED_ATTRIBUTES["*"])
    assert set(allowed) == set(sanitizer.ALLOWED_TAGS)
    for tag in sanitizer.ALLOWED_TAGS:
        assert allowed[tag] == common | set(sanitizer.ALLOWED_ATTRIBUTES.get(tag, ())), tag
    assert not any(
        "style" in attrs or any(a.startswith("on") for a in attrs) for attrs in allowed.values()
    )
    assert set(config["invalid_elements"].split(",")) == set(sanitizer.REMOVED_WITH_CONTENT)
    offered = {fmt.split("=")[1] for fmt in config["block_formats"].split(";")}
    assert offered <= set(sanitizer.ALLOWED_TAGS) and "h1" not in offered


def test_the_toolbar_offers_headings_emphasis_lists_links_quotes_tables_images_and_source():
    """The issue's list of tools, and none that would need inline styles."""
    toolbar = set(config_of(render())["toolbar"].replace("|", " ").split())
    assert {"blocks", "bold", "italic", "bullist", "numlist", "link", "blockquote"} <= toolbar
    assert {"table", "image", "code"} <= toolbar
    assert not toolbar & {"forecolor", "backcolor", "fontfamily", "fontsize", "alignleft"}


def test_the_editor_uploads_images_to_the_admin_view_once_it_is_registered():
    """Uploads go to the admin's upload-image URL; an explicit URL overrides it."""
    config = config_of(render(editor.RichTextWidget(upload_url="/elsewhere/")))
    assert config["images_upload_url"] == "/elsewhere/"
    assert config["automatic_uploads"] is True


# --- The upload view ---------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, editor):
    client.force_login(editor)
    return client


def post_image(client, data: bytes, name="photo.jpg", url_name="editor-upload", **extra):
    upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
    return client.post(reverse(url_name), {"file": upload}, **extra)


def test_an_editor_uploads_an_image_and_gets_the_location_of_its_1200_px_rendition(
    staff_client, media_root
):
    """TinyMCE inserts whatever "location" says; it must be a resized copy that exists."""
    response = post_image(staff_client, jpeg((2000, 1000)))

    assert response.status_code == 200
    location = response.json()["location"]
    path = media_root / location.removeprefix("/media/")
    assert location.startswith("/media/renditions/") and path.exists()
    with Image.open(path) as image:
        assert image.size == (1200, 600)
    originals = list((media_root / "uploads").rglob("*.jpg"))
    assert len(originals) == 1 and re.fullmatch(r"[0-9a-f]{32}\.jpg", originals[0].name)
    assert re.search(r"uploads/\d{4}/\d{2}/", originals[0].as_posix())


def test_the_same_image_uploaded_twice_is_stored_once(staff_client, media_root):
    """Files are named by their content, so a re-upload reuses the first copy."""
    data = jpeg()
    first = post_image(staff_client, data, "a.jpg").json()
    second = post_image(staff_client, data, "b.jpg").json()
    assert first == second
    assert len([p for p in media_root.rglob("*") if p.is_file()]) == 5


def test_an_animated_gif_keeps_its_animation(staff_client, media_root):
    """A still JPEG rendition would freeze it, so the editor gets the stored original."""
    frames = [Image.new("RGB", (300, 200), color) for color in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    location = post_image(staff_client, buf.getvalue(), "anim.gif").json()["location"]

    assert location.startswith("/media/uploads/") and location.endswith(".gif")


def test_a_fake_image_is_refused_with_a_chinese_json_error(staff_client, media_root):
    """A text file named .jpg gets 400 and a message TinyMCE shows to the editor."""
    response = post_image(staff_client, "不是图片".encode(), "fake.jpg")

    assert response.status_code == 400
    assert "JPEG、PNG、WebP 或 GIF" in response.json()["error"]
    assert not (media_root / "uploads").exists()


def test_an_upload_without_a_file_is_refused(staff_client):
    """A request missing its file field says so plainly."""
    response = staff_client.post(reverse("editor-upload"))
    assert response.status_code == 400 and "error" in response.json()


def test_a_get_request_is_refused(staff_client):
    """Uploads change state, so only POST is accepted."""
    assert staff_client.get(reverse("editor-upload")).status_code == 405


def test_anonymous_visitors_cannot_upload(client, db, media_root):
    """Only editors may put files on the site: the admin sends others to log in."""
    response = post_image(client, jpeg())
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    raw = post_image(client, jpeg(), url_name="editor-upload-raw")
    assert raw.status_code == 403 and "登录" in raw.json()["error"]
    assert not media_root.exists() or not any(media_root.rglob("*.jpg"))


def test_a_logged_in_reader_who_is_not_staff_cannot_upload(client, db, media_root):
    """Being logged in is not enough; the view itself checks for staff too."""
    reader = get_user_model().objects.create_user("reader", password="pw-reader-1")
    client.force_login(reader)
    response = post_image(client, jpeg(), url_name="editor-upload-raw")
    assert response.status_code == 403
    assert not media_root.exists() or not any(media_root.rglob("*.jpg"))


def test_uploads_need_the_csrf_token_that_the_editor_sends_as_a_header(editor, media_root):
    """The starter script sends X-CSRFToken; a forged cross-site post has none."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert post_image(client, jpeg()).status_code == 403

    client.get(reverse("admin:index"))  # any admin page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = post_image(client, jpeg(), headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json()["location"]


def test_a_storage_failure_is_a_json_error_the_editor_can_show(staff_client, media_root):
    """A full disk or read-only media folder must not leave the editor with a bare 500 page."""
    media_root.mkdir(parents=True)
    # A file where the uploads folder should be: every write below it fails, even as root.
    (media_root / "uploads").write_bytes(b"")
    response = post_image(staff_client, jpeg())
    assert response.status_code == 500
    assert "磁盘已满或目录不可写" in response.json()["error"]


def test_the_starter_script_reads_the_config_attribute_the_widget_writes():
    """The two halves agree on the attribute name and post the file as TinyMCE's "file"."""
    script = Path(finders.find(editor.INIT_JS)).read_text()
    assert editor.CONFIG_ATTRIBUTE in script
    assert "X-CSRFToken" in script and 'form.append("file"' in script
