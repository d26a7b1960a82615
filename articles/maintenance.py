"""Bulk maintenance on stored articles, callable from commands and tests alike."""

from django.db import transaction

from .models import Article


def resanitize_all(batch_size: int = 500) -> tuple[int, int]:
    """Re-derive every article's body_html from its source; returns (checked, changed).

    Used after the sanitizer's allowlist changes. Each article goes through
    `save()`, the one write path, so nothing can be stored unsanitized.
    """
    checked = changed = 0
    queryset = Article.objects.order_by("pk").only("pk")
    for start in range(0, queryset.count() + batch_size, batch_size):
        pks = list(queryset.values_list("pk", flat=True)[start : start + batch_size])
        if not pks:
            break
        with transaction.atomic():
            for article in Article.objects.filter(pk__in=pks):
                checked += 1
                before = (article.body_html, article.excerpt)
                article.derive_fields()
                if (article.body_html, article.excerpt) != before:
                    article.save()
                    changed += 1
    return checked, changed
