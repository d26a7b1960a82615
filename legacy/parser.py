"""Parse one legacy Jekyll post of finews.withounder.com into plain data.

This module knows the legacy file format and nothing about Django models: the importer
(``articles/importers.py``) turns a :class:`LegacyPost` into database rows, and the sanitizer
cleans ``body_html`` on save. Keeping the format knowledge here means it can be unit-tested
without a database and re-run over 17,000 files in seconds.

The format, in short (see DESIGN.md section 2 for the full story)::

    ---
    layout: post
    title: "…"
    date: 2022-04-08 02:02:40 +0800
    categories: zhengquanribao
    tags: 证券日报新闻
    ---
    > digest (rolling news only)

    <p>… article HTML, stock widgets, inline spans …</p><p class="em_media">（文章来源：X）</p>

    <http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW…>   (or an EastMoney news link)

    [返回X新闻](//finews.withounder.com/category/slug.html)｜[返回首页](//finews.withounder.com/)

Every failure is a :class:`LegacyPostError` with a one-line reason, so the importer can report
the file and carry on with the next one.
"""

from __future__ import annotations

import hashlib
import heapq
import html
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import markdown
import yaml

from articles import securities
from articles.chinatime import CHINA, PUBLISHED_AT_RANGE_MESSAGE, in_publication_range

__all__ = [
    "LegacyPost",
    "LegacyPostError",
    "NotAPostError",
    "StockMention",
    "iter_post_files",
    "iter_post_paths",
    "jekyll_permalinks",
    "normalize_category_slug",
    "parse_legacy_date",
    "parse_post",
]

# The legacy site ran with `timezone: Asia/Shanghai`; every zone-less time is China time.

ROLLING_CATEGORY = "emnews"
POST_SUFFIXES = frozenset({".md", ".markdown", ".html", ".txt"})

# The C loader is several times faster, which matters over 17,000 files; both are "safe".
_YAML_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrontMatterLoader(_YAML_BASE):
    """A safe loader that leaves timestamps as text, so one date parser sees every form.

    PyYAML would turn some dates into datetimes and raise a bare ValueError for 2022-02-30.
    """


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _YAML_BASE.yaml_implicit_resolvers.items()
}


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
    """Everything the importer needs from one legacy file; see the module docstring."""

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


# --------------------------------------------------------------------------------------------
# Regular expressions, compiled once: the importer calls parse_post thousands of times.

