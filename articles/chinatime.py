"""China time: the newsroom's clock for days, archives and publication times."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models.functions import TruncDate
from django.utils import timezone

CHINA = ZoneInfo("Asia/Shanghai")


def china_day(moment: datetime) -> date:
    """The calendar day `moment` falls on in Beijing (a story at 07:30 on the 15th, +08:00,
    is 23:30 UTC on the 14th: readers and the archive call it the 15th)."""
    return moment.astimezone(CHINA).date()


# The publication times an article may have. Outside them the search index's sort key
# (seconds since 1970 shifted left by 31 bits) would not fit its 64-bit column, and no
# story of this archive or newsroom is dated before the markets it covers opened.
PUBLISHED_AT_MIN = datetime(1970, 1, 1, tzinfo=CHINA)
PUBLISHED_AT_MAX = datetime(2100, 1, 1, tzinfo=CHINA)
PUBLISHED_AT_RANGE_MESSAGE = (
    "发布时间须在 1970 年 1 月 1 日至 2099 年 12 月 31 日之间，请检查年份。"
)


def in_publication_range(moment: datetime) -> bool:
    return PUBLISHED_AT_MIN <= moment < PUBLISHED_AT_MAX


def today() -> date:
    """Today in China."""
    return timezone.localdate(timezone=CHINA)


def day_start(day: date) -> datetime:
    """00:00 Beijing time on `day`, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=CHINA)


def parse_day(value) -> date | None:
    """A `YYYY-MM-DD` query parameter as a date, or None for anything else."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    # Far-off years would overflow the next day's midnight in UTC.
    return day if 1900 <= day.year <= 9000 else None


def day_bounds(day: date) -> dict:
    """Filter kwargs for articles published on `day` (China time)."""
    return {"published_at__gte": day_start(day), "published_at__lt": day_start(day + timedelta(1))}


def parse_month(value) -> date | None:
    """A `YYYY-MM` query parameter as the 1st of that month, or None for anything else."""
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-":
        return None
    year, month = value[:4], value[5:]
    if not (year.isdigit() and month.isdigit() and year.isascii() and month.isascii()):
        return None
    year, month = int(year), int(month)
    if not (1900 <= year <= 9000 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def next_month(month: date) -> date:
    """The 1st of the month after `month`."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_bounds(month: date) -> dict:
    """Filter kwargs for articles published in the calendar month of `month` (China time)."""
    return {
        "published_at__gte": day_start(month.replace(day=1)),
        "published_at__lt": day_start(next_month(month)),
    }


class ChinaDate(TruncDate):
    """The China day of a datetime column, computed by the database itself.

    Django's `TruncDate(tzinfo=…)` makes SQLite call back into Python once per row
    to convert the time zone; at 100,000 articles the home page's sparklines spent
    30 ms of an uncached render there. Asia/Shanghai has been UTC+8 with no daylight
    saving since 1991, older than anything this site publishes, so SQLite's own
    `date(…, '+8 hours')` gives the same day. PostgreSQL converts natively already.
    SQLite keeps milliseconds only and would round 15:59:59.9999 UTC up into the
    next day, so the stored text is cut to whole seconds ("YYYY-MM-DD HH:MM:SS") first.
    """

    def __init__(self, expression, **extra):
        super().__init__(expression, tzinfo=CHINA, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"date(substr({sql}, 1, 19), '+8 hours')", params


def parse_datetime_local(value) -> datetime | None:
    """An `<input type="datetime-local">` value ("2026-12-03T15:30") as Beijing time.

    The picker sends a wall-clock time with no zone; the desk works in China time
    whatever the browser's zone is. None for anything else, and for years so far off
    that converting them could overflow (range rules are the caller's: 1970–2099).
    """
    if not isinstance(value, str) or not 16 <= len(value) <= 19 or "T" not in value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        return None
    if naive.tzinfo is not None or not 1900 <= naive.year <= 9000:
        return None
    return naive.replace(second=0, microsecond=0, tzinfo=CHINA)


def datetime_local_value(moment: datetime) -> str:
    """`moment` as a datetime-local input's value, in Beijing time."""
    return f"{moment.astimezone(CHINA):%Y-%m-%dT%H:%M}"


def china_label(moment: datetime) -> str:
    """ "2026年12月3日 15:30（北京时间）": how the desk says when a story goes live."""
    local = moment.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（北京时间）"
