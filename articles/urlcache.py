"""`reverse()` with a memory: list pages build hundreds of links per request.

Django's `reverse()` costs tens of microseconds per call, which is most of a list
page's link building. The result depends only on the view name, the arguments,
the script prefix and the URLconf, so it is memoised on exactly those; a change of
URLconf (tests override ROOT_URLCONF) clears it.
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse


@lru_cache(maxsize=20_000)
def _reverse(viewname: str, args: tuple, prefix: str) -> str:
    return reverse(viewname, args=args)


def cached_reverse(viewname: str, *args) -> str:
    """`reverse(viewname, args=args)`, memoised. Arguments must be hashable."""
    return _reverse(viewname, args, get_script_prefix())


@receiver(setting_changed)
def _clear(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
