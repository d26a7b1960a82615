"""`{% load quotes %}{% quote_box stock %}`: the place on a page where static/js/quote.js
shows the stock's price and 涨跌幅 (quotes/views.py says why it is filled by a script).

With QUOTES_URL unset it renders nothing at all: no box, no script, no request.
"""

from django import template
from django.urls import reverse

from quotes import provider

register = template.Library()


@register.inclusion_tag("quotes/quote_box.html")
def quote_box(stock):
    if not provider.enabled() or stock is None:
        return {"quote_url": None}
    return {
        "quote_url": reverse("quotes:stock-quote", args=[stock.market, stock.code]),
        "stock": stock,
    }
