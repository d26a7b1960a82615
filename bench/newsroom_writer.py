"""The newsroom of bench/newsroom: flashes, edits and takedowns, as editors make them.

usage (bench/newsroom starts it): DJANGO_SETTINGS_MODULE=newsroom.settings \\
    python bench/newsroom_writer.py EVENTS.jsonl PLAN.json

Every write goes through `articles.services`, the functions the admin calls, as an
editor (a superuser made here): a 7×24 flash is added already published, the way
an editor saves the add form with status 已发布 (`article_save`); an edit changes a
story's summary and body (`article_save`); a takedown makes a story a draft
(`article_unpublish`). So every signal, revision, search-index update and page-cache
bump the site makes for an editor happens here too.

PLAN.json gives the run's id (slugs are `bench-flash-RUN-N`), the intervals, and
the articles to edit and to take down. After setting up, the writer prints `ready`
and waits for one line on stdin, `START END` (epoch seconds), then writes on
schedule from START until END; the first edit and takedown come a little after the
first flash, so a short run has one of each. Each write appends a JSON line to
EVENTS.jsonl: kind, url, `t_start` and `t_end` (epoch seconds around the service
call) and, if it failed, the error.
"""

import json
import os
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles import services  # noqa: E402
from articles.listings import ROLLING_CATEGORY_SLUG  # noqa: E402
from articles.models import Article, Category  # noqa: E402

TOPICS = ["新能源汽车", "半导体", "光伏", "银行理财", "医药集采", "消费复苏"]


def main():
    events_path, plan_path = sys.argv[1:3]
    plan = json.loads(Path(plan_path).read_text())
    editor, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
    )
    flashes = Category.objects.get(slug=ROLLING_CATEGORY_SLUG)
    counter = {"flash": 0, "edit": 0, "takedown": 0}

    def publish_flash():
        n = counter["flash"]
        topic = TOPICS[n % len(TOPICS)]
        article = Article(
            title=f"{topic}板块午后异动 快讯 {plan['run']}-{n}",
            slug=f"bench-flash-{plan['run']}-{n}",
            summary=f"{topic}板块午后快速拉升，多只个股涨超 5%。",
            body_source=f"<p>{topic}板块午后快速拉升，多只个股涨超 5%，成交额明显放大。</p>",
            category=flashes,
            source_name="东方财富",
            status=Article.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        services.article_save(article=article, by=editor, tags=["东财滚动新闻"])
        return article.get_absolute_url()

    def edit():
        pk = plan["edit_ids"][counter["edit"] % len(plan["edit_ids"])]
        article = Article.objects.get(pk=pk)
        article.summary = f"（更新 {counter['edit']}）{article.excerpt[:80]}"
        article.body_source += f"<p>更新：记者稍后获悉更多细节（第 {counter['edit']} 次更新）。</p>"
        services.article_save(article=article, by=editor)
        return article.get_absolute_url()

    def takedown():
        pk = plan["takedown_ids"][counter["takedown"]]
        article = services.article_unpublish(article_id=pk, by=editor)
        return article.get_absolute_url()

    writes = {"flash": publish_flash, "edit": edit, "takedown": takedown}
    print("ready", flush=True)
    start, end = map(float, sys.stdin.readline().split())
    # The first of each kind early (a short run has them all), then every interval.
    due = {"flash": start, "edit": start + 0.3, "takedown": start + 0.6}
    every = {
        "flash": plan["flash_every"],
        "edit": plan["edit_every"],
        "takedown": plan["takedown_every"],
    }
    with open(events_path, "a", encoding="utf-8") as events:
        while True:
            if counter["takedown"] >= len(plan["takedown_ids"]):
                due.pop("takedown", None)  # every story set aside for it is down
            kind = min(due, key=due.get)
            if due[kind] > end:
                break
            time.sleep(max(0.0, due[kind] - time.time()))
            t_start = time.time()
            record = {"kind": kind, "t_start": t_start}
            try:
                record["url"] = writes[kind]()
            except Exception as exc:  # noqa: BLE001 - reported, and the run goes on
                record["error"] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
            record["t_end"] = time.time()
            counter[kind] += 1
            events.write(json.dumps(record, ensure_ascii=False) + "\n")
            events.flush()
            # Keep the cadence: a slow write does not push every later one back.
            due[kind] += every[kind]
            while due[kind] < time.time() - every[kind]:
                due[kind] += every[kind]


if __name__ == "__main__":
    main()
