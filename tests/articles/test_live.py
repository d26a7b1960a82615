"""7×24 that is live: the newest flashes first on phones, pages that update themselves,
and times said as a person says them (articles/live.py, static/js/live-flashes.js,
static/js/times.js)."""

import re
import time
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import listings, services
from articles.chinatime import CHINA
from articles.models import Article

LATEST = "/category/emnews/latest.json"


@pytest.fixture
def rolling(make_category):
    return make_category(name="7×24 快讯", slug=listings.ROLLING_CATEGORY_SLUG)


@pytest.fixture
def make_flash(make_article, rolling):
    def make(**kwargs):
        kwargs.setdefault("category", rolling)
        return make_article(**kwargs)

    return make


def test_the_endpoint_has_its_own_address_beside_the_7x24_page():
    """The script and the page cache both find it by name (pagecache/keys.py purges it)."""
    assert reverse("articles:flashes-latest") == LATEST


def test_the_newest_published_flashes_come_as_json_in_china_time(
    client, make_flash, make_article, django_assert_max_num_queries
):
    """What the script inserts: id, title, link, +08:00 time, 加红 and the digest."""
    moment = datetime(2026, 12, 3, 14, 5, tzinfo=CHINA)
    flash = make_flash(
        title="央行宣布降准", summary="释" * 200, important=True, published_at=moment
    )
    older = make_flash(title="较早的快讯", published_at=moment - timedelta(hours=1))
    make_flash(title="草稿快讯", status=Article.Status.DRAFT)
    make_flash(title="定时快讯", published_at=timezone.now() + timedelta(hours=1))
    make_article(title="别的栏目的文章")
    with django_assert_max_num_queries(1):
        response = client.get(LATEST)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert [f["title"] for f in data["flashes"]] == ["央行宣布降准", "较早的快讯"]
    first = data["flashes"][0]
    assert first == {
        "id": flash.pk,
        "title": "央行宣布降准",
        "url": flash.get_absolute_url(),
        "published_at": "2026-12-03T14:05:00+08:00",
        "important": True,
        "digest": first["digest"],
    }
    # The digest as the 7×24 page shows it, cut at 160 characters.
    assert len(first["digest"]) == 160 and first["digest"].startswith("释" * 150)
    page = client.get("/category/emnews/").content.decode()
    assert f'<span class="flash-digest">{first["digest"]}</span>' in page
    assert data["flashes"][1]["important"] is False and data["flashes"][1]["id"] == older.pk
    # Chinese as it is, not \\u escapes: smaller on the wire.
    assert "央行宣布降准" in response.content.decode()


def test_the_endpoint_lists_at_most_twenty_and_only_reads(client, make_flash):
    """Bounded however many flashes the day had; a POST is refused, never a 500."""
    for n in range(25):
        make_flash(title=f"快讯{n}", published_at=timezone.now() - timedelta(minutes=n + 1))
    assert len(client.get(LATEST).json()["flashes"]) == 20
    assert client.post(LATEST).status_code == 405


def test_the_endpoint_is_empty_not_missing_before_the_first_flash(client, db):
    assert client.get(LATEST).json() == {"flashes": []}


def _section(html, start, end):
    return html.split(start, 1)[1].split(end, 1)[0]


def test_home_puts_the_newest_flashes_right_after_its_heading(client, make_flash, make_article):
    """First on a phone's screen and first for a screen reader: before the lead story."""
    make_article(title="今天的头条", published_at=timezone.now() - timedelta(minutes=1))
    for n in range(7):
        make_flash(title=f"快讯第{n}条", published_at=timezone.now() - timedelta(minutes=n + 2))
    make_flash(title="加红快讯", important=True, published_at=timezone.now() - timedelta(hours=3))
    html = client.get("/").content.decode()
    assert html.index('class="visually-hidden"') < html.index('class="flash-strip"')
    assert html.index('class="flash-strip"') < html.index('class="lead-story"')
    strip = _section(html, 'class="flash-strip"', "</section>")
    assert re.findall(r"快讯第\d条", strip) == [f"快讯第{n}条" for n in range(5)]
    assert 'href="/category/emnews/"' in strip
    assert 'data-live-url="/category/emnews/latest.json"' in strip
    # The column keeps its twelve, for wide screens; only one of the two is ever shown.
    column = _section(html, 'class="home-side"', "</aside>")
    assert "快讯第6条" in column and "加红快讯" in column
    assert 'data-live-flashes="compact"' in column


