"""Search in a real browser: suggestions by keyboard from the header box, and each way of
naming a security putting its page first on the results page, on a phone and a desktop."""

import pytest
from django.urls import reverse

from tests.browser import ARTIFACTS, no_horizontal_scroll, page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def on_file(make_stock, make_article):
    moutai = make_stock(1, "600519", "贵州茅台")
    tencent = make_stock(116, "00700", "腾讯控股")
    make_article(title="贵州茅台发布年报", stocks=[moutai])
    make_article(title="腾讯控股回购股份", stocks=[tencent])
    make_article(title="白酒板块全线走强", tags=["白酒"], stocks=[moutai])


def assert_clean(page):
    assert page.csp_violations == []
    assert page.console_errors == []
    assert page.foreign_requests == []


@pytest.mark.parametrize("width", [375, 1280])
def test_typing_pinyin_initials_suggests_the_security_and_arrow_enter_opens_it(
    browser, live_server, on_file, width
):
    page = page_for(browser, width, live_server.url)
    page.goto(live_server.url + "/")
    box = page.locator("#site-search-q")
    box.click()
    box.press_sequentially("gzmt", delay=30)
    listbox = page.locator("#site-search-q-suggestions")
    option = listbox.locator("[role=option]").first
    option.wait_for()
    assert "贵州茅台" in option.inner_text() and "600519" in option.inner_text()
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "site-search-q-suggestions"
    assert no_horizontal_scroll(page)
    if width == 375:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "search-suggest-375.png")

    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    assert option.get_attribute("aria-selected") == "true"
    with page.expect_navigation():
        box.press("Enter")
    assert page.url == live_server.url + "/stock/1.600519/"
    assert_clean(page)
    page.context.close()


def test_escape_closes_the_list_and_enter_then_searches_as_before(browser, live_server, on_file):
    """The list never stands between the reader and the plain search."""
    page = page_for(browser, 1280, live_server.url)
    page.goto(live_server.url + "/")
    box = page.locator("#site-search-q")
    box.click()
    box.press_sequentially("白酒", delay=30)
    listbox = page.locator("#site-search-q-suggestions")
    listbox.locator("[role=option]").first.wait_for()
    box.press("ArrowDown")
    box.press("Escape")
    assert listbox.is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    assert box.input_value() == "白酒"  # Esc closed the list, it did not clear the box
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.startswith(live_server.url + reverse("search:search") + "?q=")
    assert "白酒板块全线走强" in page.locator(".search-results").inner_text()
    assert_clean(page)
    page.context.close()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize(
    ("q", "name", "page_path"),
    [
        ("sh600519", "贵州茅台", "/stock/1.600519/"),
        ("600519.SH", "贵州茅台", "/stock/1.600519/"),
        ("茅台", "贵州茅台", "/stock/1.600519/"),
        ("0700.HK", "腾讯控股", "/stock/116.00700/"),
    ],
)
def test_searching_each_form_puts_the_security_first(
    browser, live_server, on_file, width, q, name, page_path
):
    page = page_for(browser, width, live_server.url)
    page.goto(live_server.url + "/")
    box = page.locator("#site-search-q")
    box.fill(q)
    with page.expect_navigation():
        page.locator(".site-search button").click()
    first = page.locator("main .search-securities .security-link").first
    assert first.inner_text().replace("\n", " ").startswith(f"证券：{name}")
    # First in the content: above the summary and every article.
    box_top = first.bounding_box()["y"]
    assert box_top < page.locator(".search-summary").bounding_box()["y"]
    assert no_horizontal_scroll(page)
    if width == 1280 and q == "sh600519":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "search-security-1280.png", full_page=True)
    with page.expect_navigation():
        first.click()
    assert page.url == live_server.url + page_path
    assert_clean(page)
    page.context.close()
