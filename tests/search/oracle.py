"""The reference definition of search results, for the tests (and only for them).

`search_articles` says in one plain queryset what `search.query.SearchResults`
serves cheaply page by page; tests/search/test_search.py checks the two agree on every
search. `plans` shows the database's plan of each tier's page query.
"""

import functools
import operator

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, Case, Q, Value, When
from django.db.models.expressions import RawSQL

from articles.models import Article
from search.query import _key_sql, _tier_sql, parse_query
from search.schema import PUBLIC_MIN


def search_articles(query: str, *, using: str = DEFAULT_DB_ALIAS):
    """Published articles matching every term of `query`, in the order results are shown.

    The reference definition of the results, as one plain queryset: headlines
    holding every term first, then headlines holding some, then the rest (see
    `title_tiers`), each newest first by the sort key (to the second, then the
    newer id). Each result carries `title_hits` (how many terms its title
    contains) and `title_match` (at least one). An empty query gives an empty
    queryset. The search page reads the same order more cheaply: `SearchResults`.
    """
    _, terms = parse_query(query)
    if not terms:
        return Article.objects.using(using).none()
    vendor = connections[using].vendor
    sql, params = _tier_sql(vendor, terms, None)
    # The ids alone, unordered, over every key from the first public one up.
    sql = sql.split(" ORDER BY ")[0]
    matching = RawSQL(sql, [PUBLIC_MIN, (1 << 63) - 1, *params])
    hits = [Q(title__icontains=t) for t in terms]
    return (
        Article.objects.using(using)
        .published()
        .filter(pk__in=matching)
        .annotate(
            title_hits=functools.reduce(
                operator.add, [Case(When(hit, then=Value(1)), default=Value(0)) for hit in hits]
            ),
            title_rank=Case(
                When(functools.reduce(operator.and_, hits), then=Value(2)),
                When(functools.reduce(operator.or_, hits), then=Value(1)),
                default=Value(0),
            ),
            search_key=RawSQL(_key_sql(vendor), []),
        )
        .annotate(
            title_match=Case(
                When(title_hits__gt=0, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-title_rank", "-search_key")
    )


def plans(results) -> list[str]:
    """The database's plan for each tier's page query of a `SearchResults`."""
    out = []
    connection = connections[results._using]
    prefix = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"
    for tier in results._tiers:
        rows = results._execute(f"{prefix} {tier.sql} LIMIT 20", tier.params)
        out.append("\n".join(" ".join(map(str, row)) for row in rows))
    return out
