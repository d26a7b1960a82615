"""Quotes beside the news: one security's price and 涨跌幅 from an outside provider.

The one interface is `get_quote(stock) -> Quote | None`, keyed by the archive's own
`market.code` (EastMoney's secid: 1.600519, 116.00700, 106.NIO). The rest of the site
never talks to the provider, and the provider never slows a reader down:

- **Off unless configured.** Without `QUOTES_URL` nothing is asked, ever (None).
- **A hard timeout.** The request runs in a small pool of worker threads and the caller
  waits at most `QUOTES_TIMEOUT` seconds in all: connecting, DNS (which no socket
  timeout bounds), a server that answers slowly or trickles its bytes. A request still
  running then is left to its own socket timeout and read deadline, so a worker thread
  is never held for long either.
- **A short cache.** An answer is kept `QUOTES_CACHE_SECONDS` (15 s) in the default
  cache, shared by every worker: one request per security per 15 s, whatever the traffic.
- **Negative caches.** A provider that fails (refused, timed out, HTTP error, a body that
  is not its JSON) is left alone for `QUOTES_FAILURE_SECONDS`, for every security:
  a dead provider is not hammered, and each page asking meanwhile costs one cache read.
  A well-formed answer without a usable quote (`"data": null` for a code it does not
  know, a suspended stock's "-") is remembered for that security alone.

The default shape is EastMoney's public quote endpoint,
`https://push2.eastmoney.com/api/qt/stock/get?secid=1.600519&fields=…`: prices are
integers scaled by 10**f59 (f43 latest price, f169 change), f170 is the change in
percent times 100, f86 the time of the quote in seconds since 1970, f58 the name.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache

from articles.chinatime import CHINA
from articles.securities import US_MARKETS

logger = logging.getLogger(__name__)

FIELDS = "f43,f57,f58,f59,f86,f169,f170"
# A quote is a few hundred bytes; anything much larger is not one (a portal's HTML page).
MAX_BYTES = 64 * 1024
# Threads that may wait on the provider at once, per process. More callers than this
# wait in the queue, still no longer than the timeout.
WORKERS = 4
CACHE_PREFIX = "quotes:v1:"
DOWN_KEY = CACHE_PREFIX + "provider-down"
# What the cache keeps for a security the provider has no quote for.
NO_QUOTE = "none"


@dataclass(frozen=True)
class Quote:
    """The latest price of one security, as the provider reported it."""

    name: str
    price: Decimal
    change: Decimal
    change_percent: Decimal
    as_of: datetime | None

    @property
    def direction(self) -> str:
        """up, down or flat: red, green or grey on the page (Chinese convention)."""
        if self.change_percent > 0 or (self.change_percent == 0 and self.change > 0):
            return "up"
        if self.change_percent < 0 or (self.change_percent == 0 and self.change < 0):
            return "down"
        return "flat"


class ProviderError(Exception):
    """The provider did not answer with its JSON: leave it alone for a while."""


def enabled() -> bool:
    return bool(settings.QUOTES_URL)


def secid(stock) -> str:
    """The provider's name for `stock`: `market.code`, with EastMoney's `_` for a US
    share class (BRK.B and BRK-B are 106.BRK_B there)."""
    code = stock.code
    if stock.market in US_MARKETS:
        code = code.replace(".", "_").replace("-", "_")
    return f"{stock.market}.{code}"


def get_quote(stock) -> Quote | None:
    """`stock`'s quote, or None: off, failing, slow, or no quote for it. Never raises."""
    if not enabled():
        return None
    key = CACHE_PREFIX + secid(stock)
    try:
        cached = cache.get_many([key, DOWN_KEY])
    except Exception:  # noqa: BLE001 - a broken cache must not break the page
        logger.exception("quotes: the cache cannot be read")
        cached = {}
    if DOWN_KEY in cached:
        return None
    if key in cached:
        return None if cached[key] == NO_QUOTE else _from_cache(cached[key])
    try:
        quote = _fetch(secid(stock))
    except Exception as exc:  # noqa: BLE001 - ProviderError, or a surprise: same answer
        if not isinstance(exc, ProviderError):
            logger.exception("quotes: an unexpected failure asking the provider")
        logger.warning(
            "quotes: the provider failed (%s); not asking again for %s s",
            exc,
            settings.QUOTES_FAILURE_SECONDS,
        )
        _remember(DOWN_KEY, True, settings.QUOTES_FAILURE_SECONDS)
        return None
    if quote is None:
        _remember(key, NO_QUOTE, settings.QUOTES_FAILURE_SECONDS)
        return None
    _remember(key, _to_cache(quote), settings.QUOTES_CACHE_SECONDS)
    return quote


