"""The lines after a legacy post's article, and which story the post tells.

A post ends with the original article's link (an infoCode share link for source posts, an
EastMoney news link for rolling news) and the old site's navigation. The link is the story's
stable id, shared by every file of the story (a source post, its rolling copy, a corrected
re-post), so it decides the post's kind and key; the file name is the fallback.
"""

from __future__ import annotations

import re

from articles.listings import ROLLING_CATEGORY_SLUG

from .files import dated_name

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


def strip_footer(body: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """Drop the trailing autolink and navigation lines; return the links found there.

    The links are {"infocode" or "eastmoney": (url, story id)}.
    """
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


def identify(
    file_name: str, category: str, links: dict[str, tuple[str, str]], warnings: list[str]
) -> tuple[str, str | None, str]:
    """(kind, story id or None, original URL) of a post, from its footer links, its name
    ("…-NW<id>.md" is a source post) and its category (rolling news has its own)."""
    info, eastmoney = links.get("infocode"), links.get("eastmoney")
    title_part = dated_name(file_name)
    name_id = None
    name_is_nw = False
    if title_part and (m := _FILE_STORY_ID.fullmatch(title_part[4])):
        name_id = m[1]
        name_is_nw = title_part[4][:2].upper() == "NW"

    if info:
        kind, original_url, story_id = "source", info[0], info[1]
    elif name_is_nw:
        kind, original_url, story_id = "source", "", name_id
    elif eastmoney or category.strip().lower() == ROLLING_CATEGORY_SLUG:
        kind = "rolling"
        original_url, story_id = eastmoney if eastmoney else ("", name_id)
    else:
        kind, original_url, story_id = "other", "", name_id
    if name_id and story_id and name_id != story_id:
        warnings.append(f"文件名编号 {name_id} 与链接编号 {story_id} 不一致 (id mismatch)")
    return kind, story_id, original_url
