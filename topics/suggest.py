"""专题 among the search box's suggestions (search/suggest.py asks every registered source).

Every 专题 has a public page, so any may be offered. Matched by title, and, for a reader
typing Latin letters, by the pinyin of its address (xinneng → 新能源汽车, whose address
is xin-neng-yuan-qi-che). There are dozens, not thousands: one small query.
"""

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Length, Replace

from search.suggest import Suggestion

from .models import Topic


def topic_suggestions(query: str, limit: int) -> list[Suggestion]:
    """Up to `limit` 专题 matching `query`, titles starting with it first."""
    topics = Topic.objects.annotate(bare_slug=Replace(F("slug"), Value("-"), Value("")))
    matches = Q(title__icontains=query)
    pinyin = "".join(ch for ch in query.lower() if ch.isascii() and ch.isalnum())
    if query.isascii() and pinyin:
        matches |= Q(bare_slug__startswith=pinyin)
    starts = Case(
        When(title__istartswith=query, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    found = (
        topics.filter(matches)
        .annotate(starts=starts)
        .only("title", "slug")
        .order_by("starts", Length("title"), "title")[: max(limit, 0)]
    )
    return [Suggestion("topic", "专题", t.title, "", t.get_absolute_url()) for t in found]
