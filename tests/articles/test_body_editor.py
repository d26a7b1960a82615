"""The body editor: a self-hosted TinyMCE that allows what the sanitizer allows, its
image upload, and the same editor working in a real browser on the real admin form.

The upload view is exercised through tests/editor_urls.py, which wraps it the way the
admin does; the browser tests use the real admin."""

import base64
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
from articles.models import Article, Category
from articles.sanitizer import sanitize_html
from tests.browser import ARTIFACTS, admin_login, page_for

# ------------------------------------------------------------------------------------------
# The body editor: a self-hosted TinyMCE that allows what the sanitizer allows, and its upload.


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


@pytest.mark.urls("tests.editor_urls")
def test_the_widget_renders_a_textarea_with_its_config_as_json_and_no_inline_script():
    """Under script-src 'self' an inline <script> would not run; the config travels as data."""
    html = render(value="<p>营收增长</p>")
    assert html.startswith("<textarea") and html.rstrip().endswith("</textarea>")
    assert "<script" not in html
    assert "&lt;p&gt;营收增长&lt;/p&gt;" in html  # the source, escaped, for TinyMCE to load
    config = config_of(html)
    assert config["license_key"] == "gpl"
    assert "code" in config["plugins"].split()  # the source-HTML mode


@pytest.mark.urls("tests.editor_urls")
def test_the_widget_is_never_marked_required():
    """TinyMCE hides the textarea; a hidden required field would block the form silently."""

    class BodyForm(forms.Form):
        body_source = forms.CharField(widget=editor.RichTextWidget())

    html = str(BodyForm()["body_source"])
    assert "<textarea" in html and " required" not in html
    assert not BodyForm({"body_source": ""}).is_valid()  # the server still requires a body


@pytest.mark.urls("tests.editor_urls")
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


@pytest.mark.urls("tests.editor_urls")
def test_every_editor_file_the_config_names_is_installed():
    """TinyMCE loads plugins, theme, skin and language by name from base_url at run time."""
    config = config_of(render())
    names = ["tinymce/tinymce.min.js", "tinymce/themes/silver/theme.min.js"]
    names += ["tinymce/models/dom/model.min.js", "tinymce/skins/ui/oxide/skin.min.css"]
    names += [f"tinymce/plugins/{p}/plugin.min.js" for p in config["plugins"].split()]
    names += [f"tinymce/langs/{config['language']}.js", editor.INIT_JS, *editor.CONTENT_CSS]
    missing = [name for name in names if not finders.find(name)]
    assert missing == []


@pytest.mark.urls("tests.editor_urls")
def test_the_editor_speaks_chinese():
    """The site's editors work in Chinese; TinyMCE's zh_CN pack ships with django-tinymce."""
    assert config_of(render())["language"] == "zh_CN"


@pytest.mark.urls("tests.editor_urls")
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


@pytest.mark.urls("tests.editor_urls")
def test_the_toolbar_offers_headings_emphasis_lists_links_quotes_tables_images_and_source():
    """The issue's list of tools, and none that would need inline styles."""
    toolbar = set(config_of(render())["toolbar"].replace("|", " ").split())
    assert {"blocks", "bold", "italic", "bullist", "numlist", "link", "blockquote"} <= toolbar
    assert {"table", "image", "code"} <= toolbar
    assert not toolbar & {"forecolor", "backcolor", "fontfamily", "fontsize", "alignleft"}


@pytest.mark.urls("tests.editor_urls")
def test_the_editor_uploads_images_to_the_admin_view_once_it_is_registered():
    """Uploads go to the admin's upload-image URL; an explicit URL overrides it."""
    config = config_of(render(editor.RichTextWidget(upload_url="/elsewhere/")))
    assert config["images_upload_url"] == "/elsewhere/"
    assert config["automatic_uploads"] is True


@pytest.fixture
def staff_client(client, editor):
    client.force_login(editor)
    return client


def post_image(client, data: bytes, name="photo.jpg", url_name="editor-upload", **extra):
    upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
    return client.post(reverse(url_name), {"file": upload}, **extra)


@pytest.mark.urls("tests.editor_urls")
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


@pytest.mark.urls("tests.editor_urls")
def test_the_same_image_uploaded_twice_is_stored_once(staff_client, media_root):
    """Files are named by their content, so a re-upload reuses the first copy."""
    data = jpeg()
    first = post_image(staff_client, data, "a.jpg").json()
    second = post_image(staff_client, data, "b.jpg").json()
    assert first == second
    assert len([p for p in media_root.rglob("*") if p.is_file()]) == 5


