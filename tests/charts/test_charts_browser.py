"""The charts in a real browser (headless Debian Chromium): drawn at phone and desktop
widths, no console errors, no sideways scrolling, links that work, the site's and the
admin's dark themes, print."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles import chinatime
from articles.models import Article
from legacy.models import ImportRun
from tests.browser import ARTIFACTS, admin_login, no_horizontal_scroll, page_for

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
    # Two years back: the all-time chart is drawn by month.
    make_article(title="两年前的旧闻", published_at=now - timedelta(days=730), stocks=[nio])
    ImportRun.objects.create(created=28, updated=1, failed=2, finished_at=now)
    return {"stock": nio, "category": category, "rolling": rolling}


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
    page = page_for(browser, width, live_server.url)
    stock_url = live_server.url + newsroom["stock"].get_absolute_url()
    pages = {
        "stock": stock_url,
        "stock-1y": stock_url + "?range=1y",
        "stock-all": stock_url + "?range=all",
        "category": live_server.url + newsroom["category"].get_absolute_url(),
        "rolling": live_server.url + newsroom["rolling"].get_absolute_url(),
        "tag": live_server.url + "/tag/新能源/",
    }
    for name, url in pages.items():
        page.goto(url)
        _charts_are_drawn(page, ".chart-panel svg.chart-svg")
        assert page.locator(".chart-ranges a[aria-current]").count() == 1
        assert no_horizontal_scroll(page), f"{name} scrolls sideways at {width}px"
    page.goto(stock_url)
    assert page.locator(".related-stocks-list li").count() == 2
    page.goto(live_server.url + "/")
    assert _charts_are_drawn(page, ".hot-stocks svg.chart-spark") == 3
    assert page.locator(".hot-stocks").is_visible()
    assert no_horizontal_scroll(page), f"home scrolls sideways at {width}px"
    assert page.console_errors == []
    assert page.foreign_requests == []


def test_a_bar_opens_the_articles_of_its_day(browser, live_server, newsroom):  # noqa: F811
    """Clicking the tallest bar of the stock chart lists exactly that day's articles."""
    page = page_for(browser, 1280, live_server.url)
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
        .filter(**chinatime.day_bounds(chinatime.parse_day(day)))
        .count()
    )
    assert expected >= 1 and page.locator(".list .item").count() == expected
    assert page.console_errors == []


