"""The site menu every page shows, in one order (README "Editors and roles", 导航菜单).

Editors set it under 专题与导航 › 导航菜单: sections, 专题 and pages of the site, by
their 顺序. Without any visible item, the menu is every section in the sections' own
order (栏目 › 菜单顺序), as it was before. The same list on every page: no page re-sorts
it (the section index used to put it in order of article counts).
"""

from dataclasses import dataclass

from django.db.models import CharField, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from articles.models import Category
from articles.urlcache import cached_reverse

from .models import NavItem


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    # What marks the item as the current page (aria-current) on a section's or a
    # 专题's own page; a plain path is never marked (the menu fragment does not vary
    # on the request's path).
    category_slug: str = ""
    topic_slug: str = ""


def menu_items() -> list[MenuItem]:
    """The menu, in order, in one query: the editors' visible items, or, when there are
    none, every section (both are read together, as one UNION; both lists are short)."""
    blank = Value("", output_field=CharField())
    items = (
        NavItem.objects.filter(visible=True)
        .order_by()
        .values_list(
            Value("nav", output_field=CharField()),
            "position",
            "id",
            "label",
            "path",
            Coalesce("category__name", blank),
            Coalesce("category__slug", blank),
            Coalesce("topic__title", blank),
            Coalesce("topic__slug", blank),
        )
    )
    sections = Category.objects.order_by().values_list(
        Value("section", output_field=CharField()),
        "position",
        "id",
        "name",
        blank,
        "name",
        "slug",
        blank,
        blank,
    )
    rows = list(items.union(sections, all=True))
    chosen = [row for row in rows if row[0] == "nav"]
    if not chosen:
        # Category's own order: position, then name.
        sections = sorted((row for row in rows if row[0] == "section"), key=lambda r: (r[1], r[3]))
        return [
            MenuItem(name, cached_reverse("articles:category", slug), category_slug=slug)
            for _, _, _, name, _, _, slug, _, _ in sections
        ]
    menu = []
    for _, _, _, label, path, section, section_slug, title, topic_slug in sorted(
        chosen, key=lambda r: (r[1], r[2])
    ):
        if section_slug:
            url = cached_reverse("articles:category", section_slug)
        elif topic_slug:
            url = reverse("topics:topic", args=[topic_slug])
        else:
            url = path
        menu.append(
            MenuItem(
                label or section or title,
                url,
                category_slug=section_slug,
                topic_slug=topic_slug,
            )
        )
    return menu
