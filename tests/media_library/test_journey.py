"""The library in Chromium, the way a desk uses it: a picture goes in once with its alt
text, then serves as an article's cover and in its body, and readers get both with it."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from PIL import Image, ImageDraw

from articles.models import Article, Category
from articles.sanitizer import sanitize_html
from media_library.models import MediaImage
from tests.browser import ARTIFACTS, admin_login, no_horizontal_scroll, page_for


def chart() -> bytes:
    """A picture worth a caption: a small bar chart."""
    canvas = Image.new("RGB", (1600, 900), "white")
    draw = ImageDraw.Draw(canvas)
    for n, height in enumerate([300, 380, 450, 520, 610, 700]):
        draw.rectangle([160 + n * 230, 820 - height, 320 + n * 230, 820], fill=(178, 34, 34))
    draw.line([120, 820, 1500, 820], fill="black", width=6)
    buf = io.BytesIO()
    canvas.save(buf, "PNG")
    return buf.getvalue()


ALT = "贵州茅台 2024 年营收走势图"


def _choose_in_picker(page, search=None):
    dialog = page.locator("dialog.media-picker")
    dialog.wait_for(state="visible")
    if search:
        dialog.locator("input[type=search]").fill(search)
        dialog.locator("input[type=search]").press("Enter")
        page.wait_for_function(
            "q => document.querySelector('.media-picker-status').textContent.includes(q)",
            arg=search,
        )
    item = dialog.locator(".media-picker-choose", has_text=ALT)
    item.wait_for()
    return dialog, item


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_picture_uploaded_once_is_the_cover_and_a_body_image_with_its_alt_text(
    browser, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    # A superuser, as in the other journeys: a transactional test's flush removes the groups
    # the migrations made (the roles are tested in test_admin.py).
    get_user_model().objects.create_superuser("desk", "desk@example.com", "pw-desk-123")
    Category.objects.create(name="证券日报", slug="zhengquanribao")
    base = live_server.url
    page = page_for(browser, 1280, base)
    admin_login(page, base, "desk", "pw-desk-123")

    # 1. Into the library, with its alt text.
    page.goto(base + reverse("admin:media_library_mediaimage_add"))
    page.set_input_files(
        "#id_upload",
        files=[{"name": "茅台营收.png", "mimeType": "image/png", "buffer": chart()}],
    )
    page.fill("#id_alt", ALT)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    image = MediaImage.objects.get()
    page.goto(base + reverse("admin:media_library_mediaimage_changelist"))
    assert page.locator(".media-card", has_text=ALT).count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "media-library-grid.png")
    phone = page_for(browser, 375, base)
    admin_login(phone, base, "desk", "pw-desk-123")
    for url_name in ("changelist", "add"):
        phone.goto(base + reverse(f"admin:media_library_mediaimage_{url_name}"))
        assert no_horizontal_scroll(phone), url_name
    phone.close()

    # 2. A new article takes its cover from the library: the alt text comes along.
    page.goto(base + reverse("admin:articles_article_add"))
    page.wait_for_function("() => window.tinymce?.get('id_body_source')?.initialized")
    page.fill("#id_title", "茅台年报：营收再创新高")
    page.select_option("#id_category", label="证券日报")
    page.click("button.media-picker-open")
    dialog, item = _choose_in_picker(page, search="茅台")
    page.screenshot(path=ARTIFACTS / "media-library.png")
    item.click()
    assert not dialog.is_visible()
    assert page.input_value("#id_cover_alt") == ALT
    assert page.input_value("input[name=cover_library_image]") == str(image.pk)
    assert ALT in page.locator(".media-picker-chosen").inner_text()

    # 3. The same picture in the body, from the editor's 图片库 button.
    page.evaluate(
        "() => { const ed = tinymce.get('id_body_source');"
        " ed.setContent('<p>公司全年营收继续增长。</p>');"
        " ed.selection.select(ed.getBody(), true); ed.selection.collapse(false); }"
    )
    page.click('.tox-toolbar button[aria-label="从图片库插入图片"]')
    dialog, item = _choose_in_picker(page)
    item.click()
    src, width, height = image.body_image()
    shown = page.evaluate("() => tinymce.get('id_body_source').getContent()")
    # The editor writes the attributes in the order its allowlist names them.
    expected_img = f'<img alt="{ALT}" height="{height}" src="{src}" width="{width}">'
    assert f"<p>{expected_img}</p>" in shown, shown
    assert sanitize_html(shown) == shown

    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    article = Article.objects.get()
    assert article.cover.name == image.file.name and article.cover_alt == ALT
    assert article.body_html == shown  # the sanitizer kept it as inserted
    assert page.console_errors == [] and page.csp_violations == []
    assert page.foreign_requests == []

    # 4. Readers see the cover and the body image, each with the library's alt text.
    reader = page_for(browser, 375, base)
    reader.goto(base + article.get_absolute_url())
    cover = reader.locator("figure.cover img")
    body_image = reader.locator(".article-body img")
    assert cover.get_attribute("alt") == ALT and body_image.get_attribute("alt") == ALT
    for picture_shown in (cover, body_image):
        picture_shown.scroll_into_view_if_needed()
        picture_shown.evaluate("img => img.decode()")
        assert picture_shown.evaluate("img => img.naturalWidth") > 0
    assert no_horizontal_scroll(reader)
    assert reader.console_errors == [] and reader.csp_violations == []