def test_bars_can_be_reached_with_the_keyboard(browser, live_server, newsroom):  # noqa: F811
    page = page_for(browser, 1280, live_server.url)
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
    page = page_for(browser, width, live_server.url)
    admin_login(page, live_server.url, "chief", "pw-chief-123")
    page.goto(live_server.url + "/admin/")
    _charts_are_drawn(page, ".newsroom-dashboard svg.chart-svg")
    dashboard = page.locator(".newsroom-dashboard")
    assert "明天的定时稿" in dashboard.inner_text()
    assert dashboard.locator(".dashboard-figure a").first.inner_text() == "1"  # one draft
    assert no_horizontal_scroll(page), f"admin index scrolls sideways at {width}px"
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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_charts_print_in_greys(browser, live_server, newsroom, scheme):  # noqa: F811
    """In print the chart is still there, in greys on white (even from a dark screen),
    and the navigation is not."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(live_server.url + newsroom["stock"].get_absolute_url())
    page.emulate_media(media="print")
    fill = page.evaluate(
        "getComputedStyle(document.querySelector('.chart-panel rect.chart-bar')).fill"
    )
    assert fill in ("rgb(85, 85, 85)", "rgb(0, 0, 0)")
    box = page.locator(".chart-panel svg.chart-svg").bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50
    assert page.locator(".related-stocks-list li").first.is_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in (
        "rgb(255, 255, 255)",
        "rgba(0, 0, 0, 0)",
    )
    for clutter in (".chart-ranges", ".site-header", ".site-footer", ".breadcrumbs"):
        assert not page.locator(clutter).is_visible(), clutter
    if scheme == "light":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "charts-stock-print.png", full_page=True)
    context.close()


def _luminance(css_colour: str) -> float:
    """Relative luminance (WCAG) of a computed `rgb(r, g, b)` colour."""
    r, g, b = (int(v) / 255 for v in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3])

    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


STYLE_PROBE = """() => {
  const style = (selector, prop) => {
    const node = document.querySelector(selector);
    return node ? getComputedStyle(node)[prop] : null;
  };
  return {
    bg: style('body', 'backgroundColor'),
    ink: style('body', 'color'),
    bar: style('.chart-panel rect.chart-bar', 'fill'),
    peak: style('.chart-panel rect.chart-peak', 'fill'),
    muted: style('.chart-summary', 'color'),
    link: style('.related-stocks-list a', 'color'),
    current: style('.chart-ranges a[aria-current]', 'color'),
    currentBg: style('.chart-ranges a[aria-current]', 'backgroundColor'),
  };
}"""


def test_the_public_site_and_its_charts_follow_the_dark_theme(browser, live_server, newsroom):  # noqa: F811
    """With a dark system theme the page turns dark, the bars change colour with it, and
    text keeps a readable contrast (WCAG AA: 4.5:1, 3:1 for the bars)."""
    url = live_server.url + newsroom["stock"].get_absolute_url()
    seen = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        page.goto(url)
        seen[scheme] = page.evaluate(STYLE_PROBE)
        context.close()
    light, dark = seen["light"], seen["dark"]
    assert _luminance(dark["bg"]) < 0.02 < 0.9 < _luminance(light["bg"])
    assert dark["bar"] != light["bar"] and dark["peak"] != light["peak"]
    for colours in (light, dark):
        assert _contrast(colours["ink"], colours["bg"]) >= 7
        assert _contrast(colours["muted"], colours["bg"]) >= 4.5
        assert _contrast(colours["link"], colours["bg"]) >= 4.5
        assert _contrast(colours["bar"], colours["bg"]) >= 3
        assert _contrast(colours["current"], colours["currentBg"]) >= 4.5


@pytest.mark.parametrize("width", WIDTHS)
def test_dark_pages_render_cleanly(browser, live_server, newsroom, width):  # noqa: F811
    """Home, an article and a stock page in the dark theme: charts drawn, no errors, no
    sideways scrolling; screenshots in artifacts/screenshots/ for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme="dark", locale="zh-CN"
    )
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    article = Article.objects.published().filter(stock_links__isnull=False).first()
    pages = {
        "home": "/",
        "article": article.get_absolute_url(),
        "stock": newsroom["stock"].get_absolute_url(),
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert _luminance(bg) < 0.02, (name, bg)
        if name != "article":
            _charts_are_drawn(page)
        assert no_horizontal_scroll(page), f"{name} scrolls sideways at {width}px (dark)"
        page.screenshot(path=ARTIFACTS / f"dark-{name}-{width}.png", full_page=True)
    assert errors == []
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_hot_stocks_sit_beside_the_list_or_right_after_the_lead_story(
    browser,  # noqa: F811
    live_server,
    newsroom,
    width,
):
    """Desktop: the top of the right column, over the 7×24 column. Phone: straight after
    the lead story, above the latest list (the newest flashes are the strip above the
    lead there, and the 7×24 column is not shown)."""
    page = page_for(browser, width, live_server.url)
    page.goto(live_server.url + "/")
    hot = page.locator(".hot-stocks").bounding_box()
    lead = page.locator(".lead-story").bounding_box()
    latest = page.locator("#latest-heading").bounding_box()
    if width >= 1280:
        flashes = page.locator(".home-side").bounding_box()
        assert hot["x"] > lead["x"] + lead["width"]  # the right column
        assert hot["y"] < latest["y"] and hot["y"] + hot["height"] <= flashes["y"] + 1
    else:
        assert abs(hot["x"] - lead["x"]) < 1 and hot["width"] == pytest.approx(lead["width"])
        assert lead["y"] + lead["height"] <= hot["y"] < latest["y"]
        assert page.locator(".home-side").is_hidden()
        strip = page.locator(".flash-strip").bounding_box()
        assert strip["y"] + strip["height"] <= lead["y"]
    assert page.console_errors == []


def test_a_month_bar_opens_the_articles_of_its_month(browser, live_server, newsroom):  # noqa: F811
    """All time (two years here) is drawn by month; a month bar lists that month."""
    page = page_for(browser, 1280, live_server.url)
    page.goto(live_server.url + newsroom["stock"].get_absolute_url() + "?range=all")
    bars = page.locator(".chart-panel svg a")
    assert bars.count() >= 2
    first = bars.first
    href = first.get_attribute("href")
    assert "range=all&month=" in href
    first.click()
    page.wait_for_url("**month=*")
    assert page.locator(".chart-filter").is_visible()
    assert page.locator(".list .item").all_inner_texts()[0].startswith("两年前的旧闻")
    assert page.locator(".list .item").count() == 1
    assert page.console_errors == []
