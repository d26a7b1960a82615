"""Sharing an article: its WeChat QR code, made here, as inline SVG.

WeChat shares by scanning; a QR image from a third-party service would tell that
service what every reader reads, and break the page's promise of no foreign
requests. segno draws it locally; it sits in the article's cached fragment, so it
is drawn once per article and host, not per reader.
"""

from urllib.parse import urlencode

import segno
from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def qr_svg(url: str, title: str = "") -> str:
    # Dark on an explicit white ground: in dark mode a transparent code would be
    # black on near-black, which no phone camera reads.
    # make_qr, not make: a short URL would become a Micro QR, which WeChat cannot read.
    code = segno.make_qr(url, error="m")
    # segno escapes the title and the URL is only encoded in the drawn modules.
    return mark_safe(
        code.svg_inline(border=2, omitsize=True, dark="#000", light="#fff", title=title or None)
    )


@register.simple_tag
def weibo_share_url(url: str, title: str) -> str:
    """Weibo's share page, filled in: a plain link, so nothing loads until it is clicked."""
    return "https://service.weibo.com/share/share.php?" + urlencode({"url": url, "title": title})
