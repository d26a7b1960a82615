#!/usr/bin/env python3
"""Search latency at the database in DATABASE_URL: p50 and p90 of /search/ per query.

usage: DATABASE_URL=... .venv/bin/python bench/search_latency.py [--rounds 5]

Runs the real search page (view, queries, template; page cache off) through
Django's test client, one request at a time, for a fixed list of typical reader
queries: sector words of three or more characters, two-character words, stock
names and codes, two terms, a rare term (a headline number), and words that are
nowhere, of three and of two characters. Each query is run
`--rounds` times after one warm-up. Prints a Markdown table; the target is a
p50 under 50 ms at 100,000 articles on SQLite and on PostgreSQL.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ["NEWSROOM_PAGE_CACHE"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

QUERIES = [
    "新能源汽车",
    "半导体",
    "银行理财",
    "光伏",
    "茅台",
    "贵州茅台",
    "宁德时代",
    "600519",
    "NIO",
    "半导体 业绩",
    "房地产 政策",
    "（512）",
    "小鹏",
    "没有这个词的新闻",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    # Static URLs without collectstatic's manifest: they are not what is measured.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    from articles.models import Article
    from search.query import SearchResults

    print(f"{Article.objects.published().count():,} published articles · {connection.vendor}\n")
    print("| query | results | p50 ms | p90 ms |")
    print("|---|---:|---:|---:|")
    every = []
    for q in QUERIES:
        response = client.get("/search/", {"q": q})
        assert response.status_code == 200, (q, response.status_code)
        timings = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            client.get("/search/", {"q": q})
            timings.append((time.perf_counter() - started) * 1000)
        every += timings
        results = SearchResults(q)
        count = f"{results.count():,}" + ("+" if results.capped else "")
        timings.sort()
        p90 = timings[min(len(timings) - 1, int(len(timings) * 0.9))]
        print(f"| {q} | {count} | {statistics.median(timings):.1f} | {p90:.1f} |")
    every.sort()
    print(
        f"| **all queries** | | **{statistics.median(every):.1f}** | "
        f"**{every[int(len(every) * 0.9)]:.1f}** |"
    )


if __name__ == "__main__":
    main()
