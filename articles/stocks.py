"""Securities typed as text: "106.NIO, 116.09866 600519 贵州茅台".

The article form's "相关证券" field is a line of tokens separated by commas
(ASCII or Chinese), 、, semicolons or spaces. Each token is one of:

- `market.code`: an EastMoney market id and a code (`106.NIO`, `116.09866`, `90.BK1037`);
- a bare A-share code of six digits: 6xxxxx/9xxxxx are 上交所 (1), 0xxxxx/2xxxxx/3xxxxx
  深交所 (0); other first digits (北交所 and the like) need an explicit market;
- a bare five-digit code: 港交所 (116);
- a bare sector code `BK1234`: 东财板块 (90);
- anything else: the name of a security already on file (贵州茅台).

A bare Latin ticker such as `NIO` is refused: the same letters can be listed on
three US exchanges, and the EastMoney URLs differ, so the editor must write
`105.`, `106.` or `107.`. `parse_stock_codes()` is pure (no database);
`resolve_stocks()` looks the tokens up and builds, but never saves, the new ones.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from .models import StockReference

SEPARATORS = re.compile(r"[\s,，、;；]+")
US_MARKETS = (105, 106, 107)
MAX_TOKENS = 50
SEARCH_LIMIT = 10

_SIX_DIGITS = re.compile(r"\d{6}")
_FIVE_DIGITS = re.compile(r"\d{5}")
_HK_CODE = re.compile(r"\d{1,5}")
_SECTOR = re.compile(r"BK\d{4}", re.I)
_US_CODE = re.compile(r"[A-Z][A-Z0-9.\-]{0,9}")
_TICKER_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9.\-]{0,9}")
_SYMBOL = re.compile(r"(\d{1,3})\.(\S+)")
# Market ids of A shares by the first digit of their six-digit code.
_A_SHARE_MARKET = {"6": 1, "9": 1, "0": 0, "2": 0, "3": 0}


@dataclass(frozen=True)
class StockToken:
    """One typed token: a (market, code) pair, or a name to look up."""

    text: str
    market: int | None = None
    code: str = ""
    name: str = ""

    @property
    def symbol(self) -> str:
        return f"{self.market}.{self.code}"


def _markets_hint() -> str:
    return "、".join(f"{m} {label}" for m, label in sorted(StockReference.MARKETS.items()))


def _normalise_code(market: int, code: str, token: str) -> str:
    """The code as EastMoney writes it for that market, or a ValidationError naming the token."""
    if market in (0, 1):
        if not _SIX_DIGITS.fullmatch(code):
            raise ValidationError(f"“{token}”：沪深证券代码应为 6 位数字。")
        return code
    if market == 116:
        if not _HK_CODE.fullmatch(code):
            raise ValidationError(f"“{token}”：港股代码应为数字，例如 116.00700。")
        return code.zfill(5)
    if market == StockReference.SECTOR_MARKET:
        if not _SECTOR.fullmatch(code):
            raise ValidationError(f"“{token}”：板块代码应为 BK 加 4 位数字，例如 90.BK1037。")
        return code.upper()
    if not _US_CODE.fullmatch(code.upper()):
        raise ValidationError(f"“{token}”：美股代码应为字母，例如 106.NIO。")
    return code.upper()


def parse_token(token: str) -> StockToken:
    """One token -> a StockToken; raises ValidationError with a message naming the token."""
    match = _SYMBOL.fullmatch(token)
    if match:
        market = int(match[1])
        if market not in StockReference.MARKETS:
            raise ValidationError(
                f"“{token}”：未知的市场代码 {market}。可用的市场代码：{_markets_hint()}。"
            )
        return StockToken(token, market, _normalise_code(market, match[2], token))
    if _SIX_DIGITS.fullmatch(token):
        market = _A_SHARE_MARKET.get(token[0])
        if market is None:
            raise ValidationError(
                f"“{token}”：无法判断所属市场，请写成“市场代码.证券代码”，例如 0.{token}。"
            )
        return StockToken(token, market, token)
    if _FIVE_DIGITS.fullmatch(token):
        return StockToken(token, 116, token)
    if _SECTOR.fullmatch(token):
        return StockToken(token, StockReference.SECTOR_MARKET, token.upper())
    if token.isdigit():
        raise ValidationError(
            f"“{token}”：无法识别的代码。沪深代码为 6 位数字，港股为 5 位数字，"
            "其他市场请写成“市场代码.证券代码”。"
        )
    return StockToken(token, name=token)


def parse_stock_codes(text: str) -> list[StockToken]:
    """Split and parse the field; every bad token is reported at once, in typed order."""
    tokens = [t for t in SEPARATORS.split(text or "") if t]
    if len(tokens) > MAX_TOKENS:
        raise ValidationError(f"一篇文章最多关联 {MAX_TOKENS} 只证券。")
    parsed, errors = [], []
    for token in tokens:
        try:
            parsed.append(parse_token(token))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return parsed


def resolve_stocks(tokens: list[StockToken], *, may_create: bool = True) -> list[StockReference]:
    """The securities the tokens name, in typed order, without duplicates.

    Codes not on file come back as unsaved StockReference objects (see
    `save_new_stocks`), so a form can validate and preview without writing.
    Names must match one security on file exactly (ignoring case); a Latin token
    that is not a name is a bare US ticker, which needs its market.
    """
    pairs = {(t.market, t.code) for t in tokens if t.market is not None}
    known_by_code: dict[tuple[int, str], StockReference] = {}
    if pairs:
        query = Q()
        for market, code in pairs:
            query |= Q(market=market, code=code)
        known_by_code = {(s.market, s.code): s for s in StockReference.objects.filter(query)}
    names = {t.name.casefold() for t in tokens if t.name}
    known_by_name: dict[str, list[StockReference]] = {}
    if names:
        name_query = Q()
        for name in names:
            name_query |= Q(name__iexact=name)
        for stock in StockReference.objects.filter(name_query):
            known_by_name.setdefault(stock.name.casefold(), []).append(stock)

    stocks, errors, seen = [], [], set()
    for token in tokens:
        if token.market is not None:
            stock = known_by_code.get((token.market, token.code))
            if stock is None:
                if not may_create:
                    errors.append(
                        f"“{token.text}”：{token.symbol} 尚未收录，您没有新增证券的权限。"
                    )
                    continue
                stock = StockReference(market=token.market, code=token.code)
        else:
            matches = known_by_name.get(token.name.casefold(), [])
            if len(matches) > 1:
                choices = "、".join(s.symbol for s in matches)
                errors.append(f"“{token.text}”：有多只同名证券（{choices}），请改填代码。")
                continue
            if not matches:
                errors.append(_unknown_name_message(token.text))
                continue
            stock = matches[0]
        key = (stock.market, stock.code)
        if key not in seen:
            seen.add(key)
            stocks.append(stock)
    if errors:
        raise ValidationError(errors)
    return stocks


def _unknown_name_message(token: str) -> str:
    if _TICKER_LIKE.fullmatch(token):
        on_file = StockReference.objects.filter(market__in=US_MARKETS, code__iexact=token)
        known = "、".join(str(s) for s in on_file)
        hint = f"已收录：{known}。" if known else ""
        return (
            f"“{token}”：美股代码须注明交易所，请写成 105.{token.upper()}（纳斯达克）、"
            f"106.{token.upper()}（纽交所）或 107.{token.upper()}（美交所）。{hint}"
        )
    return f"“{token}”：找不到这个名称的证券，请改填代码，例如 600519 或 106.NIO。"


def save_new_stocks(stocks: list[StockReference]) -> list[StockReference]:
    """Store the not-yet-saved securities of a resolved list; returns the list, all saved."""
    saved = []
    for stock in stocks:
        if stock.pk is None:
            # get_or_create: another editor may have added it since the form was checked.
            stock, _ = StockReference.objects.get_or_create(market=stock.market, code=stock.code)
        saved.append(stock)
    return saved


def format_stock_codes(stocks) -> str:
    """The field's text for an article's stocks, in order: "106.NIO, 1.600519"."""
    return ", ".join(stock.symbol for stock in stocks)


def search_stocks(query: str, limit: int = SEARCH_LIMIT) -> list[StockReference]:
    """Securities whose code or name contains `query` (or that match `market.code…`)."""
    query = (query or "").strip()
    if not query:
        return []
    condition = Q(code__icontains=query) | Q(name__icontains=query)
    match = re.fullmatch(r"(\d{1,3})\.(\S*)", query)
    if match:
        condition |= Q(market=int(match[1]), code__istartswith=match[2])
    return list(StockReference.objects.filter(condition).order_by("market", "code")[:limit])
