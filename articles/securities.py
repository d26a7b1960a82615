"""The grammar of security codes, in one place.

The article form (`articles.stocks`), the legacy parser, `StockReference.save()` and
the stock URL converter all ask this module, so a code one of them accepts is a code
every other one accepts: a stored security always has a working public URL.

A security is an EastMoney market id and a code written as that market writes it:

- 0 深交所, 1 上交所: six digits (000001, 600519, the index 399006);
- 116 港交所: five digits (00700; fewer digits are zero-padded);
- 105 纳斯达克, 106 纽交所, 107 美交所: letters and digits, then at most one share
  class after `.`, `-` or `_` (NIO, BRK.B, BF-B);
- 90 东财板块: BK and four digits (BK1037).

How people write a code, beyond `market.code` (sh600519, 600519.SH, 0700.HK, a bare
600519 or NIO), is `written_codes()` / `written_code()` here too: the 快讯台 finds
codes in a flash with it, the securities lookup reads a query with it.

Pure: no database, no Django models.
"""

import re

from django.core.exceptions import ValidationError

MARKETS = {
    0: "深交所",
    1: "上交所",
    116: "港交所",
    105: "纳斯达克",
    106: "纽交所",
    107: "美交所",
    90: "东财板块",
}
A_SHARE_MARKETS = (0, 1)
HK_MARKET = 116
US_MARKETS = (105, 106, 107)
SECTOR_MARKET = 90
CODE_MAX_LENGTH = 20

# [0-9], not \d: \d also matches Arabic-Indic and other digits.
_A_SHARE = r"[0-9]{6}"
_HK = r"[0-9]{5}"
_SECTOR = r"BK[0-9]{4}"
# A ticker, then at most one class suffix: BRK.A (NYSE's spelling), BRK-B, BRK_B (EastMoney's).
_US = r"[A-Z][A-Z0-9]{0,9}(?:[._-][A-Z0-9]{1,4})?"

_CANONICAL = {
    **dict.fromkeys(A_SHARE_MARKETS, re.compile(_A_SHARE)),
    HK_MARKET: re.compile(_HK),
    **dict.fromkeys(US_MARKETS, re.compile(_US)),
    SECTOR_MARKET: re.compile(_SECTOR),
}

# Every canonical code of every market, for the URL converter.
URL_CODE_REGEX = f"{_A_SHARE}|{_HK}|{_SECTOR}|{_US}"

EXAMPLES = {0: "000001", 1: "600519", HK_MARKET: "00700", SECTOR_MARKET: "BK1037"}


def market_label(market: int) -> str:
    return MARKETS.get(market, f"市场 {market}")


def markets_hint() -> str:
    return "、".join(f"{m} {label}" for m, label in sorted(MARKETS.items()))


def normalise_code(market: int, code: str) -> str:
    """`code` as `market` writes it (upper case, HK zero-padded), or a ValidationError.

    The message names the market's rule in Chinese, so the form, the stock admin and
    the shell all say the same thing.
    """
    if market not in MARKETS:
        raise ValidationError(f"未知的市场代码 {market}。可用的市场代码：{markets_hint()}。")
    code = (code or "").strip()
    # Upper-casing first would turn some non-ASCII letters into ASCII ones ("ı" -> "I").
    code = code.upper() if code.isascii() else code
    if market == HK_MARKET and code.isascii() and code.isdigit() and len(code) < 5:
        code = code.zfill(5)
    if _CANONICAL[market].fullmatch(code):
        return code
    if market in A_SHARE_MARKETS:
        raise ValidationError(f"沪深证券代码应为 6 位数字，例如 {market}.{EXAMPLES[market]}。")
    if market == HK_MARKET:
        raise ValidationError("港股代码应为 5 位数字，例如 116.00700。")
    if market == SECTOR_MARKET:
        raise ValidationError("板块代码应为 BK 加 4 位数字，例如 90.BK1037。")
    raise ValidationError(
        "美股代码应为英文字母（可带数字），股份类别用点或连字符分隔，例如 106.NIO、106.BRK.B。"
    )


def normalised_or_none(market: int, code: str) -> str | None:
    """`normalise_code`, or None where it would refuse (for readers of old markup)."""
    try:
        return normalise_code(market, code)
    except ValidationError:
        return None


