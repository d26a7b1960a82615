"""快讯台: a 7×24 flash from one box of text, live in one click (articles/admin/flashdesk.py)."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from articles import flashes
from articles.models import Article, Revision
from tests.articles.test_input_properties import TRICKY, pasted
from tests.surface import failures, urls_showing

DESK = "admin:articles_article_flash"


def _desk(client, **data):
    return client.post(reverse(DESK), {"text": "", "source_name": "", **data})


def test_a_headline_in_brackets_is_the_headline_and_the_rest_the_digest():
    flash = flashes.compose("【贵州茅台：一季度营收增长 18%】公司公告称，营收增长。")
    assert flash.title == "贵州茅台：一季度营收增长 18%"
    assert flash.summary == "公司公告称，营收增长。"
    assert flash.body_source == "<p>公司公告称，营收增长。</p>"


def test_otherwise_the_first_sentence_is_the_headline_and_the_body_keeps_everything():
    flash = flashes.compose("央行宣布降准0.5个百分点。释放资金约1万亿元。\n<b>第二段</b>")
    assert flash.title == "央行宣布降准0.5个百分点"
    assert flash.summary == "释放资金约1万亿元。 <b>第二段</b>"
    # The editor typed text: markup in it is shown, not run.
    assert flash.body_source == (
        "<p>央行宣布降准0.5个百分点。释放资金约1万亿元。</p><p>&lt;b&gt;第二段&lt;/b&gt;</p>"
    )


def test_a_long_sentence_makes_a_headline_of_sixty_characters():
    flash = flashes.compose("涨" * 100)
    assert len(flash.title) == flashes.TITLE_MAX_LENGTH and flash.title.endswith("…")
    assert flash.summary == ""


def test_securities_are_found_by_name_and_by_every_way_a_code_is_written(make_stock):
    moutai = make_stock(1, "600519", "贵州茅台")
    tencent = make_stock(116, "00700", "腾讯控股")
    nio = make_stock(106, "NIO", "蔚来")
    pingan = make_stock(0, "000001", "平安银行")
    make_stock(1, "600000", "浦发银行")  # on file, not mentioned
    for text in ("贵州茅台涨停", "sh600519", "SH600519", "600519.SH", "1.600519", "600519"):
        assert flashes.detect_stocks(text) == [moutai], text
    for text in ("0700.HK", "00700", "腾讯控股"):
        assert flashes.detect_stocks(text) == [tencent], text
    assert flashes.detect_stocks("NIO 盘前涨 5%") == [nio]
    found = flashes.detect_stocks("蔚来、sz000001 与 0700.HK 同涨，蔚来再涨")
    assert found == [nio, pingan, tencent]  # order of first mention, once each


def test_numbers_and_words_that_name_nothing_on_file_are_not_securities(make_stock):
    make_stock(1, "600519", "贵州茅台")
    text = "GDP 增长 5.2%，CEO 称 2024 年营收 123456 万元，20241203 公告，茅台酒热销"
    assert flashes.detect_stocks(text) == []


def test_an_editor_publishes_a_flash_in_one_click(desk_client, desk, client, make_stock):
    """Live at once on the 7×24 page and home, to the second, 加红 marked, in the feed."""
    moutai = make_stock(1, "600519", "贵州茅台")
    response = _desk(
        desk_client,
        text="【贵州茅台一季度营收增长】公司公告称营收增长 18%。",
        important="on",
        source_name="财联社",
        publish="1",
    )
    assert response.status_code == 302 and response["Location"] == reverse(DESK)
    flash = Article.objects.get()
    assert flash.category.slug == flashes.FLASH_SECTION_SLUG and flash.is_published()
    assert flash.published_at.microsecond == 0 and flash.important
    assert flash.source_name == "财联社" and flash.author == desk
    assert flash.ordered_stocks() == [moutai]
    assert flash.revisions.get().kind == Revision.Kind.PUBLISH
    timeline = client.get(reverse("articles:category", args=["emnews"])).content.decode()
    assert "贵州茅台一季度营收增长" in timeline and 'class="flash-item flash-important"' in timeline
    assert '<span class="flash-badge">重要</span>' in timeline
    assert "贵州茅台一季度营收增长" in client.get("/").content.decode()
    feed = client.get(reverse("articles:feed-site", args=["rss"])).content.decode()
    assert "【重要】贵州茅台一季度营收增长" in feed and "<category>重要</category>" in feed
    page = desk_client.get(reverse(DESK)).content.decode()
    assert "快讯已发布" in page and "贵州茅台一季度营收增长" in page


def test_without_the_script_the_desk_shows_the_chips_and_publishes_only_the_ticked(
    desk_client, make_stock
):
    moutai = make_stock(1, "600519", "贵州茅台")
    make_stock(116, "00700", "腾讯控股")
    text = "贵州茅台与腾讯控股午后拉升。"
    checked = _desk(desk_client, text=text, check="1").content.decode()
    assert 'value="1.600519" checked' in checked and 'value="116.00700" checked' in checked
    assert 'name="stocks_shown" value="1"' in checked and "午后拉升" in checked
    assert not Article.objects.exists()  # 识别证券 publishes nothing
    _desk(desk_client, text=text, stocks="1.600519", stocks_shown="1", publish="1")
    assert Article.objects.get().ordered_stocks() == [moutai]


def test_a_flash_with_no_chips_shown_keeps_every_security_found(desk_client, make_stock):
    moutai = make_stock(1, "600519", "贵州茅台")
    _desk(desk_client, text="贵州茅台高开。", publish="1")
    assert Article.objects.get().ordered_stocks() == [moutai]


def test_an_empty_flash_is_refused_with_a_message(desk_client):
    for text in ("", "   \x0b  ", "【】"):
        response = _desk(desk_client, text=text, publish="1")
        assert response.status_code == 200 and "请填写快讯内容。" in response.content.decode()
    assert not Article.objects.exists()


def test_the_chips_endpoint_answers_what_the_text_names(desk_client, make_stock):
    make_stock(106, "NIO", "蔚来")
    url = reverse("admin:articles_article_flash_stocks")
    data = desk_client.get(url, {"text": "蔚来交付创新高"}).json()
    assert data == {
        "results": [
            {"symbol": "106.NIO", "label": "蔚来（106.NIO）", "name": "蔚来", "code": "NIO"}
        ]
    }


def test_writers_cannot_publish_from_the_desk(writer_client):
    """A flash is live the moment it is sent: only those who may publish have the desk."""
    assert writer_client.get(reverse(DESK)).status_code == 403
    assert _desk(writer_client, text="快讯", publish="1").status_code == 403
    stocks = reverse("admin:articles_article_flash_stocks")
    assert writer_client.get(stocks, {"text": "x"}).status_code == 403
    assert not Article.objects.exists()


# The input rule through this write path too: whatever the desk accepts renders everywhere.
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.one_of(pasted, st.lists(st.sampled_from(TRICKY), max_size=8).map("".join)),
    source=pasted,
    important=st.booleans(),
)
@example(text="【\x0b📈】BRK.B 涨 5%；600519。", source="财联\x07社", important=True)
@pytest.mark.django_db
def test_whatever_the_flash_desk_accepts_renders_on_every_public_page(
    desk_client, client, make_stock, text, source, important
):
    from tests.articles.test_input_properties import _in_rollback

    def run():
        make_stock(1, "600519", "贵州茅台")
        data = {"text": text, "source_name": source, "publish": "1"}
        if important:
            data["important"] = "on"
        response = _desk(desk_client, **data)
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert "errornote" in response.content.decode() or "errorlist" in (
                response.content.decode()
            )
            assert not Article.objects.exists()
            return
        assert failures(client, urls_showing(Article.objects.get())) == []

    _in_rollback(run)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_flash_typed_at_the_desk_is_live_on_the_7x24_page(browser, live_server, make_stock):
    """Chips appear while typing, one is unticked, Ctrl+Enter publishes, readers see it."""
    from django.contrib.auth import get_user_model

    from tests.browser import ARTIFACTS, admin_login, page_for

    moutai = make_stock(1, "600519", "贵州茅台")
    make_stock(116, "00700", "腾讯控股")
    get_user_model().objects.create_superuser("desk", "desk@example.com", "pw-desk-123")
    page = page_for(browser, 1280, live_server.url)
    admin_login(page, live_server.url, "desk", "pw-desk-123")
    page.goto(live_server.url + "/admin/")
    page.click("text=发快讯（快讯台）")
    page.fill("textarea[name=text]", "【白酒股午后拉升】贵州茅台涨 3%，0700.HK 跟涨。")
    page.wait_for_selector("input[name=stocks][value='116.00700']")
    page.uncheck("input[name=stocks][value='116.00700']")
    page.check("input[name=important]")
    page.fill("input[name=source_name]", "财联社")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "flash-desk.png")
    with page.expect_navigation():
        page.press("textarea[name=text]", "Control+Enter")
    assert "快讯已发布" in page.locator(".messagelist .success").inner_text()
    flash = Article.objects.get()
    assert flash.important and flash.ordered_stocks() == [moutai]

    reader = page_for(browser, 375, live_server.url)
    reader.goto(live_server.url + "/category/emnews/")
    item = reader.locator(".flash-item.flash-important").first
    assert "白酒股午后拉升" in item.inner_text() and "重要" in item.inner_text()
    reader.screenshot(path=ARTIFACTS / "flash-live-375.png", full_page=True)
    assert page.console_errors == [] and reader.console_errors == []
    assert page.foreign_requests == [] and reader.foreign_requests == []
