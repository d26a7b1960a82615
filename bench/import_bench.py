#!/usr/bin/env python3
"""Import throughput and peak memory, as a ratio to a bare sanitize_html loop.

usage: .venv/bin/python bench/import_bench.py [N ...]      (default: 1000 10000)

For each N it writes N synthetic posts (bench/make_corpus.py), runs a bare loop of
`sanitize_html` over the same bodies in this process, then imports them with
`manage.py import_posts` into a fresh SQLite database in a child process, which
reports its own peak RSS (VmHWM, see MANAGE). Import speed is the command's own
"用时" (the run, without the interpreter's start-up, like the bare loop). Both are
measured `--repeat` times, alternating, and the best of each is kept, so that a
busy neighbour on the machine does not decide the ratio; peak RSS is the largest
of the imports. A re-run over the imported database (every file unchanged) is
measured once, speed and peak RSS. Prints a Markdown table and saves JSON under
bench/results/ (ignored by git).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from make_corpus import generate  # noqa: E402

from articles.sanitizer import sanitize_html  # noqa: E402


def bodies(folder: Path):
    for path in sorted(folder.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        yield text.split("\n---\n", 1)[1]


def sanitize_loop(folder: Path) -> float:
    started = time.perf_counter()
    count = sum(1 for body in bodies(folder) if sanitize_html(body) is not None)
    return count / (time.perf_counter() - started)


ELAPSED = re.compile(r"用时 ([\d.]+) 秒")
PEAK = re.compile(r"^peak-rss-kb (\d+)$", re.MULTILINE)
# Runs manage.py and, on the way out, prints the process's own peak RSS (VmHWM). wait4's
# ru_maxrss would not do: Linux carries over exec the peak of the memory the child had
# before it, a copy of this process, which the sanitize loop grows (107 MB at 1,000 posts,
# 113 MB at 10,000), so a child that stays smaller reports this process's size instead.
MANAGE = """
import atexit, runpy, sys

def peak():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print(f"peak-rss-kb {kb}", flush=True)

atexit.register(peak)
sys.argv = sys.argv[1:]
runpy.run_path("manage.py", run_name="__main__")
"""


def run_child(args, env) -> tuple[float, int]:
    """(the command's own elapsed seconds, its peak RSS in MB); args are manage.py's."""
    proc = subprocess.Popen(
        [sys.executable, "-c", MANAGE, "manage.py", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    out = proc.stdout.read()
    proc.wait()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{args} exited {proc.returncode}")
    elapsed, peak = ELAPSED.search(out), PEAK.search(out)
    return (float(elapsed.group(1)) if elapsed else 0.0), int(peak.group(1)) // 1024


def measure(n: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "posts"
        generate(n, corpus)
        empty = Path(tmp) / "empty.sqlite3"
        run_child(["migrate", "-v0"], {**os.environ, "DATABASE_URL": f"sqlite:///{empty}"})
        sanitize_rates, import_rates, rss = [], [], []
        for attempt in range(repeat):
            sanitize_rates.append(sanitize_loop(corpus))
            db = Path(tmp) / f"bench-{attempt}.sqlite3"
            shutil.copy(empty, db)
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
            seconds, rss_mb = run_child(["import_posts", "--quiet", str(corpus)], env)
            import_rates.append(n / seconds)
            rss.append(rss_mb)
        rerun_seconds, rerun_rss = run_child(["import_posts", "--quiet", str(corpus)], env)
    import_rate, sanitize_rate = max(import_rates), max(sanitize_rates)
    return {
        "posts": n,
        "import_posts_per_s": round(import_rate, 1),
        "sanitize_posts_per_s": round(sanitize_rate, 1),
        "ratio": round(import_rate / sanitize_rate, 3),
        "peak_rss_mb": max(rss),
        # "用时" has a resolution of 0.1 s: a re-run shown as 0.0 took under 0.05 s, and
        # the rate is then a lower bound.
        "rerun_posts_per_s": round(n / max(rerun_seconds, 0.05), 1),
        "rerun_peak_rss_mb": rerun_rss,
        "all_import_posts_per_s": [round(r, 1) for r in import_rates],
        "all_sanitize_posts_per_s": [round(r, 1) for r in sanitize_rates],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [measure(n, args.repeat) for n in args.sizes]
    print(
        "| posts | import posts/s | sanitize-only posts/s | ratio (goal ≥ 0.5) "
        "| peak RSS MB | re-run posts/s | re-run peak RSS MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['posts']} | {r['import_posts_per_s']} | {r['sanitize_posts_per_s']} | "
            f"{r['ratio']} | {r['peak_rss_mb']} | {r['rerun_posts_per_s']} | "
            f"{r['rerun_peak_rss_mb']} |"
        )
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"import-{int(time.time())}.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