def test_the_server_writes_times_in_full_with_the_year(client, make_flash, make_article):
    """A cached page is served for minutes: only a full date stays true past midnight."""
    moment = datetime(2026, 12, 3, 14, 5, tzinfo=CHINA)
    make_article(title="一篇文章", published_at=moment)
    make_article(title="第二篇文章", published_at=moment - timedelta(minutes=1))
    flash = make_flash(title="一条快讯", published_at=moment - timedelta(minutes=2))
    home = client.get("/").content.decode()
    lead = _section(home, 'class="lead-story"', "</article>")
    assert (
        '<time datetime="2026-12-03T14:05:00+08:00" data-relative>2026年12月3日 14:05</time>'
        in (lead)
    )
    latest = _section(home, 'id="latest-heading"', "</section>")
    assert "data-relative>2026年12月3日 14:04</time>" in latest
    strip = _section(home, 'class="flash-strip"', "</section>")
    assert "data-relative>2026年12月3日 14:03</time>" in strip
    page = client.get("/category/emnews/").content.decode()
    # 7×24 day headers carry the year; items under them their time.
    assert '<time datetime="2026-12-03" data-relative-day>2026年12月3日 星期四</time>' in page
    assert (
        f'<li class="flash-item" data-flash-id="{flash.pk}">\n        '
        '<time datetime="2026-12-03T14:03:00+08:00" data-relative="clock">14:03</time>'
    ) in page
    found = client.get("/search/", {"q": "第二篇"}).content.decode()
    assert "data-relative>2026年12月3日 14:04</time>" in found


def test_the_article_page_keeps_its_own_date_absolute(client, make_article):
    article = make_article(published_at=datetime(2026, 12, 3, 14, 5, tzinfo=CHINA))
    html = client.get(article.get_absolute_url()).content.decode()
    assert "2026年12月3日" in html and "data-relative" not in html


def test_the_7x24_page_one_is_live_and_later_pages_are_not(client, make_flash, settings):
    """Only page 1 has new flashes to add; the poll interval is a setting."""
    settings.NEWSROOM_LIVE_POLL_SECONDS = 7
    for n in range(25):
        make_flash(published_at=timezone.now() - timedelta(minutes=n + 1))
    first = client.get("/category/emnews/").content.decode()
    assert 'data-live-flashes="full"' in first and 'data-poll-seconds="7"' in first
    assert "js/live-flashes.js" in first and "js/times.js" in first
    second = client.get("/category/emnews/?page=2").content.decode()
    assert "data-live-flashes" not in second and "js/live-flashes.js" not in second


def test_public_pages_load_only_our_own_deferred_scripts(client, make_article):
    """No inline script (the CSP forbids it), no other host's; the page reads without them."""
    make_article()
    html = client.get("/").content.decode()
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, re.S)
    tags = re.findall(r"<script[^>]*>", html)
    assert scripts and all(body == "" for body in scripts)
    sources = [re.fullmatch(r'<script src="/static/js/([\w-]+)\.js" defer>', t) for t in tags]
    assert all(sources), tags
    assert {m[1] for m in sources} == {"times", "live-flashes", "search-suggest"}


# ------------------------------------------------------------------------------------------
# In Chromium.


