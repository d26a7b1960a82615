"""The charts in a real browser (headless Debian Chromium): drawn at phone and desktop
widths, no console errors, no sideways scrolling, links that work, the admin's dark theme."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles import charts
from articles.models import Article, ImportRun
from tests.test_browser import _no_horizontal_scroll, _page, admin_login, browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [375, 1280]


@pytest.fixture
def newsroom(make_article, make_stock, make_category, category):
    """Three weeks of news about a few stocks in two sections, plus a draft and a schedule."""
    rolling = make_category(name="东财滚动新闻", slug="emnews")
    nio, baba = make_stock(106, "NIO", "蔚来"), make_stock(106, "BABA", "阿里巴巴")
    moutai = make_stock(1, "600519", "贵州茅台")
    now = timezone.now()
    for day in range(21):
        for k in range(day % 4):
            make_article(
                title=f"第{day}天的第{k}条新闻",
                published_at=now - timedelta(days=day, hours=k + 1),
                category=rolling if k % 2 else category,
                stocks=[nio, baba, moutai][: 1 + (day + k) % 3],
                tags=["新能源"],
            )
    make_article(
        title="最新消息", published_at=now - timedelta(minutes=30), stocks=[moutai, nio, baba]
    )
    make_article(title="草稿", status=Article.Status.DRAFT, stocks=[nio])
    make_article(title="明天的定时稿", published_at=now + timedelta(days=1))
    ImportRun.objects.create(created=28, updated=1, failed=2, finished_at=now)
    return {"stock": nio, "category": category}


def _charts_are_drawn(page, selector="svg.chart-svg"):
    """Every chart on the page has a real size (a zero-size SVG is an invisible chart)."""
    svgs = page.locator(selector)
    assert svgs.count() >= 1, f"no {selector} on {page.url}"
    for i in range(svgs.count()):
        box = svgs.nth(i).bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, (page.url, i, box)
    return svgs.count()


@pytest.mark.parametrize("width", WIDTHS)
def test_public_charts_render_with_a_size_and_no_errors(browser, live_server, newsroom, width):  # noqa: F811
    page = _page(browser, width, live_server.url)
    stock_url = live_server.url + newsroom["stock"].get_absolute_url()
    pages = {
        "stock": stock_url,
        "stock-1y": stock_url + "?range=1y",
        "stock-all": stock_url + "?range=all",
        "category": live_server.url + newsroom["category"].get_absolute_url(),
        "tag": live_server.url + "/tag/新能源/",
    }
    for name, url in pages.items():
        page.goto(url)
        _charts_are_drawn(page, ".chart-panel svg.chart-svg")
        assert page.locator(".chart-ranges a[aria-current]").count() == 1
        assert _no_horizontal_scroll(page), f"{name} scrolls sideways at {width}px"
    page.goto(stock_url)
    assert page.locator(".related-stocks-list li").count() == 2
    page.goto(live_server.url + "/")
    assert _charts_are_drawn(page, ".hot-stocks svg.chart-spark") == 3
    assert page.locator(".hot-stocks").is_visible()
    assert _no_horizontal_scroll(page), f"home scrolls sideways at {width}px"
    assert page.console_errors == []
    assert page.foreign_requests == []


def test_a_bar_opens_the_articles_of_its_day(browser, live_server, newsroom):  # noqa: F811
    """Clicking the tallest bar of the stock chart lists exactly that day's articles."""
    page = _page(browser, 1280, live_server.url)
    page.goto(live_server.url + newsroom["stock"].get_absolute_url())
    peak = page.locator(".chart-panel svg a:has(.chart-peak)").first
    href = peak.get_attribute("href")
    day = href.rsplit("day=", 1)[1]
    peak.click()
    page.wait_for_url(f"**day={day}")
    assert page.locator(".chart-filter").is_visible()
    expected = (
        Article.objects.published()
        .filter(stock_links__stock=newsroom["stock"])
        .filter(**charts.day_bounds(charts.parse_day(day)))
        .count()
    )
    assert expected >= 1 and page.locator(".list .item").count() == expected
    assert page.console_errors == []


def test_bars_can_be_reached_with_the_keyboard(browser, live_server, newsroom):  # noqa: F811
    page = _page(browser, 1280, live_server.url)
    page.goto(live_server.url + newsroom["stock"].get_absolute_url())
    page.locator(".chart-ranges a").last.focus()
    page.keyboard.press("Tab")  # the busiest day, named in the summary line
    assert page.evaluate("document.activeElement.closest('.chart-summary') !== null")
    page.keyboard.press("Tab")  # the first bar
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused and "篇，查看文章" in focused


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_dashboard_renders_for_editors(browser, live_server, newsroom, width):  # noqa: F811
    get_user_model().objects.create_superuser("chief", "chief@example.com", "pw-chief-123")
    page = _page(browser, width, live_server.url)
    admin_login(page, live_server.url, "chief", "pw-chief-123")
    page.goto(live_server.url + "/admin/")
    _charts_are_drawn(page, ".newsroom-dashboard svg.chart-svg")
    dashboard = page.locator(".newsroom-dashboard")
    assert "明天的定时稿" in dashboard.inner_text()
    assert dashboard.locator(".dashboard-figure a").first.inner_text() == "1"  # one draft
    assert _no_horizontal_scroll(page), f"admin index scrolls sideways at {width}px"
    assert page.console_errors == []


def test_admin_chart_follows_the_dark_theme(browser, live_server, newsroom):  # noqa: F811
    """The admin has a dark theme; the chart's colours change with it."""
    get_user_model().objects.create_superuser("chief", "chief@example.com", "pw-chief-123")
    fills = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        admin_login(page, live_server.url, "chief", "pw-chief-123")
        page.goto(live_server.url + "/admin/")
        fills[scheme] = page.evaluate(
            "() => [getComputedStyle(document.querySelector("
            "'.newsroom-dashboard rect.chart-s0')).fill,"
            " getComputedStyle(document.body).backgroundColor]"
        )
        context.close()
    assert fills["light"][0] != fills["dark"][0]
    assert fills["light"][1] != fills["dark"][1]


def test_charts_print_in_greys(browser, live_server, newsroom):  # noqa: F811
    page = _page(browser, 1280, live_server.url)
    page.goto(live_server.url + newsroom["stock"].get_absolute_url())
    page.emulate_media(media="print")
    fill = page.evaluate(
        "getComputedStyle(document.querySelector('.chart-panel rect.chart-bar')).fill"
    )
    assert fill in ("rgb(85, 85, 85)", "rgb(0, 0, 0)")
    assert not page.locator(".chart-ranges").is_visible()