def is_valid(market: int, code: str) -> bool:
    """Whether (market, code) is stored as is: in a known market and already canonical."""
    pattern = _CANONICAL.get(market)
    return bool(pattern and pattern.fullmatch(code or ""))


# -- codes as people write them ---------------------------------------------------------

# A-share markets by the first digit of a six-digit code: 6xxxxx/9xxxxx 上交所,
# 0xxxxx/2xxxxx/3xxxxx 深交所 (the article form infers no other).
A_SHARE_MARKET = {"6": 1, "9": 1, "0": 0, "2": 0, "3": 0}
# 北交所's 4xxxxx and 8xxxxx trade under EastMoney's market 0, as 深交所 does. The form
# asks for an explicit market there; a flash or a lookup only keeps codes on file.
_WRITTEN_A_SHARE_MARKET = {**A_SHARE_MARKET, "4": 0, "8": 0}
_EXCHANGE_MARKET = {"sh": 1, "sz": 0, "bj": 0}

# Codes as Chinese investors and data terminals write them. Each is only a candidate:
# a reader of it keeps those on file.
WRITTEN_CODE = re.compile(
    r"(?<![0-9A-Za-z.])(?:"
    r"(?P<prefix>sh|sz|bj)(?P<prefixed>[0-9]{6})"
    r"|(?P<suffixed>[0-9]{6})\.(?P<suffix>sh|sz|bj)"
    r"|(?P<hk>[0-9]{4,5})\.hk"
    r"|(?P<market>[0-9]{1,3})\.(?P<code>[0-9A-Za-z]+(?:[.-][A-Za-z])?)"
    r"|(?P<bare>[0-9]{6}|[0-9]{5})"
    r"|(?P<ticker>[A-Z]{2,5}(?:\.[A-Z])?)"
    r")(?![0-9A-Za-z])",
    re.I,
)


def _read(match: re.Match) -> tuple[int | None, str] | None:
    """(market, code) of one WRITTEN_CODE match; market None for a bare US ticker."""
    if match["prefixed"]:
        return _EXCHANGE_MARKET[match["prefix"].lower()], match["prefixed"]
    if match["suffixed"]:
        return _EXCHANGE_MARKET[match["suffix"].lower()], match["suffixed"]
    if match["hk"]:
        code = normalised_or_none(HK_MARKET, match["hk"])
        return (HK_MARKET, code) if code else None
    if match["market"]:
        code = normalised_or_none(int(match["market"]), match["code"])
        return (int(match["market"]), code) if code else None
    if match["bare"] and len(match["bare"]) == 6:
        market = _WRITTEN_A_SHARE_MARKET.get(match["bare"][0])
        return (market, match["bare"]) if market is not None else None
    if match["bare"]:
        return HK_MARKET, match["bare"]
    # A ticker in running text is upper case; "and" or "ok" in a flash names nothing.
    if match["ticker"] and match["ticker"].isupper():
        return None, match["ticker"]
    return None


def written_codes(text: str) -> list[tuple[int, tuple[int | None, str]]]:
    """(position, (market, code)) of every code written in a text, in order."""
    found = []
    for match in WRITTEN_CODE.finditer(text):
        pair = _read(match)
        if pair is not None:
            found.append((match.start(), pair))
    return found


# An exchange's letters with digits that make no code of it (sh60051, hk700, 60051.SH):
# a mistyped A-share or Hong Kong code, never a US ticker (SHOP is one).
_MISTYPED_EXCHANGE = re.compile(
    r"(?P<prefix>sh|sz|bj|hk)[0-9]+|[0-9]+\.(?P<suffix>sh|sz|bj|hk)", re.IGNORECASE
)


def mistyped_exchange(text: str) -> str | None:
    """The exchange (`sh`, `sz`, `bj` or `hk`) whose letters `text` writes with digits
    that make none of its codes, else None: what an error message should speak of."""
    match = _MISTYPED_EXCHANGE.fullmatch(text.strip())
    return (match["prefix"] or match["suffix"]).lower() if match else None


def written_code(text: str) -> tuple[int | None, str] | None:
    """(market, code) when the whole of `text` is one written code (`sh600519`), else None."""
    match = WRITTEN_CODE.fullmatch(text.strip())
    return _read(match) if match else None
