"""Faults from outside the code: the database goes away, the media disk fills up.

Real faults, no mocks:

- the database: a real gunicorn (the project's gunicorn.conf.py) on a real database that
  really disappears. SQLite: the folder holding the database file is moved away, so
  the file cannot be opened (chmod would not do: CI runs as root, and root opens
  anything). PostgreSQL: a throwaway cluster of this test's own is stopped with pg_ctl
  and started again, while gunicorn keeps running.
- the media storage: "disk full" is RLIMIT_FSIZE, the kernel's per-process file size
  limit: a write past it fails with EFBIG half-way through the file, exactly where a
  full disk fails with ENOSPC, and it binds root too. "Read-only folder" is a folder
  without write permission for an ordinary user; as root, whom permission bits do not
  stop (and who cannot mount a read-only filesystem in a container), the media folder is
  a plain file instead, so every attempt to create a folder or file in it fails
  (ENOTDIR) the same way.
"""

import contextlib
import glob
import io
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.models import Article

REPO = Path(__file__).resolve().parents[2]
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"
BRANDED = "网站正在维护"

# --- Uploads on a full disk or a read-only media folder --------------------------------------


def _jpeg(size=(1600, 900), color="teal") -> bytes:
    buf = io.BytesIO()
    # Noise, so the file is tens of KB and far past the size limit below.
    Image.effect_noise(size, 64).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


@contextlib.contextmanager
def _disk_full(limit=4096):
    """Every write past `limit` bytes of a file fails (EFBIG), like a full disk (ENOSPC)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # Without this the kernel would kill the process (SIGXFSZ) instead of failing the write.
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@contextlib.contextmanager
def _read_only(media_root: Path):
    """The media folder refuses new files and folders (see the module doc for root)."""
    if os.geteuid() != 0:
        media_root.chmod(0o555)
        try:
            yield
        finally:
            media_root.chmod(0o755)
        return
    media_root.rmdir()
    media_root.write_bytes(b"")  # a file where the folder should be
    try:
        yield
    finally:
        media_root.unlink()
        media_root.mkdir()


@pytest.fixture(params=["disk full", "read-only folder"])
def storage_fault(request, media_root):
    return (
        (lambda: _disk_full()) if request.param == "disk full" else (lambda: _read_only(media_root))
    )


def _files(root: Path) -> list:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _article_form(category, **overrides):
    data = {
        "title": "封面上传测试",
        "slug": "",
        "category": category.pk,
        "tags": "",
        "body_source": "<p>正文</p>",
        "summary": "",
        "status": Article.Status.DRAFT,
        "published_at_0": "2024-05-01",
        "published_at_1": "09:30:00",
        "author": "",
        "cover_alt": "封面说明",
        "source_name": "",
        "original_url": "",
        "stock_codes": "",
    }
    data.update(overrides)
    return data


def test_a_cover_upload_on_a_broken_media_storage_is_a_form_error_and_saves_nothing(
    editor_client, category, media_root, storage_fault
):
    """A full disk or read-only media folder: a Chinese form error, no article, no file."""
    cover = SimpleUploadedFile("cover.jpg", _jpeg(), content_type="image/jpeg")
    with storage_fault():
        response = editor_client.post(
            reverse("admin:articles_article_add"), _article_form(category, cover=cover)
        )

    assert response.status_code == 200  # the form again, not a 500
    errors = response.context["adminform"].form.errors
    assert "磁盘已满或目录不可写" in " ".join(errors["cover"])
    assert "磁盘已满或目录不可写" in response.content.decode()
    assert not Article.objects.exists()  # no article saved without its cover
    assert _files(media_root) == []  # and no half-written cover left behind


def test_a_failed_cover_change_leaves_the_article_as_it_was(
    editor_client, make_article, media_root, storage_fault
):
    """Changing an article's cover on a full disk changes nothing, title included."""
    article = make_article(title="原标题", status=Article.Status.DRAFT)
    cover = SimpleUploadedFile("cover.jpg", _jpeg(), content_type="image/jpeg")
    form = _article_form(article.category, title="新标题", slug=article.slug, cover=cover)
    with storage_fault():
        response = editor_client.post(
            reverse("admin:articles_article_change", args=[article.pk]), form
        )

    assert response.status_code == 200
    assert "磁盘已满或目录不可写" in response.content.decode()
    article.refresh_from_db()
    assert article.title == "原标题" and not article.cover
    assert _files(media_root) == []


