"""The securities a legacy post mentions, and the links that replace its stock markup.

EastMoney marked stocks up in several ways: K-line widgets, "keytip" links, spans with
ids or `data-code`, sector-board spans. The site stores the securities (as StockMention)
and renders its own links, so each construct is either replaced by a link to our stock
page or dropped. Pure Python: codes are checked by `articles.securities`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from articles import securities
from articles.text import html_to_text

from .post import StockMention


def legacy_code_pattern() -> str:
    """The grammar of a security code in legacy markup, as a regex without groups.

    SHARED GRAMMAR HOOK: every code the parser reads (widgets' data-code="CODE|MARKET|TYPE",
    inline data-code="MARKET,CODE", quote-page hrefs /unify/r/MARKET.CODE, span ids) is
    matched by this one pattern. Point it at the project's shared code grammar (US tickers
    such as 106.BRK.B and BF-B included) once there is one; keep it free of capturing groups
    and of Django imports (this module is pure Python). Until then it accepts what EastMoney
    writes: letters, digits, '.', '_' and '-'.
    """
    return r"[A-Za-z0-9._-]+"


_CODE = legacy_code_pattern()

# One pass over the body recognises every stock-related construct, so mentions are recorded in
# document order whatever mix of widgets and inline spans a post uses. Element contents are
# matched as "anything but the same tag" with possessive loops, which keeps the scan linear
# even on a file full of unclosed tags.
_STOCK_CONSTRUCTS = re.compile(
    r"""
    (?P<widget><!--\s*EM_StockImg_Start\s*-->(?:[^<]++|<(?!!--\s*EM_StockImg_))*+
        <!--\s*EM_StockImg_End\s*-->)
    | (?P<remark><p\b[^>]*>\s*<a\b[^>]*\bEmImageRemark\b[^>]*>(?:[^<]++|<(?!/?a\b))*+</a\s*>
        \s*</p\s*>)
    | (?P<spacer><p\b[^>]*\bstyle\s*=\s*["'][^"']*display\s*:\s*none[^"']*["'][^>]*>
         (?:\s|&nbsp;|<br\s*/?>)*</p\s*>)
    | (?P<span><span\b(?P<span_attrs>[^>]*)>(?P<span_inner>(?:[^<]++|<(?!/?span\b))*+)</span\s*>)
    | (?P<keytip><a\b(?P<a_attrs>[^>]*\b(?:keytip|infokey)\b[^>]*)>
        (?P<a_inner>(?:[^<]++|<(?!/?a\b))*+)</a\s*>)
    """,
    re.VERBOSE | re.IGNORECASE | re.DOTALL,
)
# "CODE|MARKET|TYPE" in widgets (the image's copy is prefixed with "K ").
_WIDGET_CODE = re.compile(rf"\bdata-code\s*=\s*[\"'](?:K\s+)?({_CODE})\|(\d{{1,4}})\|")
# A quote page, of a company or an index alike: quote.eastmoney.com/unify/r/0.399006.
_UNIFY_HREF = re.compile(rf"/unify/r/(\d{{1,4}})\.({_CODE})")
# "MARKET,CODE" on inline keytips and em_stock_key_common spans.
_INLINE_CODE = re.compile(rf"\bdata-code\s*=\s*[\"'](\d{{1,4}}),({_CODE})[\"']")
# stock_0.000776, bk_90.BK0473, Info.116.06030: a market and a code.
_SPAN_ID_STOCK = re.compile(
    rf"\bid\s*=\s*[\"'](?:stock_|bk_|Info\.)(\d{{1,4}})\.({_CODE})[\"']", re.IGNORECASE
)
# quote_0.000776 and bkquote_90.BK0473 are empty placeholders for a live price.
_SPAN_ID_QUOTE = re.compile(r"\bid\s*=\s*[\"'](?:bk)?quote_", re.IGNORECASE)
_EM_STOCK_KEY = re.compile(r"\bem_stock_key_common\b", re.IGNORECASE)
_INFOKEY_LINK = re.compile(
    r"<a\b[^>]*\bhref\s*=\s*[\"']([^\"']*)[\"'][^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL
)


class StockLinker:
    """One body's stock markup: `link(body)` rewrites it and records what it mentions.

    `stock_url(market, code)` gives the href of our page for a security.
    """

    def __init__(self, stock_url: Callable[[int, str], str]):
        self.stock_url = stock_url
        # (market, code) -> name, in order of first mention.
        self._mentions: dict[tuple[int, str], str] = {}

    def link(self, body: str) -> str:
        return _STOCK_CONSTRUCTS.sub(self._replace_stock_construct, body)

    @property
    def mentions(self) -> list[StockMention]:
        return [StockMention(m, c, n) for (m, c), n in self._mentions.items()]

    def _replace_stock_construct(self, match: re.Match) -> str:
        if match["widget"] is not None or match["remark"] is not None:
            chunk = match[0]
            found = [(m[2], m[1]) for m in _WIDGET_CODE.finditer(chunk)]
            found += _UNIFY_HREF.findall(chunk)
            for market, code in found:
                self._mention(market, code, "")
            return ""
        if match["spacer"] is not None:
            return ""
        if match["keytip"] is not None:
            # A keytip, or an infokey link outside its span: a mention when it names a
            # security (an index's quote page is one); a link to a data page stays as it is.
            ids = _quote_ids(match["a_attrs"])
            if not ids:
                return match[0]
            return self._stock_link(ids[1], ids[2], match["a_inner"])
        return self._replace_span(match)

    def _replace_span(self, match: re.Match) -> str:
        attrs, inner = match["span_attrs"], match["span_inner"]
        if _SPAN_ID_QUOTE.search(attrs):
            return ""  # live-price placeholder, empty in every file
        if _EM_STOCK_KEY.search(attrs):
            ids = _INLINE_CODE.search(attrs) or _UNIFY_HREF.search(attrs)
        elif span_id := _SPAN_ID_STOCK.search(attrs):
            # The keytip's own data-code is authoritative; the span id repeats it.
            ids = _INLINE_CODE.search(inner) or span_id
        else:
            ids = None
        if ids:
            return self._stock_link(ids[1], ids[2], inner)
        if "infokey" in inner and (link := _INFOKEY_LINK.search(inner)):
            if ids := _quote_ids(inner[link.start() : link.start(2)]):
                # A link to a quote page, such as an index's (创业板指 0.399006).
                return self._stock_link(ids[1], ids[2], link[2])
            # A link to an EastMoney data page: an ordinary link, minus the tooltip wrapper.
            href = html.escape(html.unescape(link[1]))
            return f'<a href="{href}">{html.escape(html_to_text(link[2]), quote=False)}</a>'
        # Any other span stays, but a keytip inside it (no span can be) is still a mention.
        inner = _STOCK_CONSTRUCTS.sub(self._replace_stock_construct, inner)
        return f"<span{attrs}>{inner}</span>"

    def _stock_link(self, market: str, code: str, inner_html: str) -> str:
        name = html_to_text(inner_html)
        key = self._mention(market, code, name)
        if key is None:
            # Not a security we can file (an unknown market, a garbled code): its text stays.
            return html.escape(name or code, quote=False)
        href = html.escape(self.stock_url(*key))
        return f'<a href="{href}" class="stock-link">{html.escape(name or code, quote=False)}</a>'

    def _mention(self, market: str, code: str, name: str) -> tuple[int, str] | None:
        """Record a mention under the code as its market writes it (articles.securities)."""
        market_id = int(market)
        code = securities.normalised_or_none(market_id, code)
        if code is None:
            return None
        key = (market_id, code)
        if not self._mentions.get(key):
            # Updating a key keeps its place, so the order stays that of the first mention.
            self._mentions[key] = name
        return key


def _quote_ids(start_tag: str) -> re.Match | None:
    """(market, code) named by a link's attributes: its data-code, else its quote-page href."""
    return _INLINE_CODE.search(start_tag) or _UNIFY_HREF.search(start_tag)
