"""Charts for any template: `{% load charts %}`, then one tag per picture.

- `{% news_flow stock=… %}`, `{% news_flow category=… %}`, `{% news_flow tag=… %}`:
  published articles per day, with the 90-day / 1-year / all-time switch (`?range=`);
- `{% stock_charts stock %}`: a stock's news flow beside its "相关个股";
- `{% hot_stocks_board newest=… as hot %}`: the home page's "今日热股" with sparklines,
  as data for the page to lay out around it;
- `{% newsroom_dashboard %}`: the admin index's publishing dashboard.

The data come from charts/data.py and the SVG from charts/svg.py; these tags only pick the
subject, read `?range=` from the request, and build the links (a stock's bars link
to its page with `?day=YYYY-MM-DD`, or `?month=YYYY-MM` for the months of an all-time
chart; sections and tags to the date archive).
"""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone

from articles.chinatime import CHINA
from charts import data, svg

register = template.Library()


def _request(context):
    return context.get("request")


def _range_links(request, current: str) -> list[tuple[str, str, bool]]:
    """(label, url, is current) for the range switch; the default range is the bare path."""
    links = []
    for key, (label, _) in data.RANGES.items():
        query = "" if key == data.DEFAULT_RANGE else "?" + urlencode({"range": key})
        links.append((label, request.path + query if request else query or "?", key == current))
    return links


def _flow_context(request, series, subject: str, cid: str, href) -> dict:
    title = f"{subject}新闻热度（{series.range_label}）"
    peak_url = href(series.peak[0], series.bucket) if series.peak else None
    return {
        "chart": {
            "id": cid,
            "series": series,
            "subject": subject,
            "title": title,
            "svg": svg.bar_chart_svg(
                series,
                cid=cid,
                title=title,
                desc=svg.flow_description(series, subject),
                href=href,
            )
            if series.total
            else "",
            "ranges": _range_links(request, series.range_key),
            "all_url": (request.path if request else "") + "?range=all",
            "peak_label": svg.day_label(series.peak[0], series.bucket) if series.peak else "",
            "peak_url": peak_url,
            "max": series.peak[1] if series.peak else 0,
            "start_label": svg.day_label(series.start, series.bucket) if series.points else "",
            "end_label": svg.day_label(series.end, series.bucket) if series.points else "",
            "by_month": series.bucket == "month",
        }
    }


def _archive_href(day, bucket):
    """Tag and section charts: a bar opens that day's (or month's) date archive."""
    if bucket == "month":
        return reverse("articles:archive-month", args=[day.year, day.month])
    return reverse("articles:archive-day", args=[day.year, day.month, day.day])


def _stock_flow_context(context, stock) -> dict:
    request = _request(context)
    range_key = data.parse_range(request.GET.get("range") if request else None)
    series = data.stock_flow(stock, range_key)
    base = request.path if request else stock.get_absolute_url()

    def href(day, bucket):
        # A stock's bar opens the stock page filtered to that day (StockView's ?day=),
        # a month bar of the all-time chart to that month (?month=YYYY-MM).
        query = {"month": f"{day:%Y-%m}"} if bucket == "month" else {"day": day.isoformat()}
        if range_key != data.DEFAULT_RANGE:
            query = {"range": range_key, **query}
        return f"{base}?{urlencode(query)}"

    cid = svg.chart_id("stock", stock.symbol, range_key)
    return _flow_context(request, series, stock.name or stock.code, cid, href)


@register.inclusion_tag("articles/includes/chart_news_flow.html", takes_context=True)
def news_flow(context, stock=None, category=None, tag=None):
    """The news-flow chart of a stock, a section or a tag (give exactly one)."""
    if stock:
        return _stock_flow_context(context, stock)
    request = _request(context)
    range_key = data.parse_range(request.GET.get("range") if request else None)
    if category:
        series = data.category_flow(category, range_key)
        subject, key = category.name, ("category", category.pk)
    elif tag:
        series = data.tag_flow(tag, range_key)
        subject, key = f"标签“{tag.name}”", ("tag", tag.pk)
    else:
        return {"chart": None}
    cid = svg.chart_id(*key, range_key)
    return _flow_context(request, series, subject, cid, _archive_href)


@register.inclusion_tag("articles/includes/chart_stock.html", takes_context=True)
def stock_charts(context, stock):
    """A stock page's news flow and its "相关个股" (two queries)."""
    related = data.related_stocks(stock)
    top = related[0].count if related else 0
    return {
        **_stock_flow_context(context, stock),
        "stock": stock,
        "related": [(item, round(100 * item.count / top) if top else 0) for item in related],
    }


@register.simple_tag
def hot_stocks_board(newest=None):
    """The home page's "今日热股" as data, for the page to lay out around it (pass the
    lead story's time to save a query):
    `{% hot_stocks_board newest=… as hot %}{% if hot.items %}…{% include
    "articles/includes/hot_stocks.html" with board=hot.board items=hot.items
    day_label=hot.day_label %}`. Empty `items` when no security was mentioned."""
    return hot_stocks_context(newest)


def hot_stocks_context(newest=None) -> dict:
    board = data.hot_stocks(newest=newest or None)
    items = []
    for stock in board.stocks:
        points = stock.sparkline
        total = sum(n for _, n in points)
        title = f"{stock.label}近 {len(points)} 天新闻热度"
        desc = (
            f"{svg.day_label(points[0][0])}至{svg.day_label(points[-1][0])}"
            f"每天提及{stock.label}的文章数，共 {total} 篇。"
            if points
            else ""
        )
        cid = svg.chart_id("spark", stock.symbol, board.day)
        items.append(
            (stock, svg.sparkline_svg(points, cid=cid, title=title, desc=desc) if points else "")
        )
    return {
        "board": board,
        "items": items,
        "day_label": svg.day_label(board.day) if board.day else "",
    }


@register.inclusion_tag("articles/includes/chart_dashboard.html", takes_context=True)
def newsroom_dashboard(context):
    """The admin index's dashboard, for accounts that may see articles."""
    request = _request(context)
    if request is None or not request.user.has_perm("articles.view_article"):
        return {"board": None}
    board = data.dashboard()
    cid = svg.chart_id("dashboard", board.days[0])
    title = f"近 {len(board.days)} 天每天发布的文章（按栏目）"
    desc = (
        f"{svg.day_label(board.days[0])}至{svg.day_label(board.days[-1])}"
        f"共发布 {board.total} 篇"
        + "".join(
            f"，{name} {sum(board.matrix.get((day, cid_), 0) for day in board.days)} 篇"
            for cid_, name in board.categories
        )
        + "。"
    )
    return {
        "board": board,
        "title": title,
        "svg": svg.stacked_chart_svg(board, cid=cid, title=title, desc=desc) if board.total else "",
        "legend": [
            (f"chart-s{i % svg.SERIES_CLASSES}", name)
            for i, (_, name) in enumerate(board.categories)
        ],
        "max": max(board.totals, default=0),
        "start_label": svg.day_label(board.days[0]),
        "end_label": svg.day_label(board.days[-1]),
        "newest_label": svg.day_label(timezone.localtime(board.newest, CHINA).date())
        if board.newest
        else "",
    }
