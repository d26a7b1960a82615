"""A reader opens a stock page: the price and 涨跌幅 appear beside its news, red for a
rise, from our own quote.json (the browser asks no one else), under the strict CSP."""

import pytest

from tests.browser import ARTIFACTS, no_horizontal_scroll, page_for

from .conftest import GOOD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [375, 1280])
def test_the_stock_page_shows_the_quote_beside_the_news(
    browser, live_server, quotes_on, make_article, make_stock, width
):
    stock = make_stock(1, "600519", "贵州茅台")
    make_article(title="茅台一季度营收增长", stocks=[stock])
    page = page_for(browser, width, live_server.url)
    page.goto(live_server.url + stock.get_absolute_url())
    box = page.locator(".quote")
    box.wait_for(state="visible")
    shown = [page.inner_text(f".quote-{part}") for part in ("price", "change", "percent")]
    assert shown == ["1,688.00", "+20.50", "+1.23%"]
    # Screen readers hear what each number is (labels hidden from sight).
    text = " ".join(box.inner_text().split())
    heard = "最新价 1,688.00 涨跌额 +20.50 涨跌幅 +1.23% 截至 2024年5月6日 14:05 · 行情仅供参考"
    assert heard in text
    assert "quote-up" in box.get_attribute("class")
    # Red for a rise (the Chinese convention), in the light palette Chromium uses here.
    color = page.eval_on_selector(".quote-percent", "e => getComputedStyle(e).color")
    assert color == "rgb(192, 57, 43)"
    assert no_horizontal_scroll(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"quote-stock-{width}.png")
    assert quotes_on.asked == ["1.600519"]  # asked by the server, once
    assert page.foreign_requests == []
    assert page.csp_violations == []
    assert page.console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_fall_is_green_and_a_missing_quote_leaves_no_empty_box(
    browser, live_server, quotes_on, make_article, make_stock
):
    falling = make_stock(116, "00700", "腾讯控股")
    unknown = make_stock(0, "000001", "平安银行")
    make_article(title="港股科技股回落", stocks=[falling, unknown])
    quotes_on.data["116.00700"] = {**GOOD, "f43": 383400, "f59": 3, "f169": -4600, "f170": -119}
    quotes_on.data["0.000001"] = None
    page = page_for(browser, 1280, live_server.url)
    page.goto(live_server.url + falling.get_absolute_url())
    page.locator(".quote").wait_for(state="visible")
    shown = [page.inner_text(f".quote-{part}") for part in ("price", "change", "percent")]
    assert shown == ["383.400", "-4.600", "-1.19%"]
    color = page.eval_on_selector(".quote-percent", "e => getComputedStyle(e).color")
    assert color == "rgb(26, 127, 55)"
    page.screenshot(path=ARTIFACTS / "quote-stock-down-1280.png")

    with page.expect_response(lambda r: r.url.endswith("/quote.json")) as answer:
        page.goto(live_server.url + unknown.get_absolute_url())
    assert answer.value.json()["quote"] is None
    assert page.locator(".quote").is_hidden()
    assert "港股科技股回落" in page.locator(".list").inner_text()
    assert page.csp_violations == [] and page.console_errors == []