@pytest.mark.urls("tests.editor_urls")
def test_an_animated_gif_keeps_its_animation(staff_client, media_root):
    """A still JPEG rendition would freeze it, so the editor gets the stored original."""
    frames = [Image.new("RGB", (300, 200), color) for color in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    location = post_image(staff_client, buf.getvalue(), "anim.gif").json()["location"]

    assert location.startswith("/media/uploads/") and location.endswith(".gif")


@pytest.mark.urls("tests.editor_urls")
def test_a_fake_image_is_refused_with_a_chinese_json_error(staff_client, media_root):
    """A text file named .jpg gets 400 and a message TinyMCE shows to the editor."""
    response = post_image(staff_client, "不是图片".encode(), "fake.jpg")

    assert response.status_code == 400
    assert "JPEG、PNG、WebP 或 GIF" in response.json()["error"]
    assert not (media_root / "uploads").exists()


@pytest.mark.urls("tests.editor_urls")
def test_an_upload_without_a_file_is_refused(staff_client):
    """A request missing its file field says so plainly."""
    response = staff_client.post(reverse("editor-upload"))
    assert response.status_code == 400 and "error" in response.json()


@pytest.mark.urls("tests.editor_urls")
def test_a_get_request_is_refused(staff_client):
    """Uploads change state, so only POST is accepted."""
    assert staff_client.get(reverse("editor-upload")).status_code == 405


@pytest.mark.urls("tests.editor_urls")
def test_anonymous_visitors_cannot_upload(client, db, media_root):
    """Only editors may put files on the site: the admin sends others to log in."""
    response = post_image(client, jpeg())
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    raw = post_image(client, jpeg(), url_name="editor-upload-raw")
    assert raw.status_code == 403 and "登录" in raw.json()["error"]
    assert not media_root.exists() or not any(media_root.rglob("*.jpg"))


@pytest.mark.urls("tests.editor_urls")
def test_a_logged_in_reader_who_is_not_staff_cannot_upload(client, db, media_root):
    """Being logged in is not enough; the view itself checks for staff too."""
    reader = get_user_model().objects.create_user("reader", password="pw-reader-1")
    client.force_login(reader)
    response = post_image(client, jpeg(), url_name="editor-upload-raw")
    assert response.status_code == 403
    assert not media_root.exists() or not any(media_root.rglob("*.jpg"))


@pytest.mark.urls("tests.editor_urls")
def test_uploads_need_the_csrf_token_that_the_editor_sends_as_a_header(editor, media_root):
    """The starter script sends X-CSRFToken; a forged cross-site post has none."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert post_image(client, jpeg()).status_code == 403

    client.get(reverse("admin:index"))  # any admin page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = post_image(client, jpeg(), headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json()["location"]


@pytest.mark.urls("tests.editor_urls")
def test_a_storage_failure_is_a_json_error_the_editor_can_show(staff_client, media_root):
    """A full disk or read-only media folder must not leave the editor with a bare 500 page."""
    media_root.mkdir(parents=True)
    # A file where the uploads folder should be: every write below it fails, even as root.
    (media_root / "uploads").write_bytes(b"")
    response = post_image(staff_client, jpeg())
    assert response.status_code == 500
    assert "磁盘已满或目录不可写" in response.json()["error"]


@pytest.mark.urls("tests.editor_urls")
def test_the_starter_script_reads_the_config_attribute_the_widget_writes():
    """The two halves agree on the attribute name and post the file as TinyMCE's "file"."""
    script = Path(finders.find(editor.INIT_JS)).read_text()
    assert editor.CONFIG_ATTRIBUTE in script
    assert "X-CSRFToken" in script and 'form.append("file"' in script


# ------------------------------------------------------------------------------------------
# The body editor in a real browser (headless Debian Chromium) on the real admin form.

# What the admin would get under the Content-Security-Policy the site will send.
CSP = "script-src 'self'; object-src 'none'; base-uri 'self'"


# Markup as Word and web pages put it on the clipboard: styles, Office tags, an h1, a script.
PASTED = (
    '<h1 style="color:red">年报要点</h1>'
    '<p class="MsoNormal" style="margin:0;font-family:宋体"><b><span style="font-size:14pt">'
    "营收</span></b>增长 <i>12%</i><o:p></o:p></p>"
    '<ul style="margin-left:20px"><li>白酒</li><li><a href="https://example.com/x" '
    'target="_blank" onclick="steal()">原文</a></li></ul>'
    "<blockquote><p>引用</p></blockquote>"
    '<table border="1" style="width:300px"><tbody><tr><td style="color:red">1</td>'
    "<td>2</td></tr></tbody></table><script>alert(1)</script>"
)


@pytest.fixture
def desk(browser, live_server, settings, tmp_path):  # noqa: F811
    """An editor logged in to the admin's add-article page, served under a strict CSP."""
    settings.MEDIA_ROOT = tmp_path / "media"
    get_user_model().objects.create_superuser("desk", "desk@example.com", "pw-desk-123")
    Category.objects.create(name="证券日报", slug="zhengquanribao")
    page = page_for(browser, 1280, live_server.url)
    page.csp_violations = []
    page.expose_function("reportCsp", lambda v: page.csp_violations.append(v))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.reportCsp(e.violatedDirective + ' ' + e.blockedURI));"
    )

    def with_csp(route):
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": CSP}
        )

    page.route("**/admin/**", with_csp)
    admin_login(page, live_server.url, "desk", "pw-desk-123")
    page.goto(live_server.url + "/admin/articles/article/add/")
    # A function, not an expression: Playwright evaluates expressions with eval(), which
    # the CSP forbids.
    page.wait_for_function("() => window.tinymce?.get('id_body_source')?.initialized")
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_editor_starts_in_chinese_from_the_site_itself_under_a_strict_csp(desk):
    """Self-hosted and CSP-proof: no inline script, no request to another host, no errors."""
    page = desk
    assert page.locator(".tox-tinymce").is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "admin-editor.png")
    assert page.locator('.tox-toolbar button[aria-label="粗体"]').count() == 1
    assert page.locator('.tox-toolbar button[aria-label="源代码"]').count() == 1
    assert page.console_errors == []
    assert page.foreign_requests == []
    assert page.csp_violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pasted_word_markup_is_cleaned_to_what_the_sanitizer_keeps_and_saved(desk, live_server):
    """What the editor shows after a paste is already what will be published."""
    page = desk
    page.fill("#id_title", "粘贴测试")
    page.select_option("#id_category", label="证券日报")
    page.evaluate(
        "html => tinymce.get('id_body_source').execCommand("
        "'mceInsertClipboardContent', false, {html: html})",
        PASTED,
    )
    shown = page.evaluate("tinymce.get('id_body_source').getContent()")

    assert "style=" not in shown and "<script" not in shown and "onclick" not in shown
    assert "<h1" not in shown and "<o:p" not in shown and "target=" not in shown
    assert "Mso" not in shown  # Word's own class names mean nothing on our pages
    assert "营收" in shown and "白酒" in shown and "<td>2</td>" in shown
    assert "<table>" in shown and "<blockquote>" in shown
    assert "<strong>" in shown or "<b>" in shown
    assert sanitize_html(shown) == sanitize_html(sanitize_html(shown))
    assert _tags(sanitize_html(shown)) == _tags(shown)

    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    article = Article.objects.get(title="粘贴测试")
    assert _tags(article.body_html) == _tags(shown)
    # While cleaning the paste, TinyMCE's DOMPurify touches the pasted onclick; Chromium
    # reports that the CSP refused to compile it. That refusal is the only error allowed.
    unexpected = [e for e in page.console_errors if "inline event handler" not in e]
    assert unexpected == [] and page.foreign_requests == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_image_dropped_into_the_editor_is_uploaded_and_points_at_our_media(desk, settings):
    """The upload sends the CSRF header and the editor swaps the picture for our 1,200 px copy."""
    page = desk
    buf = io.BytesIO()
    Image.new("RGB", (1600, 900), "teal").save(buf, "PNG")
    data_uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    page.evaluate(
        "src => { const ed = tinymce.get('id_body_source');"
        " ed.setContent('<p><img src=\"' + src + '\" alt=\"图表\"></p>');"
        " return ed.uploadImages(); }",
        data_uri,
    )
    src = page.evaluate("tinymce.get('id_body_source').dom.select('img')[0].getAttribute('src')")
    assert src.startswith("/media/renditions/") and src.endswith("-1200w.jpg")
    assert (settings.MEDIA_ROOT / src.removeprefix("/media/")).exists()
    assert page.console_errors == [] and page.foreign_requests == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_file_that_is_not_an_image_is_refused_with_the_servers_message(desk):
    """The editor shows the server's Chinese reason and drops the broken picture."""
    page = desk
    fake = "data:image/png;base64," + base64.b64encode("不是图片".encode()).decode()
    page.evaluate(
        "src => { const ed = tinymce.get('id_body_source');"
        " ed.setContent('<p><img src=\"' + src + '\" alt=\"x\"></p>');"
        " return ed.uploadImages(); }",
        fake,
    )
    page.wait_for_selector(".tox-notification")
    assert "JPEG、PNG、WebP 或 GIF" in page.locator(".tox-notification").inner_text()
    assert page.evaluate("tinymce.get('id_body_source').dom.select('img').length") == 0
    # The refused upload is the one expected error: the browser logs the 400 response.
    assert all("400" in e or "Bad Request" in e for e in page.console_errors), page.console_errors


def _tags(html: str) -> list:
    """The element structure of `html` (tags and attribute names), ignoring serialisation."""
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, tuple(sorted(name for name, _ in attrs if name != "rel"))))

    Collect().feed(html)
    return found
