"""The legacy site's names in URLs: category slugs, and the permalinks Jekyll gave posts.

The importer keeps every old URL working (as redirects), so the permalinks follow Jekyll 3's
rules exactly, quirks included.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime

from articles.chinatime import CHINA

from .files import dated_name

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
# Jekyll 3's slugify in "pretty" mode, which :title goes through; a no-op on real file names.
_PRETTY_JUNK = re.compile(r"[^\w.~!$&'()+,;=@]+")


def normalize_category_slug(raw: str) -> str:
    """Turn a legacy `categories` value into one clean, lower-case ASCII URL slug.

    Lower-casing collapses the case twins (TechWeb / Techweb) that the legacy site kept apart.
    A value with no ASCII letters or digits at all gets a short hash, so two different Chinese
    categories never merge into one.
    """
    text = unicodedata.normalize("NFKC", str(raw or "")).lower()
    slug = _SLUG_JUNK.sub("-", text).strip("-")
    if slug:
        return slug
    if not text.strip():
        return "category"
    return "category-" + hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:8]


def jekyll_permalinks(
    category_raw: str | list[str] | None, published_at: datetime, file_name: str
) -> list[str]:
    """The decoded path(s) Jekyll 3 gave this post: /:categories/:year/:month/:day/:title.html.

    Jekyll adds a `categories` string both whole and split on whitespace, lower-cases each and
    drops repeats, so "21shijijingjibaodao 21caijingAPP" yields three path segments. A list
    (not seen in the archive) is taken as it is.
    """
    match = dated_name(file_name)
    if not match:
        return []  # Jekyll never published a post whose name lacks the date.
    title = _PRETTY_JUNK.sub("-", match.group(4)).strip("-")
    if not title:
        return []
    if isinstance(category_raw, str):
        categories = [category_raw, *category_raw.split()]
    else:
        categories = [str(c) for c in category_raw or [] if c is not None]
    segments: list[str] = []
    for category in categories:
        lowered = category.lower()
        if lowered.strip() and lowered not in segments:
            segments.append(lowered)
    if published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=CHINA)
    local = published_at.astimezone(CHINA)
    parts = [*segments, f"{local:%Y}", f"{local:%m}", f"{local:%d}", f"{title}.html"]
    # Jekyll squeezes repeated slashes, so a category ending in "/" cannot double them.
    return [re.sub(r"/{2,}", "/", "/" + "/".join(parts))]
