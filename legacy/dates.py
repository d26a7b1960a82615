"""The publication time of a legacy post: its front-matter `date`, or its file name's date.

One parser for every date form, because PyYAML reads only some of them (see
`legacy.frontmatter`, which leaves all dates as text): "+0800" without a colon, for one, is
no YAML timestamp. The legacy site ran with `timezone: Asia/Shanghai`, so every zone-less
time is China time (`articles.chinatime.CHINA`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

from articles.chinatime import CHINA, PUBLISHED_AT_RANGE_MESSAGE, in_publication_range

from .files import dated_name
from .post import LegacyPostError

_DATE = re.compile(
    r"""(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})
        (?:(?:[Tt]|[ \t]+)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?)?
        [ \t]*(?P<tz>Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?""",
    re.VERBOSE,
)


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


def date_from_file_name(file_name: str) -> datetime:
    """Midnight China time of the day a post's name starts with (YYYY-MM-DD-title.ext)."""
    match = dated_name(file_name)
    if not match:
        raise LegacyPostError("没有日期 (no date in front matter or file name)")
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise LegacyPostError(f"文件名日期无效 (bad file-name date): {exc}") from exc
    return datetime.combine(day, time(), CHINA)


def check_publication_range(moment: datetime) -> datetime:
    """`moment`, unless an article may not be published then (articles.chinatime)."""
    if not in_publication_range(moment):
        raise LegacyPostError(
            f"{PUBLISHED_AT_RANGE_MESSAGE} (date out of range: {moment:%Y-%m-%d})"
        )
    return moment


def _to_shanghai(value: datetime) -> datetime:
    try:
        return value.astimezone(CHINA)
    except (OverflowError, ValueError) as exc:  # year 1 or 9999 shifted past the edge
        raise LegacyPostError(f"日期超出范围 (date out of range): {value!r}") from exc
