"""The newsroom's whole journey in real browsers: an editor writes and publishes, a reader
finds the article everywhere, a writer cannot publish, and an editor restores a revision.

Headless Debian Chromium (Playwright) against pytest-django's live server. Users are put
in the groups that migration 0004 defines (编辑 editors, 撰稿 writers) and log in through
the real login form. Screenshots of the admin screens go to artifacts/screenshots/editor-*.
"""

import importlib
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import path
from django.views.static import serve
from PIL import Image

from articles import workflow
from articles.models import Article, Category, Revision
from newsroom import urls as site_urls
from tests.browser import ARTIFACTS, admin_login, no_horizontal_scroll, page_for

# The site's own URLs, with /media/ served from whatever MEDIA_ROOT is *now*: the site's
# URLconf binds the directory when it is imported, before a test points it at tmp_path.
urlpatterns = [
    path(
        "media/<path:path>",
        lambda request, path: serve(request, path, document_root=django_settings.MEDIA_ROOT),
    ),
    *site_urls.urlpatterns,
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls(__name__),
]

PASSWORD = "pw-journey-123"
EDITOR_ID = "id_body_source"
STOCK = "116.09866"
# A security not on file is typed with its name (articles/stocks.py).
STOCK_TYPED = "116.09866（蔚来）"
TITLE = "蔚来一季度交付创下新高"

# What a web page puts on the clipboard when a table is copied from it.
PASTED_TABLE = (
    '<meta charset="utf-8"><table style="border:1px solid #ccc;width:600px" class="data">'
    "<thead><tr><th>月份</th><th>交付量（辆）</th></tr></thead>"
    '<tbody><tr><td style="color:red">一月</td><td>10,055</td></tr>'
    "<tr><td>二月</td><td>8,132</td></tr><tr><td>三月</td><td>11,866</td></tr></tbody></table>"
)


# -- helpers -------------------------------------------------------------------------------


def _roles():
    """The two newsroom groups with the permissions migration 0004 gives them.

    A transactional test empties the database when it ends, groups included, so rebuild
    them from the migration's own frozen lists rather than trusting they survived.
    """
    migration = importlib.import_module("articles.migrations.0004_editor_workflow")
    for name, by_app in migration.ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codenames in by_app.items()
            for codename in codenames
        )


def _staff_in(group_name, username):
    _roles()
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def _log_in(page, base, username):
    admin_login(page, base, username, PASSWORD)
    page.wait_for_url(base + "/admin/")


def _shot(page, name, full_page=True):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"editor-{name}.png", full_page=full_page)


def _wait_for_editor(page):
    page.wait_for_function(f"() => window.tinymce?.get('{EDITOR_ID}')?.initialized")


def _editor_html(page):
    return page.evaluate(f"() => tinymce.get('{EDITOR_ID}').getContent()")


def _jpeg(path):
    Image.new("RGB", (1600, 900), (30, 90, 160)).save(path, "JPEG", quality=85)
    return path


def _paste_html(page, html):
    """A real paste event carrying text/html, as the browser fires it for Ctrl+V."""
    page.evaluate(
        """([id, html]) => {
            const data = new DataTransfer();
            data.setData('text/html', html);
            data.setData('text/plain', 'table');
            const event = new ClipboardEvent('paste', {
                clipboardData: data, bubbles: true, cancelable: true,
            });
            tinymce.get(id).getBody().dispatchEvent(event);
        }""",
        [EDITOR_ID, html],
    )


def _write_body(page):
    """Type a heading, bold text and a link in the editor, then paste a table."""
    frame = page.frame_locator(f"#{EDITOR_ID}_ifr")
    frame.locator("body").click()
    keyboard = page.keyboard
    keyboard.type("交付概况")
    keyboard.press("Alt+Shift+2")  # TinyMCE's shortcut for 标题 2
    keyboard.press("End")
    keyboard.press("Enter")
    keyboard.type("蔚来公布一季度交付数据，")
    keyboard.press("Control+b")
    keyboard.type("同比增长四成")
    keyboard.press("Control+b")
    keyboard.type("。详见")
    keyboard.press("Control+k")  # 插入链接 dialog
    dialog = page.locator(".tox-dialog")
    dialog.wait_for()
    dialog.get_by_label("地址").fill("https://ir.nio.com/news")
    dialog.get_by_label("要显示的文本").fill("公司公告")
    dialog.locator("button", has_text="保存").click()
    dialog.wait_for(state="detached")
    keyboard.press("End")
    keyboard.press("Enter")
    _paste_html(page, PASTED_TABLE)


def _reader(browser, base, width=375):  # noqa: F811
    """A fresh, anonymous browser context: nobody logged in."""
    return page_for(browser, width, base)


def _published_article(category, body, editor):
    article = Article(
        title="央行下调存款准备金率",
        category=category,
        body_source=body,
        status=Article.Status.PUBLISHED,
    )
    article._revision_author = editor
    article.save()
    return article


