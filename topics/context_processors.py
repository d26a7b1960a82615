import functools

from . import navigation


def navigation_menu(request):
    """The site menu for every page, read only if the menu is rendered (its fragment
    is usually kept in the cache, and then it costs no query)."""
    return {"menu_items": functools.cache(navigation.menu_items)}
