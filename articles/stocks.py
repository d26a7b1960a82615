"""Securities typed as text: "106.NIO, 116.09866 600519 贵州茅台 106.BRK.B（伯克希尔）".

The article form's "相关证券" field is a line of tokens separated by commas
(ASCII or Chinese), 、, semicolons or spaces. Each token is one of:

- `market.code`: an EastMoney market id and a code (`106.NIO`, `106.BRK.B`, `116.09866`);
- a bare A-share code of six digits: 6xxxxx/9xxxxx are 上交所 (1), 0xxxxx/2xxxxx/3xxxxx
  深交所 (0); other first digits (北交所 and the like) need an explicit market;
- a bare five-digit code: 港交所 (116);
- a bare sector code `BK1234`: 东财板块 (90);
- an exchange's own spelling: `sh600519`, `600519.SH`, `sz000001`, `0700.HK`;
- anything else: the name of a security already on file (贵州茅台).

A code may carry a name in brackets, `09866（蔚来）`: a security not yet on file needs
one, so a typo (`60051` for 600051) is never silently filed as a new, nameless
Hong Kong stock. What a code may look like in each market is `articles.securities`,
shared with the model, the legacy parser and the URL.

A bare Latin ticker such as `NIO` is refused: the same letters can be listed on
three US exchanges, and the EastMoney URLs differ, so the editor must write
`105.`, `106.` or `107.`. `parse_stock_codes()` is pure (no database);
`resolve_stocks()` looks the tokens up and builds, but never saves, the new ones.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from . import securities
from .models import StockReference
from .text import clean_line

# A token, optionally followed by a bracketed name (which may hold spaces).
_TOKEN = re.compile(r"([^\s,，、;；()（）]+)(?:\s*[（(]([^()（）]*)[)）])?|[()（）]")
US_MARKETS = securities.US_MARKETS
MAX_TOKENS = 50
NAME_MAX_LENGTH = 100

_SIX_DIGITS = re.compile(r"[0-9]{6}")
_FIVE_DIGITS = re.compile(r"[0-9]{5}")
_SECTOR = re.compile(r"BK[0-9]{4}", re.I)
_TICKER_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,14}")
_SYMBOL = re.compile(r"([0-9]{1,3})\.(\S+)")
# Market ids of A shares by the first digit of their six-digit code.
A_SHARE_MARKET = securities.A_SHARE_MARKET


@dataclass(frozen=True)
class StockToken:
    """One typed token: a (market, code) pair, or a name to look up.

    `label` is the name typed in brackets after a code, for a security not yet on file.
    """

    text: str
    market: int | None = None
    code: str = ""
    name: str = ""
    label: str = ""

    @property
    def symbol(self) -> str:
        return f"{self.market}.{self.code}"


def _code_of(market: int, code: str, token: str) -> str:
    try:
        return securities.normalise_code(market, code)
    except ValidationError as exc:
        raise ValidationError(f"“{token}”：{exc.messages[0]}") from None


def parse_token(token: str, label: str = "") -> StockToken:
    """One token -> a StockToken; raises ValidationError with a message naming the token."""
    match = _SYMBOL.fullmatch(token)
    if match:
        market = int(match[1])
        return StockToken(token, market, _code_of(market, match[2], token), label=label)
    if _SIX_DIGITS.fullmatch(token):
        market = A_SHARE_MARKET.get(token[0])
        if market is None:
            raise ValidationError(
                f"“{token}”：无法判断所属市场，请写成“市场代码.证券代码”，例如 0.{token}。"
            )
        return StockToken(token, market, token, label=label)
    if _FIVE_DIGITS.fullmatch(token):
        return StockToken(token, securities.HK_MARKET, token, label=label)
    if _SECTOR.fullmatch(token):
        return StockToken(token, securities.SECTOR_MARKET, token.upper(), label=label)
    written = securities.written_code(token)
    if written is not None and written[0] is not None:
        # sh600519, 600519.SH, 0700.HK: the forms the picker and the 快讯台 read too.
        return StockToken(token, written[0], written[1], label=label)
    if token.isdigit():
        raise ValidationError(
            f"“{token}”：无法识别的代码。沪深代码为 6 位数字，港股为 5 位数字，"
            "其他市场请写成“市场代码.证券代码”。"
        )
    if label:
        raise ValidationError(
            f"“{token}（{label}）”：括号里的名称要写在代码后面，例如 600519（贵州茅台）。"
        )
    return StockToken(token, name=token)


def parse_stock_codes(text: str) -> list[StockToken]:
    """Split and parse the field; every bad token is reported at once, in typed order."""
    parsed, errors = [], []
    found = list(_TOKEN.finditer(clean_line(text)))
    if len(found) > MAX_TOKENS:
        raise ValidationError(f"一篇文章最多关联 {MAX_TOKENS} 只证券。")
    for match in found:
        token, label = match[1], clean_line(match[2] or "")
        if token is None:
            errors.append(f"“{match[0]}”：括号不成对。名称请写成 600519（贵州茅台）。")
            continue
        if len(label) > NAME_MAX_LENGTH:
            errors.append(f"“{token}”：名称最多 {NAME_MAX_LENGTH} 个字。")
            continue
        try:
            parsed.append(parse_token(token, label))
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

    # A new code needs its name once in the field, wherever it is repeated.
    labels: dict[tuple[int, str], str] = {}
    for token in tokens:
        if token.label:
            labels.setdefault((token.market, token.code), token.label)

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
                label = labels.get((token.market, token.code))
                if not label:
                    errors.append(_unknown_code_message(token))
                    continue
                stock = StockReference(market=token.market, code=token.code, name=label)
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


def _unknown_code_message(token: StockToken) -> str:
    exchange = securities.market_label(token.market)
    return (
        f"“{token.text}”：{token.symbol}（{exchange}）尚未收录。如确是新证券，请在代码后用括号"
        f"写上名称，例如 {token.text}（名称）；否则请检查代码是否写错。"
    )


def _unknown_name_message(token: str) -> str:
    exchange = securities.mistyped_exchange(token)
    if exchange is not None:
        if exchange == "hk":
            return f"“{token}”：港股代码为 5 位以内的数字，例如 00700、0700.HK 或 116.00700。"
        if exchange == "bj":
            return f"“{token}”：本站暂未收录北交所证券，请改填名称。"
        return (
            f"“{token}”：沪深证券代码为 6 位数字，例如 sh600519、600519.SH、sz000001 "
            "或 1.600519，请检查是否少写或多写了数字。"
        )
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
            stock, _ = StockReference.objects.get_or_create(
                market=stock.market, code=stock.code, defaults={"name": stock.name}
            )
        saved.append(stock)
    return saved


def format_stock_codes(stocks) -> str:
    """The field's text for an article's stocks, in order: "106.NIO, 1.600519"."""
    return ", ".join(stock.symbol for stock in stocks)


def chip_label(stock: StockReference) -> str:
    """What the picker's chip shows for a security: "600519 贵州茅台"."""
    return f"{stock.code} {stock.name}".strip()


def chip_labels(text: str) -> dict[str, str]:
    """{token as typed: chip label} for the tokens of `text` that name a security on file.

    For the 相关证券 picker (a form shown again after an error keeps what was typed,
    and its chips still show names). Tokens that do not parse are left out: the
    form's own check reports them.
    """
    tokens = []
    for match in _TOKEN.finditer(clean_line(text)):
        if match[1] is None or match[2]:
            continue  # a stray bracket, or a new security named in brackets
        try:
            tokens.append(parse_token(match[1]))
        except ValidationError:
            continue
    tokens = tokens[:MAX_TOKENS]
    if not tokens:
        return {}
    pairs = Q()
    for token in tokens:
        if token.market is not None:
            pairs |= Q(market=token.market, code=token.code)
    names = {t.name for t in tokens if t.name}
    if names:
        pairs |= Q(name__in=names)
    found = StockReference.objects.filter(pairs)
    by_pair = {(s.market, s.code): s for s in found}
    by_name = {s.name: s for s in found if s.name}
    labels = {}
    for token in tokens:
        stock = by_pair.get((token.market, token.code)) if token.market is not None else None
        stock = stock or by_name.get(token.name)
        if stock is not None:
            labels[token.text] = chip_label(stock)
    return labels