def test_a_cover_upload_works_again_once_the_disk_has_room(editor_client, category, media_root):
    """After the fault nothing is in the way: the same picture saves, whole."""
    data = _jpeg()
    with _disk_full():
        editor_client.post(
            reverse("admin:articles_article_add"),
            _article_form(category, cover=SimpleUploadedFile("c.jpg", data, "image/jpeg")),
        )
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        _article_form(category, cover=SimpleUploadedFile("c.jpg", data, "image/jpeg")),
    )

    assert response.status_code == 302
    article = Article.objects.get()
    assert Path(article.cover.path).stat().st_size > 4096
    assert article.cover_renditions["large"]["width"] == 1200


def test_an_editor_image_upload_on_a_broken_media_storage_answers_a_chinese_error(
    editor_client, media_root, storage_fault
):
    """The body editor shows the server's reason; no file is left behind."""
    upload = SimpleUploadedFile("photo.jpg", _jpeg(), content_type="image/jpeg")
    url = reverse("admin:articles_article_upload_image")
    with storage_fault():
        response = editor_client.post(url, {"file": upload})

    assert response.status_code == 500
    assert "磁盘已满或目录不可写" in response.json()["error"]
    assert "Traceback" not in response.content.decode()
    assert _files(media_root) == []


def test_a_half_written_upload_is_not_reused_by_the_next_upload(editor_client, media_root):
    """Files are named by content hash and reused; a truncated one must not survive."""
    data = _jpeg()
    url = reverse("admin:articles_article_upload_image")
    with _disk_full():
        failed = editor_client.post(url, {"file": SimpleUploadedFile("a.jpg", data, "image/jpeg")})
    assert failed.status_code == 500

    response = editor_client.post(url, {"file": SimpleUploadedFile("a.jpg", data, "image/jpeg")})

    assert response.status_code == 200
    (original,) = (media_root / "uploads").rglob("*.jpg")
    assert original.stat().st_size > 4096
    for rendition in (media_root / "renditions").rglob("*.*"):
        Image.open(rendition).load()  # every file whole and decodable


def test_an_upload_whose_renditions_fail_keeps_no_stray_original(editor_client, media_root):
    """The original is written but its sizes cannot be: the editor gets an error, and the
    original (which nothing would point at) is removed again."""
    (media_root / "renditions").write_bytes(b"a file where the folder goes")
    upload = SimpleUploadedFile("photo.jpg", _jpeg(), content_type="image/jpeg")
    response = editor_client.post(reverse("admin:articles_article_upload_image"), {"file": upload})

    assert response.status_code == 500
    assert "磁盘已满或目录不可写" in response.json()["error"]
    assert _files(media_root) == ["renditions"]


# --- The database goes away -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, timeout=15):
    """(status, headers, body) of a GET, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def _manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True
    )


@contextlib.contextmanager
def _gunicorn(env):
    port = _free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "newsroom.wsgi"],
            cwd=REPO,
            env={
                **env,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": "2",
                "GUNICORN_ACCESS_LOG": "/dev/null",
            },
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        pytest.fail("gunicorn did not start:\n" + log.read().decode()[-3000:])
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _assert_branded_503(base, path):
    status, headers, body = _get(base + path)
    assert status == 503, (path, status, body[:500])
    assert BRANDED in body and "财经新闻网" in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert headers["Retry-After"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def _site_env(tmp, database_url, page_cache="0"):
    return {
        **os.environ,
        "DJANGO_ENV": "local",
        "DATABASE_URL": database_url,
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp / "media"),
        "NEWSROOM_CACHE_DIR": str(tmp / "cache"),
        "NEWSROOM_PAGE_CACHE": page_cache,
        "CACHE_URL": "locmemcache://faults",
    }


CREATE_ARTICLE = """
from django.utils import timezone
from articles.models import Article, Category
c = Category.objects.create(name="证券日报", slug="zhengquanribao")
Article.objects.create(title="故障演练", slug="drill", category=c, body_source="<p>正文</p>",
                       status="published", published_at=timezone.now())