# -- the journeys ----------------------------------------------------------------------------


def test_an_editor_writes_previews_and_publishes_and_a_reader_finds_it_everywhere(
    browser,  # noqa: F811
    live_server,
    settings,
    tmp_path,
):
    """The core promise: what the editor builds in the WYSIWYG editor is what readers get."""
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    _staff_in(workflow.EDITORS_GROUP, "desk")
    Category.objects.create(name="公司新闻", slug="companies")
    cover = _jpeg(tmp_path / "cover.jpg")

    page = page_for(browser, 1280, base)
    _log_in(page, base, "desk")
    page.goto(base + "/admin/articles/article/add/")
    _wait_for_editor(page)
    page.fill("#id_title", TITLE)
    page.select_option("#id_category", label="公司新闻")
    page.fill("#id_tags", "新能源汽车, NIO")
    page.click("#id_stock_codes")
    page.keyboard.type(STOCK_TYPED)
    assert page.input_value("#id_stock_codes") == STOCK_TYPED
    page.keyboard.press("Escape")
    _write_body(page)

    shown = _editor_html(page)
    assert "<h2>交付概况</h2>" in shown
    assert "<strong>同比增长四成</strong>" in shown
    assert re.search(r'<a href="https://ir\.nio\.com/news"[^>]*>公司公告</a>', shown)
    assert (
        re.search(r"<table[^>]*>", shown)
        and "<td>10,055</td>" in shown
        and "<th>月份</th>" in shown
    )
    assert "style=" not in shown and "<meta" not in shown  # the paste was cleaned

    page.set_input_files("#id_cover", cover)
    page.fill("#id_cover_alt", "蔚来汽车交付中心")
    page.select_option("#id_status", "published")
    _shot(page, "add-form")

    # 预览 opens the unsaved article in a new tab, exactly as readers will see it.
    with page.context.expect_page() as opened:
        page.locator("input[name=_preview]").last.click()
    preview = opened.value
    preview.wait_for_load_state()
    banner = preview.locator(".preview-banner")
    assert banner.inner_text() == "预览模式：这是尚未保存的修改，读者目前看不到。"
    body = preview.locator(".article-body")
    assert body.locator("h2", has_text="交付概况").count() == 1
    assert body.locator("strong", has_text="同比增长四成").count() == 1
    assert body.locator('a[href="https://ir.nio.com/news"]', has_text="公司公告").count() == 1
    assert body.locator("table td", has_text="10,055").count() == 1
    assert preview.locator("h1").inner_text() == TITLE
    _shot(preview, "preview")
    preview.close()
    assert not Article.objects.exists()  # previewing saved nothing

    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    article = Article.objects.get()
    assert article.is_published()
    assert [s.symbol for s in article.ordered_stocks()] == [STOCK]
    assert sorted(article.tags.names()) == ["NIO", "新能源汽车"]
    assert article.cover and article.cover_renditions["large"]["jpeg"].startswith("/media/")
    assert page.console_errors == [] and page.foreign_requests == []

    # A reader who never logged in finds it on every page that should list it.
    reader = _reader(browser, base)
    url = article.get_absolute_url()
    for listing in ("/", "/category/companies/", f"/stock/{STOCK}/"):
        response = reader.goto(base + listing)
        assert response.status == 200, listing
        assert reader.locator(f'a[href="{url}"]').count() >= 1, listing

    reader.goto(base + url)
    reader.locator(".article-tags a", has_text="新能源汽车").click()
    reader.wait_for_load_state()
    assert "新能源汽车" in reader.locator("h1").inner_text()
    assert reader.locator(f'a[href="{url}"]').count() >= 1

    reader.goto(base + url)
    assert reader.locator(".preview-banner").count() == 0
    picture = reader.locator("figure.cover picture img")
    picture.scroll_into_view_if_needed()
    reader.wait_for_function(
        "() => { const i = document.querySelector('figure.cover picture img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    src = picture.evaluate("img => img.currentSrc")
    assert urlsplit(src).netloc == urlsplit(base).netloc and "/media/" in src
    assert picture.get_attribute("alt") == "蔚来汽车交付中心"
    assert reader.locator(".article-body table td", has_text="11,866").is_visible()
    assert no_horizontal_scroll(reader), "the article page scrolls sideways at 375px"
    reader.screenshot(path=ARTIFACTS / "editor-reader-article-375.png", full_page=True)
    assert reader.console_errors == []
    assert reader.foreign_requests == []


def test_a_writer_can_only_save_drafts_even_with_a_forged_publish(
    browser,  # noqa: F811
    live_server,
):
    """Publishing is the editors' decision; the form, the list and a forged POST all agree."""
    base = live_server.url
    _staff_in(workflow.WRITERS_GROUP, "writer")
    section = Category.objects.create(name="市场", slug="markets")

    page = page_for(browser, 1280, base)
    _log_in(page, base, "writer")
    page.goto(base + "/admin/articles/article/add/")
    _wait_for_editor(page)
    status = page.locator("#id_status")
    assert status.locator("option").all_inner_texts() == ["草稿"]
    assert status.is_disabled()
    _shot(page, "writer-add-form")

    # A forged POST of the real form, with the writer's session and CSRF token.
    token = page.input_value("form#article_form input[name=csrfmiddlewaretoken]")
    response = page.request.post(
        base + "/admin/articles/article/add/",
        form={
            "csrfmiddlewaretoken": token,
            "title": "伪造的发布",
            "slug": "forged-publish",
            "category": str(section.pk),
            "tags": "",
            "stock_codes": "",
            "body_source": "<p>不该公开的正文</p>",
            "summary": "",
            "status": "published",
            "published_at_0": "2024-05-01",
            "published_at_1": "09:30:00",
            "author": "",
            "cover_alt": "",
            "source_name": "",
            "original_url": "",
            "_save": "保存",
        },
        headers={"Referer": base + "/admin/articles/article/add/"},
    )
    assert response.ok, response.status
    assert "您没有发布权限：文章已保存为草稿" in response.text()
    article = Article.objects.get(slug="forged-publish")
    assert article.status == Article.Status.DRAFT
    assert not article.is_published()

    # The list offers a writer no way to publish or schedule.
    page.goto(base + "/admin/articles/article/")
    assert page.locator("#result_list").inner_text().count("伪造的发布") == 1
    actions = page.locator("select[name=action] option")
    values = [actions.nth(i).get_attribute("value") for i in range(actions.count())]
    assert not {"publish", "schedule", "unpublish"} & set(values), values

    # A forged bulk action is refused too, and the article stays a draft.
    refused = page.request.post(
        base + "/admin/articles/article/",
        form={
            "csrfmiddlewaretoken": token,
            "action": "publish",
            "_selected_action": str(article.pk),
            "index": "0",
        },
    )
    assert "您没有发布权限：所选文章没有任何改动" in refused.text()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT

    anonymous = browser.new_context()
    try:
        assert anonymous.request.get(base + article.get_absolute_url()).status == 404
    finally:
        anonymous.close()
    assert page.console_errors == [] and page.foreign_requests == []


def test_an_editor_restores_an_earlier_revision_and_readers_see_the_restored_text(
    browser,  # noqa: F811
    live_server,
):
    """A bad correction can be undone from 修订历史, and the public page follows."""
    base = live_server.url
    editor = _staff_in(workflow.EDITORS_GROUP, "desk")
    section = Category.objects.create(name="宏观", slug="macro")
    article = _published_article(section, "<p>央行宣布下调存款准备金率0.5个百分点。</p>", editor)

    page = page_for(browser, 1280, base)
    _log_in(page, base, "desk")
    page.goto(base + f"/admin/articles/article/{article.pk}/change/")
    _wait_for_editor(page)
    page.frame_locator(f"#{EDITOR_ID}_ifr").locator("body").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("央行宣布下调存款准备金率一个百分点。")  # the wrong figure
    assert "一个百分点" in _editor_html(page)
    page.locator("input[name=_save]").last.click()
    page.wait_for_selector(".messagelist .success")
    article.refresh_from_db()
    assert "一个百分点" in article.body_source

    reader = _reader(browser, base, width=1280)
    reader.goto(base + article.get_absolute_url())
    assert "一个百分点" in reader.locator(".article-body").inner_text()

    page.goto(base + f"/admin/articles/article/{article.pk}/change/")
    page.locator(".object-tools a", has_text="修订历史").click()
    page.wait_for_selector("#revision-history")
    assert page.locator("#revision-history tr.revision").count() == 2
    _shot(page, "history")
    page.locator("#revision-history a", has_text="与当前版本比较").click()
    page.wait_for_selector(".revision-compare")
    assert "0.5个百分点" in page.locator("tr.diff-removed").all_inner_texts()[0]
    assert "一个百分点" in page.locator("tr.diff-added").all_inner_texts()[0]
    _shot(page, "diff")
    page.click("input[type=submit][value='恢复到这个版本']")
    page.wait_for_selector(".messagelist .success")
    assert "发布状态未改变" in page.locator(".messagelist").inner_text()

    article.refresh_from_db()
    assert article.is_published()
    assert article.revisions.first().kind == Revision.Kind.RESTORE
    reader.goto(base + article.get_absolute_url())
    text = reader.locator(".article-body").inner_text()
    assert "0.5个百分点" in text and "一个百分点" not in text
    assert page.console_errors == [] and page.foreign_requests == []
    assert reader.console_errors == [] and reader.foreign_requests == []
