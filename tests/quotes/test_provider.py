"""quotes.provider against a real local HTTP server: good answers, slow and broken ones,
and the caches that keep a busy page or a dead provider from costing anything."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from articles.chinatime import CHINA
from quotes import provider
from quotes.provider import Quote, get_quote

from .conftest import AS_OF, GOOD, envelope


@pytest.fixture
def maotai(make_stock):
    return make_stock(1, "600519", "贵州茅台")


def test_a_good_answer_is_the_price_change_and_time_scaled_as_the_provider_says(quotes_on, maotai):
    """f43 and f169 are scaled by 10**f59, f170 by 100, f86 is seconds since 1970."""
    quote = get_quote(maotai)
    assert quote == Quote(
        name="贵州茅台",
        price=Decimal("1688.00"),
        change=Decimal("20.50"),
        change_percent=Decimal("1.23"),
        as_of=datetime.fromtimestamp(AS_OF, CHINA),
    )
    assert quote.direction == "up"
    assert quotes_on.asked == ["1.600519"]


def test_the_provider_is_asked_by_the_archives_market_and_code(quotes_on, make_stock):
    """The secid is the archive's market.code; a US share class takes EastMoney's `_`."""
    quotes_on.data["116.00700"] = {**GOOD, "f43": 383400, "f59": 3, "f169": -4600, "f170": -119}
    hk = get_quote(make_stock(116, "00700", "腾讯控股"))
    assert (hk.price, hk.change, hk.change_percent, hk.direction) == (
        Decimal("383.400"),
        Decimal("-4.600"),
        Decimal("-1.19"),
        "down",
    )
    get_quote(make_stock(106, "NIO", "蔚来"))
    get_quote(make_stock(106, "BRK.B"))
    assert quotes_on.asked == ["116.00700", "106.NIO", "106.BRK_B"]


def test_an_answer_is_kept_for_a_while_and_the_provider_asked_once(quotes_on, maotai):
    """A stock page read by many readers costs the provider one request per 15 s."""
    first = get_quote(maotai)
    assert [get_quote(maotai) for _ in range(5)] == [first] * 5
    assert quotes_on.asked == ["1.600519"]
    cache.clear()  # as when the 15 s are over
    assert get_quote(maotai) == first
    assert quotes_on.asked == ["1.600519", "1.600519"]


def test_without_quotes_url_nothing_is_asked_at_all(settings, fake_provider, maotai):
    """Off unless configured: no request to anyone, not even a failing one."""
    settings.QUOTES_URL = ""
    assert provider.enabled() is False
    assert get_quote(maotai) is None
    assert fake_provider.asked == []


def test_a_slow_provider_is_given_up_on_at_the_timeout(quotes_on, maotai):
    """The caller returns while the provider still holds its answer: no page waits on it."""
    quotes_on.answer = "slow"
    assert get_quote(maotai) is None
    assert quotes_on.asked == ["1.600519"]
    assert quotes_on.answered == []  # the answer was still being held when we gave up


def test_an_answer_that_trickles_in_is_given_up_on_too(quotes_on, maotai):
    """Each byte comes within any socket timeout; the whole answer does not: a hard limit."""
    quotes_on.answer = "trickle"
    assert get_quote(maotai) is None
    assert quotes_on.answered == []


def test_a_refused_connection_is_no_quote(settings, refused_url, maotai):
    settings.QUOTES_URL = refused_url
    assert get_quote(maotai) is None


@pytest.mark.parametrize(
    "answer",
    ["500", "html", "invalid-json", "not-http", "huge", b"[1, 2, 3]", b'{"rc": 0}', b"\xff\xfe"],
    ids=["http-500", "html", "invalid-json", "not-http", "huge", "a-list", "no-data", "not-utf8"],
)
def test_a_broken_provider_is_left_alone_for_a_while_for_every_stock(
    quotes_on, maotai, make_stock, answer
):
    """One failure, then no request at all until QUOTES_FAILURE_SECONDS are over, whatever
    stock is asked: a dead provider is not hammered, and each page costs one cache read."""
    quotes_on.answer = answer
    assert get_quote(maotai) is None
    quotes_on.answer = "good"
    assert get_quote(maotai) is None
    assert get_quote(make_stock(0, "000001", "平安银行")) is None
    assert quotes_on.asked == ["1.600519"]
    cache.clear()  # as when the 30 s are over
    assert get_quote(maotai).price == Decimal("1688.00")


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"f58": "贵州茅台"},
        {**GOOD, "f43": "-", "f169": "-", "f170": "-"},  # suspended: no trade
        {**GOOD, "f43": 1688.0},  # decimals (fltt=2) would be scaled twice
        {**GOOD, "f59": 40},
        {**GOOD, "f43": 0},
        {**GOOD, "f170": True},
    ],
    ids=["null", "empty", "name-only", "suspended", "decimals", "absurd-scale", "zero", "bool"],
)
def test_a_well_formed_answer_without_a_quote_is_none_for_that_stock_only(
    quotes_on, maotai, make_stock, data
):
    """`"data": null` is the provider's word for a code it does not know: remembered for
    that stock, while other stocks are still asked."""
    quotes_on.data["1.600519"] = data
    assert get_quote(maotai) is None
    assert get_quote(maotai) is None
    assert get_quote(make_stock(0, "000001", "平安银行")).price == Decimal("1688.00")
    assert quotes_on.asked == ["1.600519", "0.000001"]


def test_a_missing_name_or_time_still_gives_the_price(quotes_on, maotai):
    quotes_on.data["1.600519"] = {k: v for k, v in GOOD.items() if k not in ("f58", "f86")}
    quote = get_quote(maotai)
    assert (quote.name, quote.price, quote.as_of) == ("", Decimal("1688.00"), None)


def test_the_url_keeps_the_operators_own_parameters(settings, fake_provider, maotai):
    """QUOTES_URL may carry fixed parameters (EastMoney's ut=…): secid and fields follow."""
    settings.QUOTES_URL = fake_provider.url + "?ut=fixed-token"
    assert get_quote(maotai).price == Decimal("1688.00")
    assert fake_provider.asked == ["1.600519"]


def test_parse_reads_eastmoneys_own_answer():
    """The shape of a real answer (fields in the provider's order, extra keys around)."""
    body = (
        b'{"rc":0,"rt":4,"svr":181734976,"lt":1,"full":1,"dlmkts":"","data":'
        b'{"f43":2330,"f57":"000001","f58":"\xe5\xb9\xb3\xe5\xae\x89\xe9\x93\xb6\xe8\xa1\x8c",'
        b'"f59":2,"f86":1714975500,"f169":0,"f170":0}}'
    )
    quote = provider.parse(body)
    assert (quote.name, quote.price, quote.change_percent, quote.direction) == (
        "平安银行",
        Decimal("23.30"),
        Decimal("0.00"),
        "flat",
    )
    assert provider.parse(b'{"data": null}') is None
    assert envelope(None)["data"] is None
