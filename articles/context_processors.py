from django.conf import settings

from .models import Category


def site(request):
    """The site name and the category menu, shown in every page's header."""
    return {
        "site_name": settings.SITE_NAME,
        # Lazy: evaluated once, only by templates that render the menu.
        "menu_categories": Category.objects.all(),
    }
