"""`/stock/<market>.<code>/quote.json`: the data of a stock page's quote box.

Why a separate endpoint rather than the price in the page: the page cache keeps a stock
page whole for minutes (pagecache/), and a price rendered into it would freeze there.
The page carries an empty, hidden box; static/js/quote.js fills it from here, so cached
pages stay cached and the price stays fresh. Without the script the page simply has
no price.

How long this answer may be kept, and by whom (the decision, made here):
- browsers and shared caches in front (Varnish) keep it QUOTES_CACHE_SECONDS (15 s):
  `Cache-Control: public, max-age=15, s-maxage=15`;
- the page cache does not store it at all: it keeps responses until a purge or five
  minutes, and nothing purges a price. pagecache/middleware.py leaves alone every
  response that names its own s-maxage, as this one does;
- behind it, quotes.provider keeps the provider's answer 15 s in the shared cache, so
  a busy stock costs the provider one request per 15 s, and each request here one
  indexed query and one cache read.
"""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control

from articles import chinatime, listings

from . import provider


def stock_quote(request, market, code):
    # Off: no such URL, so the page (which then has no box and no script) and this agree.
    if not provider.enabled():
        raise Http404("行情未开启")
    # Only securities the site has a page for: a stranger cannot make us ask the
    # provider about every code there is.
    stock = get_object_or_404(listings.public_stocks(), market=int(market), code=code)
    quote = provider.get_quote(stock)
    response = JsonResponse(
        {"symbol": stock.symbol, "quote": as_json(quote) if quote else None},
        json_dumps_params={"ensure_ascii": False},
    )
    seconds = settings.QUOTES_CACHE_SECONDS
    patch_cache_control(response, public=True, max_age=seconds, s_maxage=seconds)
    return response


def as_json(quote: provider.Quote) -> dict:
    """The quote, and the text a reader sees (formatted here, so the script stays small
    and every page says it the same way: 1,688.00 +20.50 +1.23%)."""
    return {
        "name": quote.name,
        "price": str(quote.price),
        "change": str(quote.change),
        "change_percent": str(quote.change_percent),
        "as_of": quote.as_of.isoformat() if quote.as_of else None,
        "direction": quote.direction,
        "price_text": f"{quote.price:,}",
        "change_text": _signed(quote.change),
        "change_percent_text": _signed(quote.change_percent) + "%",
        "as_of_text": _as_of_text(quote.as_of),
    }


def _signed(value) -> str:
    # A plus sign for a rise, as every Chinese quote board writes it; none for 0.00.
    return f"{value:+,}" if value else f"{value:,}"


def _as_of_text(moment) -> str:
    if moment is None:
        return ""
    if chinatime.china_day(moment) == chinatime.today():
        return f"{moment:%H:%M}"
    if moment.year == chinatime.today().year:
        return f"{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
