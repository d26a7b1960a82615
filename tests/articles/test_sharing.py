"""Sharing an article and reading it larger: copy link, a WeChat QR code drawn on our
side, a Weibo link, and A− / A+ remembered by the reader's browser."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser import ARTIFACTS, page_for

HOST = "http://testserver"


def test_article_page_offers_wechat_qr_weibo_and_copy_without_foreign_requests(
    client, make_article
):
    article = make_article(title="茅台 <年报> & 分红")
    html = client.get(article.get_absolute_url()).content.decode()
    url = HOST + article.get_absolute_url()
    # The QR code is inline SVG in the page: no image request to anyone.
    share = html[html.index('<section class="share"') :]
    assert '<svg viewBox="0 0 ' in share and 'class="segno"' in share
    assert "<title>茅台 &lt;年报&gt; &amp; 分红</title>" in share
    assert f'data-url="{url}"' in share and "复制链接" in share
    weibo = share.split('href="https://service.weibo.com/share/share.php?', 1)[1].split('"')[0]
    query = parse_qs(weibo.replace("&amp;", "&"))
    assert query == {"url": [url], "title": ["茅台 <年报> & 分红"]}
    # Buttons that need the script stay hidden without it.
    assert '<button type="button" class="share-button share-copy"' in share
    assert 'class="font-size" role="group" aria-label="正文字号" hidden' in html


def test_the_qr_code_is_a_regular_qr_code_even_for_a_short_url():
    """A short URL would make segno choose a Micro QR, which WeChat does not read."""
    from articles.templatetags.sharing import qr_svg

    svg = qr_svg("http://a.cn/x")
    # A regular QR code of version 1 is 21 modules, plus the 2-module border each side.
    assert svg.startswith('<svg viewBox="0 0 25 25"')


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_copies_the_link_and_sets_a_larger_size_that_stays(
    browser, live_server, make_article
):
    article = make_article(title="字号测试", body_source="<p>正文正文正文。</p>")
    page = page_for(browser, 375, live_server.url)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    url = live_server.url + article.get_absolute_url()
    page.goto(url)

    def body_size():
        return page.eval_on_selector(".article-body", "e => getComputedStyle(e).fontSize")

    assert body_size() == "17px"
    page.get_by_role("button", name="增大正文字号").click()
    page.get_by_role("button", name="增大正文字号").click()
    assert body_size() == "21px"
    page.reload()
    assert body_size() == "21px", "the size is remembered by this browser"
    page.get_by_role("button", name="减小正文字号").click()
    assert body_size() == "19px"

    page.get_by_role("button", name="复制链接").click()
    expect(page.get_by_role("button", name="已复制")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url

    page.locator(".share-wechat summary").click()
    qr = page.locator(".share-qr svg")
    assert qr.is_visible() and qr.bounding_box()["width"] == 160
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(".share").screenshot(path=ARTIFACTS / "share-375.png")
    assert not page.csp_violations and not page.console_errors and not page.foreign_requests
    assert urlsplit(url).path == article.get_absolute_url()
