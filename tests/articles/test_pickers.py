"""The article form's 相关证券 and 标签 chip pickers: with the script, and without it."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from taggit.models import Tag

from articles.models import Article, Category, StockReference
from tests.adminforms import article_form
from tests.browser import ARTIFACTS, admin_login, page_for

# -- without the script: one text field each, as before ---------------------------------


def test_without_the_script_exchange_forms_and_chinese_separators_still_save(
    desk_client, category, make_stock
):
    """The posted value is the same text field: every server rule keeps working."""
    make_stock(1, "600519", "贵州茅台")
    make_stock(116, "00700", "腾讯控股")
    data = article_form(
        category, stock_codes="sh600519, 0700.HK 09866（蔚来）", tags="光伏，新能源、业绩"
    )
    response = desk_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert [s.symbol for s in article.ordered_stocks()] == ["1.600519", "116.00700", "116.09866"]
    assert sorted(t.name for t in article.tags.all()) == ["业绩", "光伏", "新能源"]
    assert StockReference.objects.get(code="09866").name == "蔚来"


def test_a_new_code_without_its_name_is_still_refused(desk_client, category):
    data = article_form(category, stock_codes="60051")
    response = desk_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert "60051" in response.content.decode() and not Article.objects.exists()


def test_the_form_tells_the_pickers_where_to_look_and_what_each_chip_is_called(
    desk_client, make_article, make_stock
):
    moutai = make_stock(1, "600519", "贵州茅台")
    article = make_article(stocks=[moutai], tags=["光伏"])
    html = desk_client.get(reverse("admin:articles_article_change", args=[article.pk])).content
    html = html.decode()
    assert 'data-search-url="/admin/articles/article/stock-search/"' in html
    assert 'data-search-url="/admin/articles/article/tag-search/"' in html
    assert 'data-labels="{&quot;1.600519&quot;: &quot;600519 贵州茅台&quot;}"' in html
    assert "articles/admin-pickers.js" in html


def test_a_form_shown_again_after_an_error_keeps_the_names_of_its_chips(
    desk_client, category, make_stock
):
    """Nothing typed is lost, and the chips still say which security each code is."""
    make_stock(1, "600519", "贵州茅台")
    data = article_form(category, title="", stock_codes="sh600519, 09866（蔚来）")
    response = desk_client.post(reverse("admin:articles_article_add"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="sh600519, 09866（蔚来）"' in html
    assert "&quot;sh600519&quot;: &quot;600519 贵州茅台&quot;" in html


# -- in Chromium ----------------------------------------------------------------------------


def _suggestion(page, text):
    option = page.locator(".picker-suggestions li", has_text=text).first
    option.wait_for()
    return option


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_editor_picks_stocks_by_pinyin_and_tags_as_chips_and_saves(browser, live_server):
    """gzmt → 贵州茅台 by keyboard, tags by initials and by 、，, then the article has them."""
    get_user_model().objects.create_superuser("chief", "chief@example.com", "pw-chief-123")
    Category.objects.create(name="证券日报", slug="zhengquanribao")
    StockReference.objects.create(market=1, code="600519", name="贵州茅台")
    StockReference.objects.create(market=0, code="600112", name="贵州轮胎")
    StockReference.objects.create(market=0, code="000001", name="平安银行")
    Tag.objects.create(name="新能源汽车")
    Tag.objects.create(name="白酒")
    base = live_server.url
    page = page_for(browser, 1280, base)
    admin_login(page, base, "chief", "pw-chief-123")
    page.goto(base + "/admin/articles/article/add/")
    page.fill("#id_title", "贵州茅台发布年报")
    page.select_option("#id_category", label="证券日报")
    page.wait_for_function("() => window.tinymce?.get('id_body_source')?.initialized")
    page.evaluate("html => tinymce.get('id_body_source').setContent(html)", "<p>正文</p>")

    # 相关证券: pinyin initials, the first suggestion is ready for Enter.
    page.click("#id_stock_codes")
    page.keyboard.type("gzmt")
    option = _suggestion(page, "贵州茅台")
    assert "600519" in option.inner_text()
    assert option.get_attribute("aria-selected") == "true"
    assert page.get_attribute("#id_stock_codes", "aria-expanded") == "true"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "stock-picker.png")
    page.keyboard.press("Enter")
    chips = page.locator("#id_stock_codes").locator("xpath=..").locator(".picker-chip span")
    assert chips.all_inner_texts() == ["600519 贵州茅台"]
    assert page.input_value("#id_stock_codes") == ""
    # A code typed as is gets its name once the lookup answers; Backspace removes it.
    page.keyboard.type("000001")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.picker-chip span')]"
        ".some(s => s.textContent === '000001 平安银行')"
    )
    page.keyboard.press("Backspace")
    assert chips.all_inner_texts() == ["600519 贵州茅台"]

    # 标签: an existing tag by its initials (↓ then Enter), then two typed with "，".
    page.click("#id_tags")
    page.keyboard.type("xnyqc")
    _suggestion(page, "新能源汽车")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.type("光伏，新能源")
    page.keyboard.press("Enter")  # 新能源 as typed: Enter does not take a suggestion
    tag_chips = page.locator("#id_tags").locator("xpath=..").locator(".picker-chip span")
    assert tag_chips.all_inner_texts() == ["新能源汽车", "光伏", "新能源"]
    page.locator("fieldset.module").first.screenshot(path=ARTIFACTS / "tag-chips.png")

    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    article = Article.objects.get()
    assert [s.symbol for s in article.ordered_stocks()] == ["1.600519"]
    assert sorted(t.name for t in article.tags.all()) == ["光伏", "新能源", "新能源汽车"]

    # Reopened, the chips are back, each code with its name.
    page.goto(base + reverse("admin:articles_article_change", args=[article.pk]))
    assert chips.all_inner_texts() == ["600519 贵州茅台"]
    assert sorted(tag_chips.all_inner_texts()) == ["光伏", "新能源", "新能源汽车"]

    assert page.csp_violations == []
    assert page.console_errors == []
    assert page.foreign_requests == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_pickers_fit_the_screen(browser, live_server):
    get_user_model().objects.create_superuser("chief", "chief@example.com", "pw-chief-123")
    StockReference.objects.create(market=1, code="600519", name="贵州茅台")
    page = page_for(browser, 375, live_server.url)
    admin_login(page, live_server.url, "chief", "pw-chief-123")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.click("#id_stock_codes")
    page.keyboard.type("贵州")
    _suggestion(page, "贵州茅台")
    page.keyboard.press("Enter")
    box = page.locator(".picker").first.bounding_box()
    assert box["x"] + box["width"] <= 375
    assert page.csp_violations == [] and page.console_errors == []