def _remember(key: str, value, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception:  # noqa: BLE001 - the answer still reaches this reader
        logger.exception("quotes: the cache cannot be written")


# The cache keeps plain values, not the class: a deploy that changes Quote must not
# meet pickles of the old one.
def _to_cache(quote: Quote) -> dict:
    return {
        "name": quote.name,
        "price": str(quote.price),
        "change": str(quote.change),
        "change_percent": str(quote.change_percent),
        "as_of": quote.as_of.timestamp() if quote.as_of else None,
    }


def _from_cache(value) -> Quote | None:
    try:
        return Quote(
            name=value["name"],
            price=Decimal(value["price"]),
            change=Decimal(value["change"]),
            change_percent=Decimal(value["change_percent"]),
            as_of=datetime.fromtimestamp(value["as_of"], CHINA) if value["as_of"] else None,
        )
    except (TypeError, KeyError, ArithmeticError, ValueError):
        return None


# One pool per process: a pool made before gunicorn forks would have no threads in
# the child.
_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(WORKERS, thread_name_prefix="quotes"))
        return _pool[1]


def _fetch(sec: str) -> Quote | None:
    """Ask the provider, waiting QUOTES_TIMEOUT seconds at most (ProviderError after)."""
    timeout = settings.QUOTES_TIMEOUT
    separator = "&" if "?" in settings.QUOTES_URL else "?"
    url = settings.QUOTES_URL + separator + urlencode({"secid": sec, "fields": FIELDS})
    future = _executor().submit(_download, url, timeout)
    try:
        body = future.result(timeout=timeout)
    except FutureTimeout:
        future.cancel()  # still queued behind busy workers: never sent at all
        raise ProviderError(f"no answer within {timeout} s") from None
    except (OSError, http.client.HTTPException) as exc:
        # Refused, reset, an HTTP error status (HTTPError), TLS, a reply that is not HTTP.
        raise ProviderError(str(exc) or type(exc).__name__) from None
    return parse(body)


def _download(url: str, timeout: float) -> bytes:
    """The body at `url` (a worker thread): every socket wait is bounded by `timeout`,
    the whole read by a deadline, the size by MAX_BYTES."""
    deadline = time.monotonic() + 2 * timeout
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "Mozilla/5.0 (Newsroom)"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only, see settings
        chunks, size = [], 0
        while size <= MAX_BYTES:
            if time.monotonic() > deadline:
                raise TimeoutError("the answer trickled in too slowly")
            chunk = response.read1(8192)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
    raise ProviderError(f"an answer larger than {MAX_BYTES} bytes")


def parse(body: bytes) -> Quote | None:
    """EastMoney's answer as a Quote; None for a well-formed answer without one;
    ProviderError for anything that is not its JSON."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProviderError("the answer is not JSON") from None
    if not isinstance(answer, dict) or "data" not in answer:
        raise ProviderError("the answer has no data")
    data = answer["data"]
    if not isinstance(data, dict):
        return None  # "data": null, the provider's word for a code it does not know
    price, change, percent, digits = (data.get(f) for f in ("f43", "f169", "f170", "f59"))
    # Integers only: a suspended security says "-", and fltt=2 (decimals) in QUOTES_URL
    # would be scaled twice.
    if not all(_is_int(v) for v in (price, change, percent, digits)) or not 0 <= digits <= 6:
        return None
    if price <= 0:
        return None
    name = data.get("f58")
    return Quote(
        name=name.strip()[:100] if isinstance(name, str) else "",
        price=Decimal(price).scaleb(-digits),
        change=Decimal(change).scaleb(-digits),
        change_percent=Decimal(percent).scaleb(-2),
        as_of=_moment(data.get("f86")),
    )


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _moment(seconds) -> datetime | None:
    # 2000 to 2100: anything else is not the time of a quote.
    if not _is_int(seconds) or not 946_684_800 <= seconds < 4_102_444_800:
        return None
    return datetime.fromtimestamp(seconds, CHINA)
