"""A legacy post's front matter: finding it, loading its YAML, and reading its fields.

The generator wrote the YAML by hand, and not always validly (titles with a raw '"'), so
loading it has one rescue, and every field is read defensively: `categories` and `tags` may
be a string or a list, a title may be read by YAML as a number. Functions that notice
something worth reporting append it to the caller's `warnings`.
"""

from __future__ import annotations

import html
import re
from datetime import date

import yaml

from .post import LegacyPostError
from .slugs import normalize_category_slug

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

_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)*")
_FM_OPEN = re.compile(r"---[ \t]*(?:\n|\Z)")
_FM_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$\n?", re.MULTILINE)
_RAW_TITLE = re.compile(r"^title[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE)


def split_front_matter(text: str, warnings: list[str]) -> tuple[dict, str]:
    """(front matter as a dict, the body after it), line ends made "\\n"."""
    # Jekyll treats CR LF like LF; so do all the line-based patterns of the parser.
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
    return _load_yaml(raw, warnings), norm[closing.end() :]


def opens_front_matter(text: str) -> bool:
    """Whether text starts (after a BOM, in UTF-8 or seen as Latin-1, and blank lines) with the
    '---' line that opens front matter."""
    norm = text.removeprefix("\ufeff").removeprefix("\xef\xbb\xbf")
    norm = norm.replace("\r\n", "\n").replace("\r", "\n")
    return _FM_OPEN.match(norm, _BLANK_LINES.match(norm).end()) is not None


def _load_yaml(raw: str, warnings: list[str]) -> dict:
    raw_title = _raw_double_quoted_title(raw)
    try:
        meta = yaml.load(raw, Loader=_FrontMatterLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        if raw_title is None:
            raise LegacyPostError(f"front matter 不是合法的 YAML: {_yaml_reason(exc)}") from exc
        # The generator wrote titles raw between double quotes, so an ASCII '"' inside
        # breaks the YAML. Parse the rest without the title line and keep the raw title.
        try:
            meta = yaml.load(_RAW_TITLE.sub('title: ""', raw, count=1), Loader=_FrontMatterLoader)
        except (yaml.YAMLError, ValueError, OverflowError) as exc2:
            raise LegacyPostError(f"front matter 不是合法的 YAML: {_yaml_reason(exc2)}") from exc2
        if isinstance(meta, dict):
            meta["title"] = raw_title
            warnings.append(
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


def _yaml_reason(exc: Exception) -> str:
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 1} of the front matter)"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


# -- fields ------------------------------------------------------------------------------------


def read_title(meta: dict) -> str:
    value = meta.get("title")
    if isinstance(value, (int, float, date)) and not isinstance(value, bool):
        value = str(value)  # e.g. `title: 2022` – YAML reads a number, but it is a title
    if not isinstance(value, str):
        raise LegacyPostError("缺少标题 (no title)")
    title = html.unescape(value).strip()
    if not title:
        raise LegacyPostError("标题为空 (empty title)")
    return title


def read_categories(meta: dict, warnings: list[str]) -> tuple[str | list[str], str]:
    """(`categories` as written, for Jekyll's permalinks; its first entry, the category)."""
    value = meta.get("categories", meta.get("category"))
    if isinstance(value, list):
        entries = string_list(value, split=False)
        raw: str | list[str] = entries
        first = entries[0] if entries else ""
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        raw = first = str(value)
    else:
        raw = first = ""
    if not first.strip():
        warnings.append("没有分类 (no categories)")
    return raw, first


def read_tags(meta: dict) -> list[str]:
    return string_list(meta.get("tags", meta.get("tag")), split=True)


def category_name(tags_value, tags: list[str], source_name: str, slug: str) -> str:
    """The Chinese name a new category gets: the legacy tags, else the source, else the slug.

    `tags_value` is the front matter's `tags` as written, `tags` the list read from it.
    """
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


def string_list(value, *, split: bool) -> list[str]:
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
