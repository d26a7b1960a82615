"""China time: the newsroom's clock for days, archives and publication times."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def china_day(moment: datetime) -> date:
    """The calendar day `moment` falls on in Beijing (a story at 07:30 on the 15th, +08:00,
    is 23:30 UTC on the 14th: readers and the archive call it the 15th)."""
    return moment.astimezone(CHINA).date()
