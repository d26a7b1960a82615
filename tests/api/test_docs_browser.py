"""The API docs page renders in Chromium from our own files: no CDN, no CSP violation."""

import pytest

from tests.browser import ARTIFACTS, no_horizontal_scroll, page_for


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 375])
def test_the_docs_page_renders_offline_within_the_sites_csp(
    browser, live_server, make_article, width
):
    """Partners read the docs where they are; the page must need nothing from elsewhere."""
    make_article(title="文档页测试文章")
    page = page_for(browser, width, live_server.url)
    # Offline for real: anything not from the live server is refused.
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    response = page.goto(live_server.url + "/api/v1/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info .title")
    assert "内容 API" in page.inner_text(".swagger-ui .info .title")
    # The endpoints are listed from the schema, and one opens and runs against the site.
    page.wait_for_selector("#operations-articles-articles_list")
    assert page.locator("#operations-flashes-flashes_list").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"api-docs-{width}.png")
    page.click("#operations-articles-articles_list .opblock-summary")
    page.click("#operations-articles-articles_list .try-out__btn")
    page.click("#operations-articles-articles_list .execute")
    page.wait_for_selector(
        "#operations-articles-articles_list .responses-table .response-col_status"
    )
    body = page.inner_text("#operations-articles-articles_list .live-responses-table")
    assert "文档页测试文章" in body
    assert page.foreign_requests == []
    assert page.csp_violations == []
    assert page.console_errors == []
    if width == 375:
        assert no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"api-docs-try-{width}.png")
