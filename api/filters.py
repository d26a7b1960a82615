"""The article filters of every list: section, tag, stock and a publication-time range.

Each parameter is checked and a bad one answers 400 with a Chinese message naming it;
none is silently ignored. A tag or security that only drafts carry is answered exactly
like one that does not exist (`listings.public_tags()`), so a filter cannot be used to
learn what unpublished work mentions.
"""

import re
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from articles import chinatime, listings, securities
from articles.models import Category

TIME_HINT = "请写成 2024-05-01（北京时间当天）或 2024-05-01T09:30:00+08:00。"
STOCK_HINT = "请写成“市场代码.证券代码”，例如 1.600519、0.000001、116.00700、106.NIO、90.BK1037。"


def _bad(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


def section_named(slug: str, name: str = "section") -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise _bad(name, f"没有这个栏目：{slug}。栏目列表见 /api/v1/sections/。")
    return category


def public_tag(slug: str, name: str = "tag"):
    tag = listings.public_tags().filter(slug=slug).first()
    if tag is None:
        raise _bad(name, f"没有这个标签：{slug}。")
    return tag


def split_symbol(symbol: str) -> tuple[int, str] | None:
    """ "1.600519" -> (1, "600519") as stored; None when it is not such a symbol."""
    market, _, code = symbol.strip().partition(".")
    if not (market.isascii() and market.isdigit() and code):
        return None
    canonical = securities.normalised_or_none(int(market), code)
    return None if canonical is None else (int(market), canonical)


def public_stock(symbol: str, name: str = "stock"):
    parsed = split_symbol(symbol)
    if parsed is None:
        raise _bad(name, f"证券代码“{symbol}”的写法不对。{STOCK_HINT}")
    stock = listings.public_stocks().filter(market=parsed[0], code=parsed[1]).first()
    if stock is None:
        raise _bad(name, f"没有这只证券的文章：{symbol}。")
    return stock


_SPACED_OFFSET = re.compile(r" (\d\d:?\d\d)$")


def parse_moment(value: str, name: str, *, end: bool) -> datetime:
    """A date (the whole China day: its start, or with `end` the start of the next day)
    or a date-time (China time when it has no offset) as an aware datetime."""
    value = value.strip()
    day = chinatime.parse_day(value)
    if day is not None:
        return chinatime.day_start(day + timedelta(days=1) if end else day)
    # An unencoded "+08:00" arrives as " 08:00": a query string's "+" is a space.
    value = _SPACED_OFFSET.sub(r"+\1", value)
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise _bad(name, f"“{value}”不是日期或时间。{TIME_HINT}")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=chinatime.CHINA)
    if not chinatime.in_publication_range(moment):
        raise _bad(name, f"“{value}”超出了范围：须在 1970 至 2099 年之间。")
    return moment


def filter_articles(articles, params, *, allow=("section", "tag", "stock")):
    """`articles` narrowed by the query parameters in `params` (request.query_params).

    A filter this list does not take (`section` on the flashes, `tag` on a tag's own
    articles) is refused rather than ignored: the client would believe it applied.
    """
    for name in ("section", "tag", "stock"):
        if name not in allow and params.get(name):
            raise _bad(name, f"这个列表不能按 {name} 筛选。")
    if "section" in allow and params.get("section"):
        articles = articles.filter(category=section_named(params["section"]))
    if "tag" in allow and params.get("tag"):
        articles = listings.tagged(articles, public_tag(params["tag"]))
    if "stock" in allow and params.get("stock"):
        articles = listings.mentioning(articles, public_stock(params["stock"]))
    if params.get("published_after"):
        after = parse_moment(params["published_after"], "published_after", end=False)
        articles = articles.filter(published_at__gte=after)
    if params.get("published_before"):
        value = params["published_before"]
        before = parse_moment(value, "published_before", end=True)
        # A whole day counts up to its end; a moment counts itself.
        lookup = "published_at__lt" if chinatime.parse_day(value.strip()) else "published_at__lte"
        articles = articles.filter(**{lookup: before})
    return articles


# What the OpenAPI schema says about them.
_TIME_DESCRIPTION = (
    "北京时间。写日期（2024-05-01）指那一整天；写时间（2024-05-01T09:30:00+08:00，"
    "不带时区即北京时间）指那一刻，含这一刻。"
)
DATE_PARAMETERS = [
    OpenApiParameter(
        "published_after", OpenApiTypes.STR, description="发布时间不早于。" + _TIME_DESCRIPTION
    ),
    OpenApiParameter(
        "published_before", OpenApiTypes.STR, description="发布时间不晚于。" + _TIME_DESCRIPTION
    ),
]
SECTION_PARAMETER = OpenApiParameter(
    "section", OpenApiTypes.STR, description="栏目的网址标识，例如 zhengquanribao。"
)
TAG_PARAMETER = OpenApiParameter(
    "tag", OpenApiTypes.STR, description="标签的网址标识（可为中文）。"
)
STOCK_PARAMETER = OpenApiParameter(
    "stock", OpenApiTypes.STR, description="证券：市场代码.证券代码，例如 1.600519、116.00700。"
)
ARTICLE_PARAMETERS = [SECTION_PARAMETER, TAG_PARAMETER, STOCK_PARAMETER, *DATE_PARAMETERS]
