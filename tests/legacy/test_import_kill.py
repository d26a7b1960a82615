"""A run of `manage.py import_posts` killed part-way must be finished by simply re-running it.

This test uses real processes and its own SQLite file databases (never the Django test
database): ten runs are SIGKILLed at seeded random moments (while reading and parsing, or
between and inside write batches), each is re-run to completion, and every result is
compared, by a checksum of every article's fields, tags, stocks, old URLs and source files,
with one clean single run into another fresh database.
"""

import hashlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

CATEGORIES = [
    ("zhengquanribao", "证券日报新闻", "证券日报"),
    ("meirijingjixinwen", "每日经济新闻新闻", "每日经济新闻"),
    ("TechWeb", "TechWeb新闻", "TechWeb"),
    ("Techweb", "Techweb新闻", "TechWeb"),
    ("cailianshe", "财联社新闻", "财联社"),
    ("21shijijingjibaodao 21caijingAPP", "21世纪经济报道 21财经APP新闻", "21世纪经济报道"),
]
STOCKS = [
    (1, "600519", "贵州茅台"),
    (0, "000001", "平安银行"),
    (90, "BK1037", "消费电子"),
    (106, "NIO", "蔚来"),
    (116, "00700", "腾讯控股"),
    (0, "300750", "宁德时代"),
    (105, "AAPL", "苹果"),
]
NAV_HOME = "｜[返回首页](//finews.withounder.com/)"


def _widget(market, code):
    return (
        '<p style="display:none;height:1px;overflow:hidden;"><br /></p>'
        f'<!-- EM_StockImg_Start --><p style="text-align:center;"><a href="http://quote.'
        f'eastmoney.com/unify/r/{market}.{code}" data-code="{code}|{market}|1"><img src="https://'
        f'webquoteklinepic.eastmoney.com/GetPic.aspx?nid={market}.{code}" data-code="K {code}|'
        f'{market}|1" width="578" height="276" /></a></p><!-- EM_StockImg_End -->'
    )


def _inline(market, code, name):
    prefix, quote = ("bk", "bkquote") if market == 90 else ("stock", "quote")
    return (
        f'<span id="{prefix}_{market}.{code}"><a href="http://quote.eastmoney.com/unify/r/'
        f'{market}.{code}" class="keytip" data-code="{market},{code}">{name}</a></span>'
        f'<span id="{quote}_{market}.{code}"></span>'
    )


def _header(title, date, categories, tags):
    return (
        f'---\nlayout: post\ntitle: "{title}"\ndate: {date}\n'
        f"categories: {categories}\ntags: {tags}\n---\n"
    )


def _source(n, story, date):
    slug, tags, publication = CATEGORIES[n % len(CATEGORIES)]
    stocks = [STOCKS[(n + k) % len(STOCKS)] for k in range(n % 3 + 1)]
    body = "".join(_widget(m, c) for m, c, _ in stocks[:1])
    body += "".join(f"<p>第{n}篇原稿，{_inline(m, c, name)}表现活跃。</p>" for m, c, name in stocks)
    body += f'<p>原稿第{n}篇的结尾段落。</p><p class="em_media">（文章来源：{publication}）</p>'
    return (
        _header(f"原稿第{n}篇 市场观察", date, slug, tags)
        + f"{body}\n\n<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW{story}>\n\n"
        + f"[返回{tags}](//finews.withounder.com/category/{slug}.html){NAV_HOME}"
    )


def _rolling(n, story, date):
    stocks = [STOCKS[(n * 2 + k) % len(STOCKS)] for k in range(n % 2 + 1)]
    body = "".join(f"<p>滚动第{n}篇，{_inline(m, c, name)}走强。</p>" for m, c, name in stocks)
    return (
        _header(f"滚动第{n}篇 快讯", date, "emnews", "东财滚动新闻")
        + f"> 滚动第{n}篇的摘要。（东方财富）\n\n"
        + f'{body}<p class="em_media">（文章来源：东方财富）</p>\n\n'
        + f"<http://finance.eastmoney.com/news/1350,{story}.html>\n\n"
        + f"[返回东财滚动新闻](//finews.withounder.com/emnews/){NAV_HOME}"
    )


