"""The body editor in a real browser (headless Debian Chromium) on the real admin form."""

import base64
import io

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from articles.models import Article, Category
from articles.sanitizer import sanitize_html
from tests.browser import ARTIFACTS, admin_login, page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