"""

# Every one queries: the admin login page needs no database until someone logs in.
PAGES = ["/", "/article/drill/", "/search/?q=%E6%BC%94%E7%BB%83", "/category/zhengquanribao/"]


@pytest.fixture(scope="module")
def static_root():
    """One collectstatic for the module: the 503 page links the hashed stylesheet."""
    tmp = Path(tempfile.mkdtemp(prefix="faults-static-"))
    _manage({**os.environ, "DJANGO_STATIC_ROOT": str(tmp)}, "collectstatic", "--noinput", "-v0")
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


def test_sqlite_gone_answers_a_branded_503_and_the_site_recovers_by_itself(tmp_path, static_root):
    """The database folder vanishes under a running gunicorn, then comes back."""
    folder = tmp_path / "db"
    folder.mkdir()
    env = _site_env(tmp_path, f"sqlite:///{folder / 'newsroom.sqlite3'}")
    env["DJANGO_STATIC_ROOT"] = str(static_root)
    _manage(env, "migrate", "-v0")
    _manage(env, "shell", "-c", CREATE_ARTICLE)

    with _gunicorn(env) as base:
        for path in PAGES:
            assert _get(base + path)[0] == 200, path
        folder.rename(tmp_path / "db-away")
        for path in PAGES:
            _assert_branded_503(base, path)
        (tmp_path / "db-away").rename(folder)
        for path in PAGES:
            assert _get(base + path)[0] == 200, path


def test_a_server_started_while_the_database_is_away_answers_503_then_recovers(
    tmp_path, static_root
):
    """With the page cache on, its own first query fails inside a middleware: still a 503."""
    folder = tmp_path / "db"
    folder.mkdir()
    env = _site_env(tmp_path, f"sqlite:///{folder / 'newsroom.sqlite3'}", page_cache="1")
    env["DJANGO_STATIC_ROOT"] = str(static_root)
    _manage(env, "migrate", "-v0")
    _manage(env, "shell", "-c", CREATE_ARTICLE)
    folder.rename(tmp_path / "db-away")

    with _gunicorn(env) as base:
        for path in PAGES:
            _assert_branded_503(base, path)
        (tmp_path / "db-away").rename(folder)
        for path in PAGES:
            status, _, body = _get(base + path)
            assert status == 200 and BRANDED not in body, path


def _pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL server binaries are missing (scripts/ensure-system-deps)")
    return Path(found[-1]).parent


class ThrowawayPostgres:
    """A PostgreSQL cluster of this test's own (as scripts/with-services makes them), so
    the test may stop and start it without touching the database of the test run."""

    def __init__(self):
        self.bin = _pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.port = _free_port()
        self.as_pg = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            user = "postgres"
            try:
                shutil.chown(self.dir, user)
            except LookupError:
                user = "nobody"
                shutil.chown(self.dir, user)
            self.as_pg = ["runuser", "-u", user, "--"]
        self.run(
            "initdb",
            "-D",
            str(self.dir / "data"),
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--auth-local=trust",
            "--auth-host=trust",
            "--no-sync",
        )
        with open(self.dir / "data" / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.dir}'\nfsync = off\n"
            )
        self.start()
        self.run(
            "psql",
            "-X",
            "-q",
            "-h",
            str(self.dir),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            "CREATE DATABASE newsroom",
        )
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/newsroom"

    def run(self, tool, *args):
        subprocess.run(
            [*self.as_pg, str(self.bin / tool), *args],
            cwd=self.dir,
            check=True,
            capture_output=True,
        )

    def start(self):
        self.run(
            "pg_ctl",
            "-D",
            str(self.dir / "data"),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self):
        self.run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def postgres():
    cluster = ThrowawayPostgres()
    yield cluster
    cluster.remove()


def test_postgresql_stopped_answers_a_branded_503_and_the_site_recovers_by_itself(
    tmp_path, static_root, postgres
):
    """pg_ctl stop under a running gunicorn, then start: no restart of the app needed."""
    env = _site_env(tmp_path, postgres.url)
    env["DJANGO_STATIC_ROOT"] = str(static_root)
    _manage(env, "migrate", "-v0")
    _manage(env, "shell", "-c", CREATE_ARTICLE)

    with _gunicorn(env) as base:
        for _ in range(3):  # every worker holds a persistent connection now
            for path in PAGES:
                assert _get(base + path)[0] == 200, path
        postgres.stop()
        for _ in range(2):
            for path in PAGES:
                _assert_branded_503(base, path)
        postgres.start()
        for _ in range(3):
            for path in PAGES:
                status, _, body = _get(base + path)
                assert status == 200 and BRANDED not in body, path
