"""The securities a search names, offered before its articles.

`600519`, `sh600519`, `600519.SH`, `1.600519`, `贵州茅台`, `茅台`, `gzmt` all name 贵州茅台:
the reader most likely wants its stock page, so the results page offers it first
("证券：贵州茅台 600519"). The matching is articles.lookup's, the one the admin's pickers
use; only securities with a public page are offered (`listings.public_stocks()`: one
that only drafts mention answers 404, and must not be revealed here either).
"""

from articles import listings, lookup
from articles.models import StockReference

# A handful at most: more would push the articles, which the reader also asked for,
# below the first screen on a phone.
OFFERED = 3


def named_securities(query: str, limit: int = OFFERED) -> list[StockReference]:
    """The public securities `query` names, best first: one query.

    When the query is a code (in any written form) only the securities with that code
    are offered (000001 is both 平安银行 and 上证指数); otherwise the best matches of
    names and pinyin.
    """
    found = lookup.find_securities(query, limit=limit, among=listings.public_stocks())
    if found and found[0].rank == 0:
        return [stock for stock in found if stock.rank == 0]
    return found


def code_to_search(query: str, securities: list[StockReference]) -> str:
    """What to search the articles for: the bare code when `query` is another written form
    of it (sh600519, 600519.SH, 1.600519, 0700.HK), else `query` as typed.

    Articles are indexed with their securities' codes as stored (600519, 00700), so the
    prefixed forms find them only so.
    """
    codes = {stock.code for stock in securities if stock.rank == 0}
    if len(codes) == 1 and len(query.split()) == 1:
        (code,) = codes
        if code.casefold() != query.casefold():
            return code
    return query