_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)*")
_FM_OPEN = re.compile(r"---[ \t]*(?:\n|\Z)")
_FM_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$\n?", re.MULTILINE)
_RAW_TITLE = re.compile(r"^title[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE)

_DATE = re.compile(
    r"""(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})
        (?:(?:[Tt]|[ \t]+)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?)?
        [ \t]*(?P<tz>Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?""",
    re.VERBOSE,
)
_FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(.+)")
# Names that are never posts, whatever they hold (Jekyll's index.html is the home page).
_NOT_POST_NAME = re.compile(r"(?:readme|index)(?:\..*)?", re.IGNORECASE)
# Real story ids are 18 digits; requiring a few keeps a post named "2022-01-01-2.md" from
# claiming a story id that could collide with another file's.
_FILE_STORY_ID = re.compile(r"(?:NW)?(\d{6,})", re.IGNORECASE)

# Footer lines. Only whole lines at the end of the body are footer, so article text that
# happens to mention such a link is never eaten.
_INFOCODE_LINE = re.compile(
    r"[ \t]*<(https?://[^<>\s]+/html_News/NewsShare\.html\?infoCode=[A-Za-z]*(\d+))>[ \t]*"
)
_EASTMONEY_LINE = re.compile(
    r"[ \t]*<(https?://[a-z0-9]+\.eastmoney\.com/news/\w+,(\d+)\.html)>[ \t]*"
)
# The URL may hold one level of parentheses: /category/anxinguojizhengquan(xianggang).html
# Possessive quantifiers keep a long line of near-misses from backtracking for minutes.
_NAV_LINK = r"\[返回[^\]\n]*+\]\((?:[^()\n]++|\([^()\n]*+\))*+\)"
_NAV_LINE = re.compile(rf"[ \t]*+{_NAV_LINK}(?:[ \t]*+[｜|]?[ \t]*+{_NAV_LINK})*+[ \t]*+")

_QUOTE_LINE = re.compile(r"[ \t]{0,3}>[ \t]?")
_HTML_TAG = re.compile(r"<[A-Za-z!/][^>]*>")
_TAG = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Leading blanks (including NBSP and ideographic spaces) before a tag would make Markdown see
# a paragraph of text instead of an HTML block; between blocks they mean nothing.
_INDENTED_TAG = re.compile(r"^[ \t\xa0\u3000]+(?=<)", re.MULTILINE)

_EM_MEDIA = re.compile(
    r"<p\b[^>]*\bclass\s*=\s*[\"'][^\"']*\bem_media\b[^\"']*[\"'][^>]*>((?:[^<]++|<(?!/?p\b))*+)</p\s*>",
    re.IGNORECASE | re.DOTALL,
)
_SOURCE_LINE = re.compile(r"[（(]?\s*(?:文章)?来源\s*[：:]\s*(.*?)\s*[）)]?")


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
_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
# Legacy body images hot-link a thumbnail in src and give the full-size picture in
# `orginial_src` (sic; the correct spelling is accepted too).
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_FULL_SIZE_ATTR = re.compile(
    r"""\s+or(?:ginial|iginal)_src\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE
)
_SRC_ATTR = re.compile(r"""(?<![\w-])src\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE)
_TAG_END = re.compile(r"\s*/?>\Z")

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
# Jekyll 3's slugify in "pretty" mode, which :title goes through; a no-op on real file names.
_PRETTY_JUNK = re.compile(r"[^\w.~!$&'()+,;=@]+")


# --------------------------------------------------------------------------------------------
# Public helpers


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
    match = _FILE_DATE.fullmatch(_stem(file_name))
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


def iter_post_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield every file that may be a post under the given files and directories, by path.

    Hidden files and folders and files of other types are left out. A README beside the posts
    (as in sample_posts/) is listed: `parse_post` says it is not a post (NotAPostError), so
    the import report can show it as skipped rather than pass over it in silence.
    """
    return (Path(path) for path, _ in iter_post_paths(paths))


def iter_post_paths(paths: Iterable[str | Path]) -> Iterator[tuple[str, str]]:
    """(path, relative path) of every post file of `iter_post_files`, in the same order.

    The relative path is a file argument's name, or the path below a directory argument with
    "/" between its parts; a file reached through two arguments comes once, with the first's.
    A missing path raises FileNotFoundError here, before any file is yielded.

    The paths are streamed, not collected: the order is that of sorting them all, but only one
    folder's names are held at a time (a list of 10,000 paths cost 6 MB for a whole import).
    They are plain strings, too: pathlib interns every name it parses, and a run's worth of
    names grew the interpreter's table of interned strings for good (by 1.8 MB).
    """
    streams = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            streams.append(iter([(str(path), path.name)]))
        elif path.is_dir():
            top = str(path)
            # What str(Path(top, rel)) would give: "." is dropped, a root keeps its slashes.
            prefix = "" if top == "." else top if top.endswith("/") else top + "/"
            streams.append(_walk_post_files(top, prefix, ""))
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return _merge_paths(streams)


def _merge_paths(streams: list[Iterator[tuple[str, str]]]) -> Iterator[tuple[str, str]]:
    # Each stream is sorted, so a file found twice comes out twice in a row; heapq.merge is
    # stable, so the first argument's relative path is the one kept.
    last = None
    for path, rel in heapq.merge(*streams, key=lambda item: item[0]):
        if path != last:
            last = path
            yield path, rel


def _walk_post_files(folder: str, prefix: str, rel: str) -> Iterator[tuple[str, str]]:
    """The post files in `folder` (prefix + rel), walked as os.walk does (unreadable folders
    skipped, symlinked folders not entered), in the order of their sorted full paths.

    A folder's entries are sorted by name with "/" appended to the folders: "x" sorts before
    every "x/…", and "/" compares as it does inside the full paths, so visiting the entries
    in that order and each folder as it comes gives exactly the sorted order of the paths.
    """
    keys = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if not entry.name.startswith("."):
                        keys.append(entry.name + "/")
                elif _looks_like_post_file(entry.name):
                    keys.append(entry.name)
    except OSError:
        return  # as os.walk: a folder that cannot be listed is skipped, with all it holds
    keys.sort()
    for key in keys:
        if key.endswith("/"):
            subfolder = prefix + rel + key[:-1]
            if not os.path.islink(subfolder):
                yield from _walk_post_files(subfolder, prefix, rel + key)
        else:
            yield prefix + rel + key, rel + key


def _looks_like_post_file(name: str) -> bool:
    return _suffix(name).lower() in POST_SUFFIXES and not name.startswith(".")


# PurePosixPath's name, suffix and stem, for strings: pathlib interns every part it parses.


def _name(path: str) -> str:
    return next((part for part in reversed(path.split("/")) if part and part != "."), "")


def _suffix(name: str) -> str:
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def _stem(path: str) -> str:
    name = _name(path)
    i = name.rfind(".")
    return name[:i] if 0 < i < len(name) - 1 else name


def parse_post(
    data: bytes,
    rel_path: str,
    *,
    encoding: str = "utf-8",
    stock_url: Callable[[int, str], str] | None = None,
) -> LegacyPost:
    """Parse one legacy post file; raise LegacyPostError, and nothing else, for a bad one."""
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


# --------------------------------------------------------------------------------------------
# The parser


_MARKDOWN = threading.local()


def _render_markdown(text: str) -> str:
    """Render a body the way kramdown did: Markdown text converted, HTML blocks left alone."""
    if _is_only_html_blocks(text):
        # Most bodies are nothing but HTML blocks, which Markdown would pass through untouched
        # at ten times the cost of the rest of the parse; skip it for them.
        return text
    # Building a Markdown instance costs more than converting a typical post, so reuse one
    # per thread (instances are not thread-safe).
    md = getattr(_MARKDOWN, "instance", None)
    if md is None:
        md = _MARKDOWN.instance = markdown.Markdown(output_format="html")
    md.reset()
    return md.convert(text)


_BLOCK_TAGS = frozenset(markdown.Markdown().block_level_elements)
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
# Raw-text elements hold "<" that is not markup; leave such bodies to Markdown's own parser.
_RAW_TEXT_TAGS = frozenset({"script", "style", "textarea", "title", "xmp", "plaintext"})
_MARKUP_TOKEN = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*?(/?)>", re.DOTALL)


def _is_only_html_blocks(text: str) -> bool:
    """True when text is a run of balanced block-level HTML elements with only blanks between.

    Markdown leaves exactly such text as it is; anything else (text or an inline tag at the
    top level, unbalanced tags) goes through Markdown.
    """
    if text.count("<!--") > text.count("-->"):
        return False  # an unclosed comment; scanning for its end per "<!--" is quadratic
    depth = 0
    pos = 0
    for token in _MARKUP_TOKEN.finditer(text):
        if depth == 0 and text[pos : token.start()].strip():
            return False
        pos = token.end()
        closing, name, self_closing = token.groups()
        if name is None:
            continue  # a comment
        name = name.lower()
        if name in _RAW_TEXT_TAGS:
            return False
        if depth == 0 and name not in _BLOCK_TAGS:
            return False
        if closing:
            depth -= 1
            if depth < 0:
                return False
        elif not self_closing and name not in _VOID_TAGS:
            depth += 1
    return depth == 0 and not text[pos:].strip()


class _Parser:
    """One parse: holds the state that the steps share (warnings, mentions)."""

    def __init__(self, data: bytes, rel_path: str, encoding: str, stock_url):
        self.data = data
        self.rel_path = rel_path
        self.file_name = _name(rel_path.replace("\\", "/"))
        self.encoding = encoding
        self.stock_url = stock_url
        self.warnings: list[str] = []
        # (market, code) -> name, in order of first mention.
        self.mentions: dict[tuple[int, str], str] = {}

    def parse(self) -> LegacyPost:
        if _NOT_POST_NAME.fullmatch(self.file_name):
            raise NotAPostError("不是文章：说明或索引文件 (README/INDEX, not a post)")
        try:
            text = self._decode()
        except LegacyPostError:
            # Undecodable: look for the front matter's ASCII '---' in the bytes themselves.
            self._reject_if_not_a_post(bytes(self.data).decode("latin-1"))
            raise
        try:
            meta, body = self._split_front_matter(text)
        except LegacyPostError:
            self._reject_if_not_a_post(text)
            raise
        title = self._title(meta)
        published_at = self._published_at(meta)
        category_raw, category_first = self._categories(meta)
        tags = _string_list(meta.get("tags", meta.get("tag")), split=True)

        body, footer_links = self._strip_footer(body)
        info = footer_links.get("infocode")
        eastmoney = footer_links.get("eastmoney")
        kind, story_id, original_url = self._identify(category_first, info, eastmoney)

        digest = ""
        if kind == "rolling":
            body, digest = self._take_digest(body)

        body, source_name = self._em_media(body)
        body = _STOCK_CONSTRUCTS.sub(self._replace_stock_construct, body)
        body = _INDENTED_TAG.sub("", _CONTROL.sub("", body)).strip()
        body_html = _render_markdown(body).strip() if body else ""
        body_html = _full_size_images(body_html)
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
            category_name=self._category_name(meta.get("tags"), tags, source_name, category_first),
            tags=tags,
            source_name=source_name,
            original_url=original_url,
            digest=digest,
            body_html=body_html,
            stocks=[StockMention(m, c, n) for (m, c), n in self.mentions.items()],
            image_urls=_remote_images(body_html),
            legacy_urls=jekyll_permalinks(category_raw, published_at, self.file_name),
            warnings=self.warnings,
            source_text=text,
        )

    # -- bytes and front matter ---------------------------------------------------------------

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

    def _split_front_matter(self, text: str) -> tuple[dict, str]:
        # Jekyll treats CR LF like LF; so do all the line-based patterns below.
        norm = text.replace("\r\n", "\n").replace("\r", "\n")
        if not norm.strip():
            raise LegacyPostError("空文件 (empty file)")
        start = _BLANK_LINES.match(norm).end()
        opening = _FM_OPEN.match(norm, start)
        if not opening:
            raise LegacyPostError("缺少 front matter (file does not start with '---')")
        closing = _FM_CLOSE.search(norm, opening.end())
        if not closing:
            raise LegacyPostError("front matter 未结束 (no closing '---')")
        raw = norm[opening.end() : closing.start()]
        return self._load_yaml(raw), norm[closing.end() :]

    def _reject_if_not_a_post(self, text: str) -> None:
        """Raise NotAPostError for a file with neither front matter nor a post's name."""
        if _FILE_DATE.fullmatch(_stem(self.file_name)) or _opens_front_matter(text):
            return
        raise NotAPostError(
            "不是文章：没有 front matter，文件名也不是 YYYY-MM-DD-标题 的形式 (not a post)"
        )

    def _load_yaml(self, raw: str) -> dict:
        raw_title = _raw_double_quoted_title(raw)
        try:
            meta = yaml.load(raw, Loader=_FrontMatterLoader)  # noqa: S506 - a safe loader
        except yaml.YAMLError as exc:
            if raw_title is None:
                raise LegacyPostError(f"front matter 不是合法的 YAML: {_yaml_reason(exc)}") from exc
            # The generator wrote titles raw between double quotes, so an ASCII '"' inside
            # breaks the YAML. Parse the rest without the title line and keep the raw title.
            try:
                meta = yaml.load(
                    _RAW_TITLE.sub('title: ""', raw, count=1), Loader=_FrontMatterLoader
                )
            except (yaml.YAMLError, ValueError, OverflowError) as exc2:
                raise LegacyPostError(
                    f"front matter 不是合法的 YAML: {_yaml_reason(exc2)}"
                ) from exc2
            if isinstance(meta, dict):
                meta["title"] = raw_title
                self.warnings.append(
                    f"标题含未转义的引号或反斜杠，已按原始行恢复 (title recovered: {raw_title})"
                )
        except (ValueError, OverflowError) as exc:
            # Not expected with timestamps left as text, but a constructor error is still a
            # bad post, not a parser crash.
            raise LegacyPostError(f"front matter 值无效 (invalid value): {exc}") from exc
        # When the YAML loads, its reading of the title stands: later files escape '"' and
        # '\\' properly, and only a title that breaks the YAML needs the raw line.
        if not isinstance(meta, dict):
            raise LegacyPostError("front matter 不是键值映射 (front matter is not a mapping)")
        return meta

    # -- front matter fields --------------------------------------------------------------------

    def _title(self, meta: dict) -> str:
        value = meta.get("title")
        if isinstance(value, (int, float, date)) and not isinstance(value, bool):
            value = str(value)  # e.g. `title: 2022` – YAML reads a number, but it is a title
        if not isinstance(value, str):
            raise LegacyPostError("缺少标题 (no title)")
        title = html.unescape(value).strip()
        if not title:
            raise LegacyPostError("标题为空 (empty title)")
        return title

    def _published_at(self, meta: dict) -> datetime:
        moment = self._read_date(meta)
        if not in_publication_range(moment):
            raise LegacyPostError(
                f"{PUBLISHED_AT_RANGE_MESSAGE} (date out of range: {moment:%Y-%m-%d})"
            )
        return moment

    def _read_date(self, meta: dict) -> datetime:
        if "date" not in meta:
            match = _FILE_DATE.fullmatch(_stem(self.file_name))
            if not match:
                raise LegacyPostError("没有日期 (no date in front matter or file name)")
            try:
                day = date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError as exc:
                raise LegacyPostError(f"文件名日期无效 (bad file-name date): {exc}") from exc
            self.warnings.append("front matter 无 date，按文件名日期 (date taken from file name)")
            return datetime.combine(day, time(), CHINA)
        return parse_legacy_date(meta["date"])

    def _categories(self, meta: dict) -> tuple[str | list[str], str]:
        value = meta.get("categories", meta.get("category"))
        if isinstance(value, list):
            entries = _string_list(value, split=False)
            raw: str | list[str] = entries
            first = entries[0] if entries else ""
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            raw = first = str(value)
        else:
            raw = first = ""
        if not first.strip():
            self.warnings.append("没有分类 (no categories)")
        return raw, first

    def _category_name(self, tags_value, tags: list[str], source_name: str, slug: str) -> str:
        # A tags *string* is the publication's display name plus 新闻, even when Jekyll split
        # it on a space; so the whole string names the category, not just its first word.
        if isinstance(tags_value, str) and tags:
            name = " ".join(tags)
        elif tags:
            name = tags[0]
        else:
            name = ""
        name = name.replace("新闻新闻", "新闻")
        return name or source_name or slug or normalize_category_slug(slug)

    # -- footer, identity, digest -----------------------------------------------------------------

    def _strip_footer(self, body: str) -> tuple[str, dict[str, tuple[str, str]]]:
        """Drop the trailing autolink and navigation lines; return the links found there."""
        lines = body.split("\n")
        links: dict[str, tuple[str, str]] = {}
        while lines:
            line = lines[-1]
            if not line.strip() or _NAV_LINE.fullmatch(line):
                lines.pop()
                continue
            if m := _INFOCODE_LINE.fullmatch(line):
                links.setdefault("infocode", (m[1], m[2]))
            elif m := _EASTMONEY_LINE.fullmatch(line):
                links.setdefault("eastmoney", (m[1], m[2]))
            else:
                break
            lines.pop()
        return "\n".join(lines), links

    def _identify(self, category: str, info, eastmoney) -> tuple[str, str | None, str]:
        title_part = _FILE_DATE.fullmatch(_stem(self.file_name))
        name_id = None
        name_is_nw = False
        if title_part and (m := _FILE_STORY_ID.fullmatch(title_part[4])):
            name_id = m[1]
            name_is_nw = title_part[4][:2].upper() == "NW"

        if info:
            kind, original_url, story_id = "source", info[0], info[1]
        elif name_is_nw:
            kind, original_url, story_id = "source", "", name_id
        elif eastmoney or category.strip().lower() == ROLLING_CATEGORY:
            kind = "rolling"
            original_url, story_id = eastmoney if eastmoney else ("", name_id)
        else:
            kind, original_url, story_id = "other", "", name_id
        if name_id and story_id and name_id != story_id:
            self.warnings.append(f"文件名编号 {name_id} 与链接编号 {story_id} 不一致 (id mismatch)")
        return kind, story_id, original_url

    def _take_digest(self, body: str) -> tuple[str, str]:
        """Split off the rolling-news digest.

        2022 files open with a "> digest" blockquote: it becomes `digest` and leaves the body,
        which repeats it in full. Late-2021 files are only a plain-text digest paragraph: it
        becomes `digest` *and stays* as the body, since otherwise the article would be empty.
        """
        stripped = body.lstrip("\n")
        lines = stripped.split("\n")
        if lines and _QUOTE_LINE.match(lines[0]):
            end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
            quoted = [_QUOTE_LINE.sub("", line, count=1) for line in lines[:end]]
            return "\n".join(lines[end:]), _plain_text(" ".join(quoted))
        if stripped and not _HTML_TAG.search(stripped):
            return body, _plain_text(stripped.strip().split("\n\n", 1)[0])
        return body, ""

    # -- body HTML ---------------------------------------------------------------------------------

    def _em_media(self, body: str) -> tuple[str, str]:
        """Read the source publication and reduce its paragraph to plain text.

        In rolling news the name may be split by an inline sector span (上海<span…>证券</span>报);
        those spans are part of a name, not mentions, so they are not recorded as stocks.
        """
        source_name = ""

        def replace(match: re.Match) -> str:
            nonlocal source_name
            text = _plain_text(match[1])
            if not source_name:
                m = _SOURCE_LINE.fullmatch(text)
                source_name = (m[1] if m else text).strip()
            return f'<p class="em_media">{html.escape(text, quote=False)}</p>'

        return _EM_MEDIA.sub(replace, body), source_name

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
            return f'<a href="{href}">{html.escape(_plain_text(link[2]), quote=False)}</a>'
        # Any other span stays, but a keytip inside it (no span can be) is still a mention.
        inner = _STOCK_CONSTRUCTS.sub(self._replace_stock_construct, inner)
        return f"<span{attrs}>{inner}</span>"

    def _stock_link(self, market: str, code: str, inner_html: str) -> str:
        name = _plain_text(inner_html)
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
        if not self.mentions.get(key):
            # Updating a key keeps its place, so the order stays that of the first mention.
            self.mentions[key] = name
        return key


# --------------------------------------------------------------------------------------------
# Small pure helpers


def parse_legacy_date(value) -> datetime:
    """Turn a front-matter `date` (string or YAML date/datetime) into an aware datetime.

    Accepts what Jekyll accepted in the archive: "+0800", "+08:00", "Z", no zone and a date
    alone. Zone-less values are China time. The result is in Asia/Shanghai.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=CHINA)
        return _to_shanghai(value)
    if isinstance(value, date):
        return datetime.combine(value, time(), CHINA)
    if not isinstance(value, str) or not value.strip():
        raise LegacyPostError(f"日期为空或无效 (bad date): {value!r}")
    match = _DATE.fullmatch(value.strip())
    if not match:
        raise LegacyPostError(f"无法解析日期 (unparseable date): {value.strip()!r}")
    tz = match["tz"]
    if tz is None:
        zone = CHINA
    elif tz in ("Z", "z", "UTC"):
        zone = UTC
    else:
        digits = tz[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise LegacyPostError(f"时区无效 (bad UTC offset): {tz!r}")
        sign = -1 if tz[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        parsed = datetime(
            int(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            int(match["h"] or 0),
            int(match["mi"] or 0),
            int(match["s"] or 0),
            int((match["f"] or "0")[:6].ljust(6, "0")),
            tzinfo=zone,
        )
    except ValueError as exc:
        raise LegacyPostError(f"日期无效 (invalid date) {value.strip()!r}: {exc}") from exc
    return _to_shanghai(parsed)


def _to_shanghai(value: datetime) -> datetime:
    try:
        return value.astimezone(CHINA)
    except (OverflowError, ValueError) as exc:  # year 1 or 9999 shifted past the edge
        raise LegacyPostError(f"日期超出范围 (date out of range): {value!r}") from exc


def _raw_double_quoted_title(front_matter: str) -> str | None:
    """The raw text of a `title: "…"` line that may need rescuing from YAML, else None.

    Only a value that is wrapped in double quotes and holds a further '"' or a backslash is
    returned: of titles, only those can make the YAML fail. It is used only when it does.
    """
    match = _RAW_TITLE.search(front_matter)
    if not match:
        return None
    value = match[1]
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return None
    inner = value[1:-1]
    if '"' not in inner and "\\" not in inner:
        return None
    return inner


def _opens_front_matter(text: str) -> bool:
    """Whether text starts (after a BOM, in UTF-8 or seen as Latin-1, and blank lines) with the
    '---' line that opens front matter."""
    norm = text.removeprefix("\ufeff").removeprefix("\xef\xbb\xbf")
    norm = norm.replace("\r\n", "\n").replace("\r", "\n")
    return _FM_OPEN.match(norm, _BLANK_LINES.match(norm).end()) is not None


def _yaml_reason(exc: Exception) -> str:
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 1} of the front matter)"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _string_list(value, *, split: bool) -> list[str]:
    """Tags or categories as a list of non-empty strings, in order, without repeats.

    Jekyll splits a string value on whitespace; list entries are kept whole.
    """
    if isinstance(value, str):
        items = value.split() if split else [value]
    elif isinstance(value, list):
        items = [
            str(v) for v in value if isinstance(v, (str, int, float)) and not isinstance(v, bool)
        ]
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        items = [str(value)]
    else:
        items = []
    result: list[str] = []
    for item in items:
        item = item.strip()
        if item and item not in result:
            result.append(item)
    return result


def _plain_text(fragment: str) -> str:
    """Text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub("", fragment)).split())


