"""A reader's and an editor's journey in a real browser (headless Debian Chromium)."""

from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.browser import ARTIFACTS, admin_login, no_horizontal_scroll, page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def imported(db):
    with pytest.raises(SystemExit):  # the two deliberately broken sample posts fail
        call_command("import_posts", str(REPO / "sample_posts"), "--quiet")
    return Article.objects.published().for_listing()


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
    for path in public:
        response = page.goto(live_server.url + path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "object-src 'none'" in csp, path
        assert "base-uri 'none'" in csp, path
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