def _no_trouble(*pages):
    for page in pages:
        assert page.console_errors == [], page.console_errors
        assert page.csp_violations == [], page.csp_violations
        assert page.foreign_requests == [], page.foreign_requests


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_phones_first_screen_shows_the_newest_flashes(
    browser, live_server, make_flash, make_article
):
    """At 375 px the newest flashes are on the first screen, with or without script; at
    1280 the layout is as before, the 7×24 column beside the list."""
    from tests.browser import ARTIFACTS, no_horizontal_scroll, page_for

    for n in range(10):
        make_article(
            title=f"证监会就上市公司监管指引公开征求意见，涉及分红与回购第{n}篇",
            summary="征求意见稿明确了现金分红的比例要求和回购股份的信息披露安排。" * 3,
            published_at=timezone.now() - timedelta(minutes=2 * n + 1),
        )
    newest = [
        make_flash(
            title=f"沪指午后震荡走高，两市成交额突破万亿元第{n}条",
            important=n == 1,
            published_at=timezone.now() - timedelta(minutes=3 * n + 1),
        )
        for n in range(12)
    ][0]
    phone = page_for(browser, 375, live_server.url)
    phone.set_viewport_size({"width": 375, "height": 800})
    phone.goto(live_server.url + "/")
    items = phone.locator(".flash-strip .flash-strip-item a")
    assert items.count() == listings.FLASH_STRIP_SIZE
    for n in range(items.count()):
        box = items.nth(n).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 800, n
    assert phone.locator(".flash-strip time").first.inner_text().endswith(" 分钟前")
    assert phone.locator(".home-side").is_hidden()
    assert phone.locator(".flash-strip .flash-badge").first.inner_text() == "重要"
    assert no_horizontal_scroll(phone)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=ARTIFACTS / "home-375-flashes.png")

    # Without script: the same strip, each time in full.
    plain = page_for(browser, 375, live_server.url, java_script_enabled=False)
    plain.set_viewport_size({"width": 375, "height": 800})
    plain.goto(live_server.url + "/")
    box = plain.locator(".flash-strip-item a").first.bounding_box()
    assert box["y"] + box["height"] <= 800
    full = timezone.localtime(newest.published_at)
    assert plain.locator(".flash-strip time").first.inner_text() == (
        f"{full.year}年{full.month}月{full.day}日 {full:%H:%M}"
    )

    wide = page_for(browser, 1280, live_server.url)
    wide.goto(live_server.url + "/")
    assert wide.locator(".flash-strip").is_hidden()
    side = wide.locator(".home-side").bounding_box()
    main = wide.locator(".home-main").bounding_box()
    assert side["x"] > main["x"] + main["width"] and side["y"] < main["y"] + 400
    assert wide.locator(".home-side h2 a").get_attribute("href") == "/category/emnews/"
    _no_trouble(phone, plain, wide)