def _full_size_images(body_html: str) -> str:
    """Point each image that names its full-size picture (`orginial_src`) at that picture.

    Done before sanitizing, so that `--fetch-images` downloads the full-size picture and the
    sanitizer's "[图片] 查看原图" link opens it. The attribute itself is dropped either way.
    """
    if "al_src" not in body_html.lower():
        return body_html
    return _IMG_TAG.sub(_full_size_image, body_html)


def _full_size_image(match: re.Match) -> str:
    tag = match[0]
    full = _FULL_SIZE_ATTR.search(tag)
    if not full:
        return tag
    tag = _FULL_SIZE_ATTR.sub("", tag)
    url = html.unescape(next((g for g in full.groups() if g is not None), "")).strip()
    if not url.lower().startswith(("http://", "https://", "//")):
        return tag
    src = f'src="{html.escape(url)}"'
    if old := _SRC_ATTR.search(tag):
        return tag[: old.start()] + src + tag[old.end() :]
    return _TAG_END.sub(lambda end: f" {src}{end[0]}", tag)


def _quote_ids(start_tag: str) -> re.Match | None:
    """(market, code) named by a link's attributes: its data-code, else its quote-page href."""
    return _INLINE_CODE.search(start_tag) or _UNIFY_HREF.search(start_tag)


def _remote_images(body_html: str) -> list[str]:
    urls: list[str] = []
    for src in _IMG_SRC.findall(body_html):
        url = html.unescape(src).strip()
        if url.lower().startswith(("http://", "https://", "//")) and url not in urls:
            urls.append(url)
    return urls