def generate_posts(root: Path) -> tuple[int, int]:
    """Write 150 posts (source only, rolling only, and pairs); return (files, stories)."""
    files = stories = 0
    for n in range(120):
        day = n % 28 + 1
        story = f"202203{day:02d}{n:010d}"
        date = f"2022-03-{day:02d} {n % 24:02d}:{n % 60:02d}:00 +0800"
        kind = n % 4  # 0, 1: source only; 2: rolling only; 3: both (only for n < 60)
        if kind == 3 and n >= 60:
            kind = 0
        if kind in (0, 1, 3):
            (root / f"2022-03-{day:02d}-NW{story}.md").write_text(_source(n, story, date))
            files += 1
        if kind in (2, 3):
            (root / f"2022-03-{day:02d}-{story}.md").write_text(_rolling(n, story, date))
            files += 1
        stories += 1
    # Top up to 150 files with more source posts in a subfolder.
    n = 120
    while files < 150:
        story = f"20220401{n:010d}"
        (root / "more").mkdir(exist_ok=True)
        (root / "more" / f"2022-04-01-NW{story}.md").write_text(
            _source(n, story, "2022-04-01 10:00:00 +0800")
        )
        files += 1
        stories += 1
        n += 1
    return files, stories


def _env(db_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{db_path}"  # sqlite:////tmp/... for an absolute path
    env.pop("DJANGO_MEDIA_ROOT", None)
    return env


def _manage(db_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=_env(db_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _count_articles(db_path: Path) -> int:
    with sqlite3.connect(db_path, timeout=10) as conn:
        return conn.execute("SELECT COUNT(*) FROM articles_article").fetchone()[0]


def article_checksum(db_path: Path) -> str:
    """Title, slug, body, summary, category, status, date, tags and ordered stocks of all."""
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        rows = []
        articles = conn.execute(
            "SELECT a.id, a.legacy_key, a.title, a.slug, a.body_html, a.summary, c.slug, "
            "c.name, a.status, a.published_at FROM articles_article a "
            "JOIN articles_category c ON c.id = a.category_id ORDER BY a.legacy_key"
        ).fetchall()
        for pk, *fields in articles:
            tags = conn.execute(
                "SELECT t.name FROM taggit_taggeditem i JOIN taggit_tag t ON t.id = i.tag_id "
                "JOIN django_content_type ct ON ct.id = i.content_type_id "
                "WHERE ct.app_label = 'articles' AND ct.model = 'article' AND i.object_id = ? "
                "ORDER BY t.name",
                (pk,),
            ).fetchall()
            stocks = conn.execute(
                "SELECT s.market, s.code, s.name FROM articles_articlestock l "
                "JOIN articles_stockreference s ON s.id = l.stock_id "
                "WHERE l.article_id = ? ORDER BY l.position",
                (pk,),
            ).fetchall()
            rows.append(repr((fields, tags, stocks)))
        redirects = conn.execute(
            "SELECT r.path, a.legacy_key, c.slug FROM articles_legacyredirect r "
            "LEFT JOIN articles_article a ON a.id = r.article_id "
            "LEFT JOIN articles_category c ON c.id = r.category_id ORDER BY r.path"
        ).fetchall()
        sources = conn.execute(
            "SELECT s.path, s.kind, s.content_hash, a.legacy_key FROM articles_legacysource s "
            "JOIN articles_article a ON a.id = s.article_id ORDER BY s.path"
        ).fetchall()
        rows.append(repr(redirects))
        rows.append(repr(sources))
    finally:
        conn.close()
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def _copy_db(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


KILL_TRIALS = 10
KILL_SEED = 7


def _count_import_runs(db_path: Path) -> int:
    with sqlite3.connect(db_path, timeout=10) as conn:
        return conn.execute("SELECT COUNT(*) FROM articles_importrun").fetchone()[0]


def _start_import(db_path: Path, posts: Path) -> tuple[subprocess.Popen, float]:
    """Start `import_posts`; return the process and when its run began (its ImportRun row)."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_posts", str(posts), "--quiet"],
        cwd=REPO_ROOT,
        env=_env(db_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _count_import_runs(db_path) == 0:
        if process.poll() is not None:
            raise AssertionError(f"import_posts exited with {process.returncode} before starting")
        assert time.monotonic() < deadline, "the import never started"
        time.sleep(0.002)
    return process, time.monotonic()


def test_imports_killed_at_random_points_and_rerun_end_like_a_clean_single_run(tmp_path):
    """A crash or OOM kill at any moment of an import must never leave half articles or
    need manual cleanup: ten SIGKILLs at seeded random points, each followed by a plain
    re-run, all end with a database identical to one clean run's."""
    posts = tmp_path / "posts"
    posts.mkdir()
    files, stories = generate_posts(posts)
    assert files == 150

    template, clean_db = tmp_path / "template.sqlite3", tmp_path / "clean.sqlite3"
    migrated = _manage(template, "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    _copy_db(template, clean_db)

    # The clean reference: one uninterrupted run, timed from the start of its import to
    # its last commit (the kills below fall in that window, where the writes happen).
    process, began = _start_import(clean_db, posts)
    first_commit = None
    while _count_articles(clean_db) < stories and process.poll() is None:
        if first_commit is None and _count_articles(clean_db):
            first_commit = time.monotonic() - began
        time.sleep(0.002)
    duration = time.monotonic() - began
    first_commit = duration if first_commit is None else first_commit
    assert process.wait(timeout=120) == 0
    assert _count_articles(clean_db) == stories
    expected = article_checksum(clean_db)

    rng = random.Random(KILL_SEED)
    trials = []
    for trial in range(KILL_TRIALS):
        db = tmp_path / f"killed-{trial}.sqlite3"
        _copy_db(template, db)
        # Even trials: any moment of the run (mostly reading and parsing files). Odd
        # trials: a moment after its first commit, while it writes batch after batch.
        process, began = _start_import(db, posts)
        if trial % 2 == 0:
            delay = rng.uniform(0.0, 1.0) * duration
        else:
            delay = rng.uniform(0.0, 1.0) * (duration - first_commit)
            while not _count_articles(db) and process.poll() is None:
                time.sleep(0.001)
            began = time.monotonic()
        try:
            time.sleep(max(0.0, began + delay - time.monotonic()))
            running = process.poll() is None
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        partial = _count_articles(db)
        partial_sum = article_checksum(db)

        rerun = _manage(db, "import_posts", str(posts), "--quiet", timeout=120)
        assert rerun.returncode == 0, (trial, rerun.stderr)
        summary = re.match(
            r"新建 (\d+)，更新 (\d+)，未变 (\d+)，跳过 (\d+)，失败 (\d+)", rerun.stdout
        )
        assert summary, rerun.stdout
        created, updated, unchanged, skipped, failed = map(int, summary.groups())
        assert failed == 0, (trial, rerun.stdout)
        assert created + updated + unchanged + skipped == files
        if partial:
            assert unchanged > 0  # what the killed run committed is not redone
        assert _count_articles(db) == stories, trial
        assert article_checksum(db) == expected, (trial, delay, partial)
        trials.append((running, partial, partial_sum != expected))
        db.unlink()

    # The kills really landed mid-import: most while it ran, leaving a partial database,
    # and some after it had committed part (but not all) of the archive.
    mid_way = [t for t in trials if t[0] and t[2]]
    assert len(mid_way) >= KILL_TRIALS * 0.6, trials
    assert sum(1 for running, partial, _ in trials if running and 0 < partial < stories) >= 2, (
        trials
    )


def test_on_a_terminal_the_command_shows_a_progress_bar_with_count_and_rate(tmp_path):
    """Operators running the archive import by hand see how far it is and how fast it goes."""
    import pty

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'tty.sqlite3'}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO_ROOT, env=env, check=True
    )
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "import_posts", str(REPO_ROOT / "sample_posts")],
        cwd=REPO_ROOT,
        env=env,
        stdout=child,
        stderr=subprocess.DEVNULL,
    )
    os.close(child)
    output = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    proc.wait(timeout=60)
    os.close(main)
    text = output.decode("utf-8", "replace")
    assert proc.returncode == 1  # the two deliberately broken sample posts
    # 31 posts and the README, which is counted and reported as skipped (not a post).
    assert re.search(r"\r█+░*\s+\d+/32 篇\s+\d+ 篇/秒", text), text[-500:]
    assert "32/32 篇" in text
    assert re.search(r"新建 \d+，更新 \d+，未变 0，跳过 1，失败 2；用时 [\d.]+ 秒", text)
