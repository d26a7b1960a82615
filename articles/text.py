"""Small text helpers shared by the models, the importer and the views."""

import html
import re
from functools import lru_cache

from django.utils.text import slugify
from pypinyin import lazy_pinyin
from pypinyin.seg.simpleseg import seg

SLUG_MAX_LENGTH = 80

# What no text field may hold: C0 control characters other than tab, newline and
# carriage return (Word pastes \x0b for a line break; XML 1.0 forbids all of them,
# so one in a title took down every feed listing it), DEL, the non-characters
# U+FFFE/U+FFFF and lone surrogates (not valid in UTF-8 or XML either).
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
# Line breaks and tabs, which a one-line field (a title, a name) shows as a space.
_LINE_BREAKS = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]+")


def clean_text(value: str) -> str:
    """A multi-line field as it may be stored: control characters gone, ends trimmed."""
    return _INVISIBLE.sub("", (value or "").replace("\x0c", "\n")).strip()


def clean_line(value: str) -> str:
    """A one-line field as it may be stored: breaks become spaces, controls go, ends trimmed."""
    return _INVISIBLE.sub("", _LINE_BREAKS.sub(" ", value or "")).strip()


_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(
    r"</(?:p|div|h[1-6]|li|td|th|tr|blockquote|figcaption|pre)>|<br\s*/?>", re.I
)


def html_to_text(markup: str) -> str:
    """Readable text of HTML: tags removed, entities decoded, whitespace collapsed.

    The one definition, for summaries, the search index, search snippets and the
    legacy parser. Block ends become spaces first so paragraphs do not run together;
    inline tags are removed without a space so `<b>蔚</b>来` still reads 蔚来. A regex
    suffices: the output is text, escaped wherever it is shown, and Django's
    strip_tags re-parses until stable, several times slower, which matters when an
    import indexes 17,000 bodies.
    """
    text = _TAG.sub("", _BLOCK_END.sub(" ", markup or ""))
    return " ".join(html.unescape(text).split())


_IMAGE = re.compile(r"<img\b[^>]*>", re.I)
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def _image_text(match) -> str:
    alt = _ALT.search(match[0])
    return f"［图片：{(alt[1] or alt[2] or '').strip()}］" if alt else "［图片］"


# A link or image path of our own site in sanitized HTML: the sanitizer quotes every
# attribute with double quotes, and a quote in text is escaped, so this matches
# attributes only. `//host` (protocol-relative) is another site: left alone.
_SITE_PATH = re.compile(r'(\s(?:href|src)=")(/(?!/))')


def absolute_urls(markup: str, origin: str) -> str:
    """Sanitized HTML with `href="/…"` and `src="/…"` made absolute on `origin`
    (`https://example.com`), for copies read away from the site: feeds."""
    return _SITE_PATH.sub(lambda m: f"{m[1]}{origin}{m[2]}", markup or "")


def html_to_lines(markup: str) -> str:
    """The text of a body as a reader reads it, one block per line, pictures as
    ［图片：alt］: what revision diffs compare (articles.workflow)."""
    with_images = _IMAGE.sub(_image_text, (markup or "").replace("\r\n", "\n"))
    blocks = _BLOCK_END.sub("\n", with_images).split("\n")
    lines = (" ".join(html.unescape(_TAG.sub("", block)).split()) for block in blocks)
    return "\n".join(line for line in lines if line)


# Parts of a body that are not prose: the source line, placeholders for remote
# images, and captions. A teaser made of "[图片] 查看原图（文章来源：…）", or one that
# opens with "图为工厂车间（记者 摄）" run into the first sentence, helps nobody.
_NOT_PROSE = re.compile(
    r'<p class="em_media">.*?</p>|<a [^>]*class="remote-image"[^>]*>.*?</a>'
    r"|<figcaption\b.*?</figcaption>",
    re.S | re.I,
)
# Where a paragraph may end without a separator before the next: Chinese sentence
# and clause marks already part the two. After anything else a space does.
_CJK_STOPS = "。！？；：…」』”）】"


def _prose(markup: str) -> str:
    """The text of a body, its paragraphs parted as a reader would part them."""
    text = ""
    for block in _BLOCK_END.split(markup):
        part = " ".join(html.unescape(_TAG.sub("", block)).split())
        if not part:
            continue
        text = f"{text}{part}" if not text or text.endswith(tuple(_CJK_STOPS)) else f"{text} {part}"
    return text


def summarize(markup: str, length: int = 120) -> str:
    """A summary for lists and meta descriptions: the first `length` characters of prose.

    Tags are gone by then, so plain slicing does what `Truncator.chars()` would, at a
    fraction of its cost (it was a tenth of an import's time).
    """
    text = _prose(_NOT_PROSE.sub(" ", markup or ""))
    if len(text) <= length:
        return text
    return text[: length - 1].rstrip() + "…"


# An entry costs about 400 bytes (the word, its syllables, the cache's own links), so
# 50,000 of them were 20 MB that an import of a large archive would fill up as it went.
# Titles reuse the common words most, and those stay in 8,192 (at most 3 MB).
@lru_cache(maxsize=8_192)
def _word_pinyin(word: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(word))


def to_pinyin(text: str) -> list[str]:
    """`lazy_pinyin(text)`, with each segmented word's reading remembered.

    pypinyin reads a text word by word after segmenting it, so the result is the
    same; news titles reuse the same words all the time, and converting a word
    costs far more than looking it up.
    """
    return [syllable for word in seg(text) for syllable in _word_pinyin(word)]


def slug_from_title(title: str) -> str:
    """An ASCII URL slug for any title; Chinese becomes pinyin (蔚来 -> wei-lai).

    Readers share these URLs in chat apps that mangle percent-encoded Chinese,
    so article slugs stay ASCII even though tag slugs keep their Chinese.
    """
    # Non-Chinese runs ("Apple Q1") come back whole, so they stay readable words.
    slug = slugify(" ".join(to_pinyin(title or "")))
    if len(slug) > SLUG_MAX_LENGTH:
        # Cut at a word boundary so the slug never ends in half a syllable.
        slug = slug[: SLUG_MAX_LENGTH + 1].rsplit("-", 1)[0]
    return slug.strip("-") or "article"
