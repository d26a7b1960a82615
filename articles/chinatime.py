"""China time: the newsroom's clock for days, archives and publication times."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

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
