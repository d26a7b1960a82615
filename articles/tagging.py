"""Tags as editors type them, and a working slug for every tag.

taggit's own parser splits on ASCII commas only, so `光伏，新能源、业绩` typed with a
Chinese keyboard became one tag. `parse_tags` (TAGGIT_TAGS_FROM_STRING) reads the
Chinese separators as commas first and then applies taggit's rules (quotes keep a
name whole; with no comma at all, spaces separate).

taggit slugs a name with Django's `slugify`, which keeps Chinese but drops emoji and
punctuation: `📈`, `$` and `！！` got an empty slug, whose URL cannot be built, and every
page linking the tag answered 500. `tag_slug` never returns an empty slug, and the
`pre_save` receiver (connected in `ArticlesConfig.ready()`) applies it to every tag
however it is created: the admin, the importer, the shell.
"""

import hashlib
import re

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from taggit.utils import _parse_tags

from .text import clean_line

NAME_MAX_LENGTH = 100  # taggit's Tag.name
SLUG_MAX_LENGTH = 100  # taggit's Tag.slug
MAX_TAGS = 30

_SEPARATORS = re.compile("[，、;；]")


def parse_tags(text: str) -> list[str]:
    """The tag names in a typed line: `光伏，新能源、业绩` -> ["业绩", "光伏", "新能源"]."""
    text = _SEPARATORS.sub(",", clean_line((text or "").replace("\u3000", " ")))
    return [name for name in (clean_line(n) for n in _parse_tags(text)) if name]


def validate_tag_names(names: list[str]) -> None:
    """Refuse names the tag table cannot hold, with a message naming them."""
    errors = [
        f"标签“{name[:20]}…”太长：最多 {NAME_MAX_LENGTH} 个字。"
        for name in names
        if len(name) > NAME_MAX_LENGTH
    ]
    if len(names) > MAX_TAGS:
        errors.append(f"一篇文章最多 {MAX_TAGS} 个标签。")
    if errors:
        raise ValidationError(errors)


def tag_slug(name: str) -> str:
    """A URL slug for a tag name; never empty, at most SLUG_MAX_LENGTH characters.

    Chinese and Latin words keep their readable slug (证券日报新闻, ai). A name with no
    letters or digits at all is spelled by its code points (📈 -> u1f4c8), which is
    unique to the name and survives every URL handler.
    """
    slug = slugify(name, allow_unicode=True)
    if not slug:
        slug = "-".join(f"u{ord(c):x}" for c in name if not c.isspace()) or "tag"
    return _fit(slug)


def _fit(slug: str) -> str:
    """Shorten a slug to the column, keeping it distinct: NFKC can lengthen a name (㍿ ->
    株式会社), and taggit's clash suffix ("_1") is added after its own slugify."""
    if len(slug) <= SLUG_MAX_LENGTH:
        return slug
    digest = hashlib.sha256(slug.encode()).hexdigest()[:8]
    return f"{slug[: SLUG_MAX_LENGTH - 9].rstrip('-_')}-{digest}"


def fill_tag_slug(sender, instance, **kwargs) -> None:
    """pre_save receiver for taggit's Tag: a clean name and a slug that can be routed."""
    instance.name = clean_line(instance.name)[:NAME_MAX_LENGTH]
    slug = instance.slug
    if not slug or slug.startswith("_"):
        # taggit retries a clash with slugify(name) + "_1"; for an empty slug that was "_1".
        slug = tag_slug(instance.name) + (slug or "")
    instance.slug = _fit(slug)
