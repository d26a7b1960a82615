"""The readers' side of bench/newsroom's freshness check: plain HTTP polls, no Django.

usage (bench/newsroom starts it): python bench/newsroom_poller.py BASE_URL PLAN.json OUT.json

From the plan's `start` until its `poll_until` (epoch seconds), every `poll_every`
seconds, each in its own thread so a slow answer delays only itself:
- the home page and the 7×24 page: for every flash link (`/article/bench-flash-…/`)
  the start time of the first request whose answer showed it;
- each article set aside for a takedown: the start time and status of every request
  (0 for no answer), so that bench/newsroom can tell when it first answered 404 and
  whether it ever answered 200 again after that.
Times are epoch seconds, comparable with the writer's (same machine). OUT.json gets
{"first_seen": {page: {url: t}}, "takedowns": {url: [[t, status], …]}, "polls": n,
"failed_polls": n}.
"""

import json
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

FLASH_LINK = re.compile(r'href="(/article/bench-flash-[\w-]+/)"')


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:
        return 0, ""


def main():
    base, plan_path, out_path = sys.argv[1:4]
    plan = json.loads(Path(plan_path).read_text())
    pages = {"/": {}, plan["flash_page"]: {}}
    takedowns = {url: [] for url in plan["takedown_urls"]}
    counts = {"polls": 0, "failed_polls": 0}
    lock = threading.Lock()

    def every_tick(poll):
        time.sleep(max(0.0, plan["start"] - time.time()))
        while (started := time.time()) < plan["poll_until"]:
            poll(started)
            time.sleep(max(0.0, started + plan["poll_every"] - time.time()))

    def page_poller(path):
        def poll(started):
            status, body = get(base + path)
            with lock:
                counts["polls"] += 1
                counts["failed_polls"] += status != 200
            for url in FLASH_LINK.findall(body):
                pages[path].setdefault(url, started)

        return poll

    def takedown_poll(_):
        for url in takedowns:
            started = time.time()
            status, _ = get(base + url)
            takedowns[url].append((started, status))
            with lock:
                counts["polls"] += 1
                counts["failed_polls"] += status not in (200, 404)

    threads = [
        threading.Thread(target=every_tick, args=(poll,))
        for poll in [page_poller(path) for path in pages] + [takedown_poll]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    Path(out_path).write_text(
        json.dumps({"first_seen": pages, "takedowns": takedowns, **counts}, ensure_ascii=False)
    )


if __name__ == "__main__":
    main()
