"""Parse one legacy Jekyll post of finews.withounder.com into plain data (a LegacyPost).

The parser (this module and those of its steps) knows the legacy file format and touches no
database: `legacy.importer` turns a LegacyPost into rows, and the sanitizer cleans
`body_html` when the article is saved. So the format can be unit-tested without a database
and re-read over 17,000 files in seconds. A post is YAML front matter, then the article as
HTML (rolling news opens with its digest), then the original's link and the old site's
navigation::

    ---
    title: "…"
    date: 2022-04-08 02:02:40 +0800
    categories: zhengquanribao
    tags: 证券日报新闻
    ---
    <p>… article HTML, stock widgets, inline spans …</p><p class="em_media">（文章来源：X）</p>

    <http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW…>   (or an EastMoney news link)

    [返回X新闻](//finews.withounder.com/category/slug.html)｜[返回首页](//finews.withounder.com/)

README "Importing the legacy archive" says how files become articles. This module holds the
entry point and the order of the steps; each step lives in the module named for it
(frontmatter, dates, footer, markup, stocks, slugs). Every failure is a LegacyPostError with
a one-line reason, so the importer can report the file and carry on with the next one.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from . import frontmatter, markup
from .dates import check_publication_range, date_from_file_name, parse_legacy_date
from .files import dated_name, file_name, never_a_post
from .footer import identify, strip_footer
from .post import LegacyPost, LegacyPostError, NotAPostError, StockMention
from .slugs import jekyll_permalinks, normalize_category_slug
from .stocks import StockLinker

__all__ = ["LegacyPost", "LegacyPostError", "NotAPostError", "StockMention", "parse_post"]


def parse_post(
    data: bytes,
    rel_path: str,
    *,
    encoding: str = "utf-8",
    stock_url: Callable[[int, str], str] | None = None,
) -> LegacyPost:
    """Parse one legacy post file; raise LegacyPostError, and nothing else, for a bad one.

    `rel_path` keys the post (its name gives the date and story id when the text does not);
    `stock_url(market, code)` is the href put on each stock the body mentions.
    """
    try:
        return _Parser(data, str(rel_path), encoding, stock_url or _default_stock_url).parse()
    except LegacyPostError:
        raise
    except Exception as exc:  # pragma: no cover - a safety net for bugs
        # The importer must be able to report a file and move on; a parser bug on one odd
        # file must not abort a 17,000-file run. The reason keeps the original error.
        raise LegacyPostError(f"internal parser error: {type(exc).__name__}: {exc}") from exc


def _default_stock_url(market: int, code: str) -> str:
    return f"/stock/{market}.{code}/"


class _Parser:
    """One parse: holds the state that the steps share (the file's name, the warnings)."""

    def __init__(self, data: bytes, rel_path: str, encoding: str, stock_url):
        self.data = data
        self.rel_path = rel_path
        self.file_name = file_name(rel_path.replace("\\", "/"))
        self.encoding = encoding
        self.stocks = StockLinker(stock_url)
        self.warnings: list[str] = []

    def parse(self) -> LegacyPost:
        if never_a_post(self.file_name):
            raise NotAPostError("不是文章：说明或索引文件 (README/INDEX, not a post)")
        try:
            text = self._decode()
        except LegacyPostError:
            # Undecodable: look for the front matter's ASCII '---' in the bytes themselves.
            self._reject_if_not_a_post(bytes(self.data).decode("latin-1"))
            raise
        try:
            meta, body = frontmatter.split_front_matter(text, self.warnings)
        except LegacyPostError:
            self._reject_if_not_a_post(text)
            raise
        title = frontmatter.read_title(meta)
        published_at = self._published_at(meta)
        category_raw, category_first = frontmatter.read_categories(meta, self.warnings)
        tags = frontmatter.read_tags(meta)

        body, footer_links = strip_footer(body)
        kind, story_id, original_url = identify(
            self.file_name, category_first, footer_links, self.warnings
        )

        digest = ""
        if kind == "rolling":
            body, digest = markup.take_digest(body)

        body, source_name = markup.take_source_name(body)
        body_html = markup.render_body(self.stocks.link(body))
        if not body_html:
            if digest:
                body_html = f"<p>{html.escape(digest, quote=False)}</p>"
            else:
                self.warnings.append("正文为空 (empty body)")

        return LegacyPost(
            path=self.rel_path,
            kind=kind,
            story_id=story_id,
            legacy_key=f"story:{story_id}" if story_id else f"path:{self.rel_path}",
            title=title,
            published_at=published_at,
            category_slug=normalize_category_slug(category_first),
            category_legacy_slug=category_first,
            category_name=frontmatter.category_name(
                meta.get("tags"), tags, source_name, category_first
            ),
            tags=tags,
            source_name=source_name,
            original_url=original_url,
            digest=digest,
            body_html=body_html,
            stocks=self.stocks.mentions,
            image_urls=markup.remote_images(body_html),
            legacy_urls=jekyll_permalinks(category_raw, published_at, self.file_name),
            warnings=self.warnings,
            source_text=text,
        )

    def _decode(self) -> str:
        if not self.data:
            raise LegacyPostError("空文件 (empty file)")
        codec = (
            "utf-8-sig"
            if self.encoding.lower().replace("_", "-") in ("utf-8", "utf8")
            else self.encoding
        )
        try:
            text = bytes(self.data).decode(codec)
        except UnicodeDecodeError as exc:
            raise LegacyPostError(
                f"无法按 {self.encoding} 解码 (cannot decode as {self.encoding}): "
                f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
            ) from exc
        except LookupError as exc:
            raise LegacyPostError(f"unknown encoding {self.encoding!r}") from exc
        # A BOM left by a non-UTF-8 codec (e.g. utf-16 files) is not text either.
        text = text.removeprefix("\ufeff")
        if "\x00" in text:
            # NUL is not text: PostgreSQL refuses it in any column (SQLite would store it), so
            # the same file must not import on one database and fail on the other.
            self.warnings.append(f"删除了 {text.count(chr(0))} 个 NUL 字节 (NUL bytes removed)")
            text = text.replace("\x00", "")
        return text

    def _reject_if_not_a_post(self, text: str) -> None:
        """Raise NotAPostError for a file with neither front matter nor a post's name."""
        if dated_name(self.file_name) or frontmatter.opens_front_matter(text):
            return
        raise NotAPostError(
            "不是文章：没有 front matter，文件名也不是 YYYY-MM-DD-标题 的形式 (not a post)"
        )

    def _published_at(self, meta: dict) -> datetime:
        if "date" in meta:
            moment = parse_legacy_date(meta["date"])
        else:
            moment = date_from_file_name(self.file_name)
            self.warnings.append("front matter 无 date，按文件名日期 (date taken from file name)")
        return check_publication_range(moment)
