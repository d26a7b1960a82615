"""What bench/serve and bench/newsroom share: a site on a generated corpus, gunicorn, wrk.

`prepare_site()` is the import path of both: N synthetic legacy posts
(bench/make_corpus.py) imported with `manage.py import_posts` into a fresh
database (SQLite in the run's temporary directory, or the PostgreSQL in
DATABASE_URL, flushed first). `start_gunicorn()` serves it, or the bare
hello-world baseline (bench/hello_settings.py), with the project's own
gunicorn.conf.py, so both servers get the same worker count from the same
variables. `wrk()` runs Debian's wrk and parses its report.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from make_corpus import generate  # noqa: E402

PYTHON = sys.executable
WRK_SCRIPTS = REPO / "bench" / "wrk"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args, check=True):
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=REPO, env=env, check=check, capture_output=True
    )


def wait_for(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer {url}")


def site_env(tmp: Path, *, redis: str = "", reuse: bool = False) -> dict:
    """The environment of every process that touches the bench's site: its database,
    its cache, and its own static, media and page-cache version paths under `tmp`."""
    env = {
        **os.environ,
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp / "media"),
        # The embedded disk cache of this run, not the checkout's var/cache.
        "NEWSROOM_CACHE_DIR": str(tmp / "cache"),
    }
    if reuse:
        # Measure the database as it is: no flush, no corpus, no import.
        if not env.get("DATABASE_URL"):
            raise SystemExit("--reuse needs DATABASE_URL")
    elif not env.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    if redis:
        env["CACHE_URL"] = redis
    else:
        env.pop("CACHE_URL", None)
    return env


def prepare_site(env, tmp: Path, n: int, *, reuse: bool = False) -> float | None:
    """Migrate, collect static files, and import `n` generated posts; the import's seconds."""
    if not reuse and env["DATABASE_URL"].startswith("postgres"):
        manage(env, "flush", "--noinput")
    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    if reuse:
        return None
    generate(n, tmp / "posts")
    started = time.monotonic()
    manage(env, "import_posts", "--quiet", str(tmp / "posts"), check=False)
    return round(time.monotonic() - started, 1)


def start_gunicorn(env, settings_module: str, *, log=None) -> tuple[subprocess.Popen, str]:
    """gunicorn with gunicorn.conf.py on a free port; the process and its base URL.

    Workers come from gunicorn.conf.py (GUNICORN_WORKERS or 2 × cores + 1), the same
    for every server of a run.
    """
    port = free_port()
    server = subprocess.Popen(
        [f"{REPO}/.venv/bin/gunicorn", "-c", "gunicorn.conf.py", "newsroom.wsgi"],
        cwd=REPO,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_ACCESS_LOG": "/dev/null",
        },
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,
    )
    return server, f"http://127.0.0.1:{port}"


def stop_gunicorn(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def warm(url: str, times: int = 3, headers: dict | None = None) -> None:
    """Fill the page cache and open every worker's connections before measuring."""
    for _ in range(times):
        request = urllib.request.Request(url, headers=headers or {})
        urllib.request.urlopen(request, timeout=30).read()


def _ms(text: str) -> float:
    value = float(re.match(r"[\d.]+", text).group(0))
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[re.sub(r"[\d.]", "", text)]


def wrk_command(url, duration, connections, *, script=None, script_args=(), headers=()):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
    command += ["--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *map(str, script_args)]
    return command


def parse_wrk(out: str) -> dict:
    """req/s, p50/p99 and errors from wrk's report (with --latency)."""
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": dict(
            zip(
                ["connect", "read", "write", "timeout"],
                map(int, sockets.groups()) if sockets else [0, 0, 0, 0],
                strict=True,
            )
        ),
    }


def wrk(url, duration, connections, **options) -> dict:
    out = subprocess.run(
        wrk_command(url, duration, connections, **options),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(out)


def save_results(name: str, data) -> Path:
    """Write bench/results/NAME-TIME.json (ignored by git), or under $BENCH_RESULTS_DIR:
    the smoke test (tests/project/test_bench.py) keeps its runs out of the worktree."""
    out = Path(os.environ.get("BENCH_RESULTS_DIR") or REPO / "bench" / "results")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}-{int(time.time())}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return path
