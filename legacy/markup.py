"""A legacy post's body, from the text after the front matter to unsanitized HTML.

The steps that do not concern stocks (those are `legacy.stocks`): the rolling-news digest,
the source line, control characters, Markdown as kramdown rendered it, and images. The
result is sanitized later, when the article is saved.
"""

from __future__ import annotations

import html
import re
import threading

import markdown

from articles.text import html_to_text

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

_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
# Legacy body images hot-link a thumbnail in src and give the full-size picture in
# `orginial_src` (sic; the correct spelling is accepted too).
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_FULL_SIZE_ATTR = re.compile(
    r"""\s+or(?:ginial|iginal)_src\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE
)
_SRC_ATTR = re.compile(r"""(?<![\w-])src\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE)
_TAG_END = re.compile(r"\s*/?>\Z")


def take_digest(body: str) -> tuple[str, str]:
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
        return "\n".join(lines[end:]), html_to_text(" ".join(quoted))
    if stripped and not _HTML_TAG.search(stripped):
        return body, html_to_text(stripped.strip().split("\n\n", 1)[0])
    return body, ""


def take_source_name(body: str) -> tuple[str, str]:
    """Read the source publication and reduce its paragraph to plain text.

    In rolling news the name may be split by an inline sector span (上海<span…>证券</span>报);
    those spans are part of a name, not mentions, so they are reduced here, before
    `legacy.stocks` would record them as stocks.
    """
    source_name = ""

    def replace(match: re.Match) -> str:
        nonlocal source_name
        text = html_to_text(match[1])
        if not source_name:
            m = _SOURCE_LINE.fullmatch(text)
            source_name = (m[1] if m else text).strip()
        return f'<p class="em_media">{html.escape(text, quote=False)}</p>'

    return _EM_MEDIA.sub(replace, body), source_name


def render_body(body: str) -> str:
    """The body's HTML: control characters dropped, Markdown rendered, images at full size."""
    body = _INDENTED_TAG.sub("", _CONTROL.sub("", body)).strip()
    body_html = _render_markdown(body).strip() if body else ""
    return _full_size_images(body_html)


def remote_images(body_html: str) -> list[str]:
    """The URLs of the body's images on other sites, in order, each once."""
    urls: list[str] = []
    for src in _IMG_SRC.findall(body_html):
        url = html.unescape(src).strip()
        if url.lower().startswith(("http://", "https://", "//")) and url not in urls:
            urls.append(url)
    return urls


# -- Markdown ------------------------------------------------------------------------------------

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


# -- images --------------------------------------------------------------------------------------


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
