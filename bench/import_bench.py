#!/usr/bin/env python3
"""Import throughput and peak memory, as a ratio to a bare sanitize_html loop.

usage: .venv/bin/python bench/import_bench.py [N ...]      (default: 1000 10000)

For each N it writes N synthetic posts (bench/make_corpus.py), runs a bare loop of
`sanitize_html` over the same bodies in this process, then imports them with
`manage.py import_posts` into a fresh SQLite database in a child process, timing
it and reading the child's peak RSS from the kernel (wait4). Prints a Markdown
table and saves JSON under bench/results/ (ignored by git).
"""

import json
import os
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


def run_child(args, env) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{args} exited {proc.returncode}")
    return time.perf_counter() - started, usage.ru_maxrss // 1024


def measure(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "posts"
        generate(n, corpus)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
        manage = [sys.executable, "manage.py"]
        run_child([*manage, "migrate", "-v0"], env)
        sanitize_rate = sanitize_loop(corpus)
        seconds, rss_mb = run_child([*manage, "import_posts", "--quiet", str(corpus)], env)
        rerun_seconds, _ = run_child([*manage, "import_posts", "--quiet", str(corpus)], env)
    import_rate = n / seconds
    return {
        "posts": n,
        "import_posts_per_s": round(import_rate, 1),
        "sanitize_posts_per_s": round(sanitize_rate, 1),
        "ratio": round(import_rate / sanitize_rate, 3),
        "peak_rss_mb": rss_mb,
        "rerun_posts_per_s": round(n / rerun_seconds, 1),
    }


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    rows = [measure(n) for n in sizes]
    print(
        "| posts | import posts/s | sanitize-only posts/s | ratio (goal ≥ 0.5) "
        "| peak RSS MB | re-run posts/s |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['posts']} | {r['import_posts_per_s']} | {r['sanitize_posts_per_s']} | "
            f"{r['ratio']} | {r['peak_rss_mb']} | {r['rerun_posts_per_s']} |"
        )
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"import-{int(time.time())}.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
