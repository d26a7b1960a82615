"""A parsed legacy post as plain data, and the errors a parse may end in.

Kept apart from the parser so that the parser's steps (dates, front matter, body) and the
importer can share these types without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class LegacyPostError(ValueError):
    """The importer's one declared error: str(exc) is a one-line human reason."""

    def __init__(self, reason: str):
        # One line, so the importer's report stays one row per failed file.
        super().__init__(" ".join(str(reason).split()))


class NotAPostError(LegacyPostError):
    """The file is no post at all (a README, an index page, notes): skipped, not failed.

    A file is a post when it has front matter or is named like one (YYYY-MM-DD-slug.ext);
    README.* and INDEX.* never are. A post that is broken stays a LegacyPostError.
    """


@dataclass(frozen=True)
class StockMention:
    """One security (or EastMoney sector board, market 90) mentioned by a post."""

    market: int
    code: str
    name: str = ""


@dataclass
class LegacyPost:
    """Everything the importer needs from one legacy file (see `legacy.parser`).

    `legacy_key` is "story:<id>" when the file names its story, else "path:<path>";
    `kind` is "source", "rolling" or "other" (LegacySource.Kind); `body_html` is the body
    rendered but not yet sanitized; `source_text` is the decoded file, kept as it was.
    """

    path: str
    kind: str
    story_id: str | None
    legacy_key: str
    title: str
    published_at: datetime
    category_slug: str
    category_legacy_slug: str
    category_name: str
    tags: list[str]
    source_name: str
    original_url: str
    digest: str
    body_html: str
    stocks: list[StockMention]
    image_urls: list[str]
    legacy_urls: list[str]
    warnings: list[str] = field(default_factory=list)
    source_text: str = ""