@pytest.fixture
def shared_page_cache(settings, tmp_path):
    """The page cache on, on disk, as in production: the live server's pages and the
    endpoint are kept and purged when the test's writes commit."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {"BACKEND": "diskcache.DjangoCache", "LOCATION": str(tmp_path / "c")}
    }
    settings.NEWSROOM_PAGE_CACHE = settings.NEWSROOM_FRAGMENT_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_flash_published_while_7x24_is_open_appears_there_on_tap(
    browser, live_server, make_flash, make_article, editor, settings, shared_page_cache
):
    """The desk publishes; open pages offer "有 1 条新快讯" and insert it without a reload."""
    from tests.browser import ARTIFACTS, page_for

    settings.NEWSROOM_LIVE_POLL_SECONDS = 1
    # "Today" must hold the eleven earlier flashes, seconds apart, whatever the hour the
    # suite runs at: just after midnight in China, wait until they fit into the new day.
    since_midnight = timezone.localtime() - timezone.localtime().replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    if since_midnight < timedelta(seconds=20):
        time.sleep((timedelta(seconds=20) - since_midnight).total_seconds())
    make_article(title="今天的头条")
    for n in range(11):
        make_flash(title=f"此前的快讯{n}", published_at=timezone.now() - timedelta(seconds=n + 2))
    make_flash(title="昨天的快讯", published_at=timezone.now() - timedelta(days=1, hours=1))

    reader = page_for(browser, 375, live_server.url)
    asks = []
    reader.on("request", lambda r: r.url.endswith(LATEST) and asks.append(r.all_headers()))
    reader.goto(live_server.url + "/category/emnews/")
    home = page_for(browser, 1280, live_server.url)
    home.goto(live_server.url + "/")
    # Polls come and go, and the page stays as it is while nothing is new.
    for _ in range(2):
        reader.wait_for_event("requestfinished", lambda r: r.url.endswith(LATEST))
    assert reader.locator(".flash-new-button").count() == 0
    before = reader.locator("[data-flash-id]").count()

    flash = services.flash_publish(
        text="【央行宣布降准0.5个百分点】释放长期资金约1万亿元。", by=editor, important=True
    )
    button = reader.locator(".flash-announce .flash-new-button")
    button.wait_for()
    assert button.inner_text() == "有 1 条新快讯"
    assert reader.locator(".flash-announce").get_attribute("aria-live") == "polite"
    assert reader.locator(f'[data-flash-id="{flash.pk}"]').count() == 0  # not until asked
    button.click()
    new = reader.locator(f'[data-flash-id="{flash.pk}"]')
    assert reader.locator("[data-flash-id]").count() == before + 1
    assert "flash-important" in new.get_attribute("class")
    assert new.locator(".flash-badge").inner_text() == "重要"
    assert new.locator("strong").inner_text() == "央行宣布降准0.5个百分点"
    assert new.locator(".flash-digest").inner_text() == "释放长期资金约1万亿元。"
    assert new.locator("a").get_attribute("href") == flash.get_absolute_url()
    # In today's section, on top, said as a person says it.
    today = timezone.localdate().isoformat()
    day = reader.locator(".flash-day").first
    assert day.get_attribute("data-day") == today
    assert day.locator(".flash-date").inner_text().startswith("今天 · ")
    assert day.locator("[data-flash-id]").first.get_attribute("data-flash-id") == str(flash.pk)
    assert new.locator("time").inner_text() == "刚刚"
    assert reader.locator(".flash-new-button").count() == 0
    assert reader.evaluate("document.activeElement.closest('[data-flash-id]').dataset.flashId") == (
        str(flash.pk)
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    reader.screenshot(path=ARTIFACTS / "flash-live.png")
    # The asks revalidate what the browser holds (the page cache answers 304).
    assert any("if-none-match" in headers for headers in asks)

    # Home's column, at 1280, the same way; it keeps its twelve, the oldest (yesterday's,
    # with its day) making room. The strip, hidden at this width, follows along.
    column = home.locator(".home-side")
    assert column.locator("[data-flash-id]").count() == listings.FLASH_COLUMN_SIZE
    column.locator(".flash-new-button").click()
    assert column.locator("[data-flash-id]").first.get_attribute("data-flash-id") == str(flash.pk)
    assert column.locator("[data-flash-id]").count() == listings.FLASH_COLUMN_SIZE
    assert "昨天的快讯" not in column.inner_text() and column.locator(".flash-day").count() == 1
    strip = home.locator(".flash-strip [data-flash-id]")
    assert strip.count() == listings.FLASH_STRIP_SIZE
    assert strip.first.get_attribute("data-flash-id") == str(flash.pk)
    _no_trouble(reader, home)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_times_read_as_a_person_says_them_in_china_time(
    browser, live_server, make_flash, make_article, category
):
    """刚刚, N 分钟前, 今天, 昨天, else the full date; in China time for a reader in New
    York too, and again a minute later."""
    from tests.browser import page_for

    now = datetime(2025, 3, 3, 14, 10, tzinfo=CHINA)  # a Monday
    moments = [
        now - timedelta(seconds=30),
        now - timedelta(minutes=5),
        now.replace(hour=9, minute=30),
        # 00:30 in China is still the day before in New York: 今天 all the same.
        now.replace(hour=0, minute=30),
        now - timedelta(days=1, hours=4, minutes=40),
        datetime(2025, 2, 20, 8, 0, tzinfo=CHINA),
    ]
    for n, moment in enumerate(moments):
        make_article(title=f"文章{n}", published_at=moment)
        make_flash(title=f"快讯{n}", published_at=moment)
    page = page_for(browser, 1280, live_server.url, timezone_id="America/New_York")
    page.clock.install(time=now)

    page.goto(live_server.url + category.get_absolute_url())
    said = page.locator(".item .meta time").all_inner_texts()
    assert said == [
        "刚刚",
        "5 分钟前",
        "今天 09:30",
        "今天 00:30",
        "昨天 09:30",
        "2025年2月20日 08:00",
    ]
    times = page.locator(".item .meta time")
    assert times.first.get_attribute("datetime") == "2025-03-03T14:09:30+08:00"
    assert times.first.get_attribute("title") == "2025年3月3日 14:09"
    page.clock.run_for("01:00")  # a minute on: the page says it again
    assert page.locator(".item .meta time").all_inner_texts()[:2] == ["1 分钟前", "6 分钟前"]

    page.goto(live_server.url + "/category/emnews/")
    assert page.locator(".flash-date").all_inner_texts() == [
        "今天 · 3月3日 星期一",
        "昨天 · 3月2日 星期日",
        "2025年2月20日 星期四",
    ]
    # Under a day header, only the time (a minute has passed since the first page).
    assert page.locator(".flash-item time").all_inner_texts() == [
        "1 分钟前",
        "6 分钟前",
        "09:30",
        "00:30",
        "09:30",
        "08:00",
    ]
    _no_trouble(page)
