"""Whole journeys in real browsers (headless Debian Chromium): a reader through every
kind of page, an editor who writes, previews and publishes, a reader who then finds
the article everywhere, a writer who cannot publish, an editor who restores a revision,
and every page type working under the site's real Content-Security-Policy."""

import re
from pathlib import Path
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import path as url_pattern
from django.views.static import serve
from PIL import Image

from articles import workflow
from articles.models import Article, Category, Revision
from newsroom import urls as site_urls
from tests.browser import ARTIFACTS, admin_login, no_horizontal_scroll, page_for
from tests.roles import ensure_roles

# ------------------------------------------------------------------------------------------
# A reader's and an editor's journey in a real browser (headless Debian Chromium).

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def imported(db):
    with pytest.raises(SystemExit):  # the two deliberately broken sample posts fail
        call_command("import_posts", str(REPO / "sample_posts"), "--quiet")
    return Article.objects.published().for_listing()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [375, 1280])
def test_reader_journey_through_every_kind_ofpage_for(browser, live_server, imported, width):
    """Home, article, category, Chinese tag, stock, search, page 2, legacy URL and feed."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = page_for(browser, width, live_server.url)

    def shot(name):
        assert no_horizontal_scroll(page), f"{name} scrolls sideways at {width}px"
        page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)

    # 1. Home
    page.goto(live_server.url + "/")
    assert page.locator("#latest-heading").inner_text() == "最新文章"
    assert page.locator(".lead-story h2").inner_text()
    shot("home")

    # 2. An article with stocks and a Chinese tag
    article = imported.filter(tags__name="证券日报新闻", stocks__isnull=False).first()
    page.locator(f'a[href="{article.get_absolute_url()}"]').first.click()
    page.wait_for_url(f"**{article.get_absolute_url()}")
    assert page.locator("h1").inner_text() == article.title
    assert page.locator(".article-body").inner_text().strip()
    assert page.locator(".stocks .chip-stock").count() >= 1
    assert page.locator(".article-tags").is_visible()
    shot("article")

    # 3. Its category
    page.locator('.article-header .meta a[href^="/category/"]').first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == article.category.name
    shot("category")

    # 4. A tag with a Chinese slug
    page.go_back()
    page.locator(".article-tags a", has_text="证券日报新闻").click()
    page.wait_for_load_state()
    assert "证券日报新闻" in page.locator("h1").inner_text()
    assert article.title in page.content()
    shot("tag")

    # 5. A stock page
    page.go_back()
    stock = article.ordered_stocks()[0]
    page.locator(f'.stocks a[href="{stock.get_absolute_url()}"]').click()
    page.wait_for_load_state()
    assert stock.code in page.locator("h1").inner_text()
    assert article.title in page.content()
    shot("stock")

    # 6. A search for a Chinese term, from the header form
    term = article.title[:2]
    page.fill("#site-search-q", term)
    page.press("#site-search-q", "Enter")
    page.wait_for_load_state()
    assert "/search/" in page.url
    assert page.locator("mark", has_text=term).count() >= 1
    shot("search")

    # 7. Page 2 of the home list
    page.goto(live_server.url + "/")
    page.locator('a[rel="next"]').first.click()
    page.wait_for_load_state()
    assert page.url.endswith("?page=2")
    assert page.locator(".item").count() >= 1
    shot("page2")

    # 8. A legacy URL redirects to the article
    source = article.legacy_sources.first()
    old_url = next(r.path for r in article.legacy_redirects.all() if r.path.endswith(".html"))
    response = page.goto(live_server.url + quote(old_url))
    assert response.ok and page.url.endswith(article.get_absolute_url())
    assert source is not None

    # 9. The feed link answers with XML
    href = page.locator('link[rel="alternate"][type="application/rss+xml"]').last.get_attribute(
        "href"
    )
    feed = page.request.get(live_server.url + href)
    assert feed.ok and "xml" in feed.headers["content-type"]
    assert ElementTree.fromstring(feed.body()).tag == "rss"

    assert page.console_errors == []
    assert page.foreign_requests == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_editor_writes_an_article_in_the_admin_and_the_slug_fills_itself(browser, live_server, db):
    """The admin form works in a real browser, including the pinyin slug prefill."""
    from django.contrib.auth import get_user_model

    from articles.models import Category

    get_user_model().objects.create_superuser("desk", "desk@example.com", "pw-desk-123")
    Category.objects.create(name="证券日报", slug="zhengquanribao")
    page = page_for(browser, 1280, live_server.url)
    admin_login(page, live_server.url, "desk", "pw-desk-123")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.fill("#id_title", "贵州茅台发布年报")
    page.wait_for_function("() => document.getElementById('id_slug').value !== ''")
    assert page.input_value("#id_slug") == "gui-zhou-mao-tai-fa-bu-nian-bao"
    page.select_option("#id_category", label="证券日报")
    page.fill("#id_tags", "白酒, 证券日报新闻")
    # The body is a TinyMCE editor (the textarea is hidden); write through its API.
    page.wait_for_function("() => window.tinymce?.get('id_body_source')?.initialized")
    page.evaluate(
        "html => tinymce.get('id_body_source').setContent(html)",
        "<p>营收增长<script>alert(1)</script></p>",
    )
    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "admin-saved.png")

    article = Article.objects.get(slug="gui-zhou-mao-tai-fa-bu-nian-bao")
    page.goto(live_server.url + article.get_absolute_url())
    assert page.locator(".article-body").inner_html() == "<p>营收增长</p>"
    assert page.locator(".article-tags").inner_text().count("#") == 2
    assert page.console_errors == []
    assert page.foreign_requests == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_type_and_the_admin_work_under_the_sites_real_csp(
    browser, live_server, imported
):
    """The Content-Security-Policy the server really sends refuses nothing on any page:
    no inline script or handler anywhere, JSON-LD included, and the editor starts."""
    from django.contrib.auth import get_user_model

    article = imported.filter(stocks__isnull=False).first()
    stock = article.ordered_stocks()[0]
    tag = article.tags.first()
    public = [
        "/",
        "/?page=2",
        article.get_absolute_url(),
        article.category.get_absolute_url(),
        "/category/",
        "/tags/",
        f"/tag/{quote(tag.slug)}/",
        "/stocks/",
        stock.get_absolute_url(),
        f"/archive/{article.published_at:%Y}/",
        "/search/?q=" + quote(article.title[:2]),
    ]
    page = page_for(browser, 1280, live_server.url)
    for url_path in public:
        response = page.goto(live_server.url + url_path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "object-src 'none'" in csp, url_path
        assert "base-uri 'none'" in csp, url_path
    # The article page carries JSON-LD: data, which CSP lets through untouched.
    page.goto(live_server.url + article.get_absolute_url())
    assert page.locator('script[type="application/ld+json"]').count() == 1
    assert page.console_errors == []
    # The 404 page, in a page of its own: its status is logged as a console error.
    missing = page_for(browser, 1280, live_server.url)
    response = missing.goto(live_server.url + "/this-page-does-not-exist/")
    assert (
        response.status == 404
        and "script-src 'self'" in response.headers["content-security-policy"]
    )
    assert missing.csp_violations == []

    get_user_model().objects.create_superuser("desk", "desk@example.com", "pw-desk-123")
    admin_login(page, live_server.url, "desk", "pw-desk-123")
    admin = [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
        f"/admin/articles/article/{article.pk}/change/",
        f"/admin/articles/article/{article.pk}/revisions/",
        "/admin/articles/category/",
        "/admin/taggit/tag/",
    ]
    for path in admin:
        response = page.goto(live_server.url + path)
        assert response.ok, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        if path.endswith(("/add/", "/change/")):
            # The body editor really starts (a function, not an expression: Playwright
            # evaluates expressions with eval(), which the CSP forbids).
            page.wait_for_function("() => window.tinymce?.get('id_body_source')?.initialized")
    page.goto(live_server.url + "/admin/articles/article/")
    page.select_option("select[name=action]", "schedule")
    page.locator("input.action-select").first.check()
    page.click("button[name=index]")
    page.wait_for_selector("#id_published_at_0")

    assert page.csp_violations == []
    assert page.console_errors == []
    assert page.foreign_requests == []

    # And the policy bites: a script slipped into a page does not run.
    probe = page_for(browser, 1280, live_server.url)
    probe.goto(live_server.url + article.get_absolute_url())
    refused = probe.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener('securitypolicyviolation',
                e => resolve(e.violatedDirective), {once: true});
            const s = document.createElement('script');
            s.textContent = 'window.pwned = true';
            document.body.append(s);
        })"""
    )
    assert refused.startswith("script-src")
    assert probe.evaluate("() => window.pwned === undefined")


# ------------------------------------------------------------------------------------------
# The newsroom's whole journey in real browsers: an editor writes and publishes, a reader

# The site's own URLs, with /media/ served from whatever MEDIA_ROOT is *now*: the site's
# URLconf binds the directory when it is imported, before a test points it at tmp_path.
urlpatterns = [
    url_pattern(
        "media/<path:path>",
        lambda request, path: serve(request, path, document_root=django_settings.MEDIA_ROOT),
    ),
    *site_urls.urlpatterns,
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


def _staff_in(group_name, username):
    ensure_roles()
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
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
