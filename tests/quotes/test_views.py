"""The stock page's quote box and /stock/<market>.<code>/quote.json, which fills it."""

import pytest
from django.utils import timezone

from .conftest import GOOD

QUOTE_URL = "/stock/1.600519/quote.json"


@pytest.fixture
def maotai(make_article, make_stock):
    stock = make_stock(1, "600519", "贵州茅台")
    make_article(title="茅台一季度营收增长", stocks=[stock])
    return stock


def test_the_endpoint_answers_the_quote_and_the_text_a_reader_sees(
    client, quotes_on, maotai, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        response = client.get(QUOTE_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["symbol"] == "1.600519"
    quote = data["quote"]
    assert (quote["name"], quote["price"], quote["change_percent"]) == (
        "贵州茅台",
        "1688.00",
        "1.23",
    )
    assert (quote["price_text"], quote["change_text"], quote["change_percent_text"]) == (
        "1,688.00",
        "+20.50",
        "+1.23%",
    )
    assert quote["direction"] == "up"
    assert quote["as_of"] == "2024-05-06T14:05:00+08:00"
    assert quote["as_of_text"] == "2024年5月6日 14:05"


def test_a_fall_is_signed_and_a_quote_of_today_shows_the_time_only(client, quotes_on, maotai):
    now = int(timezone.now().timestamp())
    quotes_on.data["1.600519"] = {**GOOD, "f43": 166800, "f169": -1750, "f170": -104, "f86": now}
    quote = client.get(QUOTE_URL).json()["quote"]
    assert (quote["price_text"], quote["change_text"], quote["change_percent_text"]) == (
        "1,668.00",
        "-17.50",
        "-1.04%",
    )
    assert quote["direction"] == "down"
    assert len(quote["as_of_text"]) == 5 and quote["as_of_text"][2] == ":"  # HH:MM


def test_the_endpoint_is_kept_15_seconds_by_browsers_and_varnish_never_by_the_page_cache(
    client, settings, quotes_on, maotai
):
    """A cached stock page stays cached (with its box); the price beside it stays fresh."""
    settings.NEWSROOM_PAGE_CACHE = True
    first, second = client.get(QUOTE_URL), client.get(QUOTE_URL)
    for response in (first, second):
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert control == {"public", "max-age=15", "s-maxage=15"}
        assert not response.has_header("X-Page-Cache")
    assert quotes_on.asked == ["1.600519"]  # the second answer came from the quote cache
    page = client.get(maotai.get_absolute_url())
    assert page["X-Page-Cache"] == "miss"
    assert client.get(maotai.get_absolute_url())["X-Page-Cache"] == "hit"
    assert f'data-quote-url="{QUOTE_URL}"' in page.content.decode()


def test_the_stock_page_carries_the_empty_box_and_our_script(client, quotes_on, maotai):
    """The page itself never asks the provider: its price comes later, from quote.json."""
    html = client.get(maotai.get_absolute_url()).content.decode()
    assert f'<div class="quote" data-quote-url="{QUOTE_URL}" hidden>' in html
    assert '<script src="/static/js/quote.js" defer></script>' in html
    assert quotes_on.asked == []


def test_a_slow_provider_neither_slows_nor_breaks_the_page_or_the_endpoint(
    client, quotes_on, maotai
):
    """The endpoint gives up at the timeout and says there is no quote; the page is whole."""
    quotes_on.answer = "slow"
    page = client.get(maotai.get_absolute_url())
    assert page.status_code == 200 and "茅台一季度营收增长" in page.content.decode()
    response = client.get(QUOTE_URL)
    assert response.status_code == 200
    assert response.json() == {"symbol": "1.600519", "quote": None}
    assert quotes_on.answered == []  # it answered before the provider did


@pytest.mark.parametrize("answer", ["500", "html", "not-http"])
def test_a_broken_provider_means_no_quote_never_an_error(client, quotes_on, maotai, answer):
    quotes_on.answer = answer
    response = client.get(QUOTE_URL)
    assert response.status_code == 200 and response.json()["quote"] is None


def test_a_refused_connection_means_no_quote(client, settings, refused_url, maotai):
    settings.QUOTES_URL = refused_url
    response = client.get(QUOTE_URL)
    assert response.status_code == 200 and response.json()["quote"] is None


def test_without_quotes_url_there_is_no_box_no_script_and_no_endpoint(
    client, settings, fake_provider, maotai
):
    settings.QUOTES_URL = ""
    html = client.get(maotai.get_absolute_url()).content.decode()
    assert "data-quote-url" not in html and "quote.js" not in html
    assert client.get(QUOTE_URL).status_code == 404
    assert fake_provider.asked == []


def test_only_stocks_with_a_public_page_are_quoted(client, quotes_on, make_stock, draft):
    """A stranger cannot make the site ask the provider about any code there is."""
    make_stock(0, "000001", "平安银行")  # mentioned by nothing
    draft.set_stocks([make_stock(1, "600000", "浦发银行")])  # mentioned by a draft only
    assert client.get("/stock/0.000001/quote.json").status_code == 404
    assert client.get("/stock/1.600000/quote.json").status_code == 404
    assert client.get("/stock/1.60051/quote.json").status_code == 404
    assert quotes_on.asked == []
