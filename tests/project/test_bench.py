"""The benches still run: bench/serve and bench/newsroom on a tiny corpus, briefly.

README "Performance" promises what these commands print; this proves that their
scripts, Lua files, servers, writer and poller still work together and print every
row, on a corpus small enough to import in seconds and with one or two seconds of
load per row. Nothing here is timed: a shared two-core machine decides throughput,
and `--smoke` makes bench/newsroom report its targets without enforcing them.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.bench,
    # Both benches make their own SQLite database; once per `make test` is enough.
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the benches are smoke-run once, in the SQLite pass",
    ),
]

SERVE_ROWS = [
    "| bare hello-world (no middleware) |",
    "| baseline (10 KB view) |",
    "| home |",
    "| article |",
    "| search |",
    "| home ?utm_source=random |",
    "| article ?utm_source=random |",
    "| home ?from=timeline&isappinstalled=0 |",
    "| article ?from=timeline&isappinstalled=0 |",
    "| home, Cookie: sessionid=invalid |",
    "| article, Cookie: sessionid=invalid |",
    "| × hello | × 10 KB |",
    "page cache off (a miss)",
    "cold (no fragments either)",
]
NEWSROOM_ROWS = [
    "| bare hello-world (no middleware) |",
    "| mix, no writes |",
    "| mix, newsroom writing |",
    "| on / |",
    "| on /category/emnews/ |",
    "| until the URL answers 404 |",
    "writes: 1 flash",
]


def test_serve_and_newsroom_run_on_a_tiny_corpus_and_print_every_row(tmp_path):
    """A bench that no longer starts is found by `make test`, not by the next person
    who needs numbers; the two run side by side, as their wrk runs mostly wait."""
    assert shutil.which("wrk"), "wrk is missing: scripts/ensure-system-deps installs it"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["BENCH_RESULTS_DIR"] = str(tmp_path)
    small = ["--duration", "1", "--connections", "4"]
    commands = {
        "serve": [sys.executable, "bench/serve", "--sizes", "40", *small],
        "newsroom": [
            *[sys.executable, "bench/newsroom", "--size", "40", "--smoke"],
            *["--duration", "2", "--connections", "4"],
        ],
    }
    runs = {
        name: subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for name, command in commands.items()
    }
    outputs = {name: run.communicate(timeout=240)[0] for name, run in runs.items()}
    for name, run in runs.items():
        assert run.returncode == 0, f"bench/{name} exited {run.returncode}:\n{outputs[name]}"
    for row in SERVE_ROWS:
        assert row in outputs["serve"], f"bench/serve printed no {row!r}:\n{outputs['serve']}"
    for row in NEWSROOM_ROWS:
        assert row in outputs["newsroom"], (
            f"bench/newsroom printed no {row!r}:\n{outputs['newsroom']}"
        )
    assert len(list(tmp_path.glob("*.json"))) == 2, "each bench saves its results"
