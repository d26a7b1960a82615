"""Varnish in front of the site: the shipped VCL and the purge client, with a real varnishd.

Each module-scoped fixture starts Debian's varnishd in the foreground on a free
loopback port, with deploy/varnish/default.vcl itself (only the backend's port
rewritten), and stops it afterwards. Two layers:

- The VCL against a stand-in backend: a stdlib HTTP server in a thread that answers
  with the headers Django promises (`Cache-Control: public, max-age=0, s-maxage=N`,
  `xkey`, `Surrogate-Key`) and counts every request that reaches it. "Served from
  Varnish" therefore means "the backend was not asked", not a header Varnish set.
  pagecache.purge.send_purge() is tested against this Varnish too.
- The site end to end: a real gunicorn (the project's gunicorn.conf.py, a SQLite
  database of its own, as in tests/project/test_faults.py) behind Varnish. These
  need the Django side of issue 14 (the headers above, and purges sent on publish
  and takedown); until the site sends an `xkey` header they skip and say so.
"""

import contextlib
import http.client
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pagecache.purge import PurgeError, make_key, send_purge

REPO = Path(__file__).resolve().parents[2]
VCL = REPO / "deploy" / "varnish" / "default.vcl"
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"
SHARED = "public, max-age=0, s-maxage=300"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- varnishd ---------------------------------------------------------------------------------


def _varnishd() -> str:
    found = shutil.which("varnishd") or (
        "/usr/sbin/varnishd" if os.path.exists("/usr/sbin/varnishd") else None
    )
    if not found:
        pytest.fail(
            "varnishd is missing: run scripts/ensure-system-deps (varnish, varnish-modules)"
        )
    return found


def vcl_for_backend(port: int) -> str:
    """The shipped VCL with its backend pointed at 127.0.0.1:`port`, and nothing else changed."""
    text, count = re.subn(
        r'(backend default \{\s*\.host = )"[^"]*";(\s*\.port = )"[^"]*";',
        rf'\1"127.0.0.1";\2"{port}";',
        VCL.read_text(),
    )
    assert count == 1, "deploy/varnish/default.vcl no longer has the backend this test rewrites"
    return text


@contextlib.contextmanager
def running_varnish(backend_port: int, port: int | None = None):
    """varnishd -F in front of 127.0.0.1:`backend_port`, on `port` or a free one; yields its URL."""
    folder = Path(tempfile.mkdtemp(prefix="varnish-test-"))
    # As root, varnishd drops to its own users (the "unix" jail, Debian's varnish and
    # vcache) before it reads the VCL and writes its work folder: both must be theirs
    # to read. As anyone else it runs as that user throughout.
    folder.chmod(0o755)
    vcl = folder / "default.vcl"
    vcl.write_text(vcl_for_backend(backend_port))
    port = port or _free_port()
    log = folder / "varnishd.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                _varnishd(),
                "-F",
                "-n", str(folder / "work"),
                "-a", f"127.0.0.1:{port}",
                "-f", str(vcl),
                "-s", "malloc,64m",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            # A PURGE without keys is answered by the VCL itself (400), never the
            # backend: it proves the VCL is loaded without asking the backend.
            try:
                if _request("PURGE", base + "/", timeout=2).status == 400:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("varnishd did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Response:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: str

    @property
    def cache(self) -> str:
        return self.headers.get("X-Cache", "")


def _request(method, url, headers=None, body=None, timeout=10) -> Response:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(
            response.status, response.reason, response.headers, response.read().decode()
        )
    finally:
        connection.close()


def _get(url, **headers) -> Response:
    return _request("GET", url, {k.replace("_", "-"): v for k, v in headers.items()})


def _purge(base, keys=None, *, soft=False, **headers) -> Response:
    headers = {k.replace("_", "-"): v for k, v in headers.items()}
    if keys is not None:
        headers["xkey-purge"] = keys
    if soft:
        headers["xkey-soft"] = "1"
    return _request("PURGE", base + "/", headers)


# --- The stand-in backend ---------------------------------------------------------------------


@dataclass
class Page:
    keys: list
    cache_control: str = SHARED
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    extra: dict = field(default_factory=dict)
    revision: int = 1
    delay: float = 0.0
    gone: bool = False


class StandIn:
    """A backend that speaks Django's side of the contract and remembers every request."""

    def __init__(self):
        self.pages: dict[str, Page] = {}
        self.seen: list[tuple[str, str, dict]] = []  # (method, URL as received, headers)
        self.lock = threading.Lock()
        self.base = ""  # http://127.0.0.1:PORT, once the fixture serves it

    def page(self, path, keys=(), **options) -> Page:
        self.pages[path] = Page(list(keys), **options)
        return self.pages[path]

    def revise(self, *paths):
        for path in paths:
            self.pages[path].revision += 1

    def take_down(self, path):
        """What Django answers for an unpublished article: a 404 no one may keep."""
        self.pages[path] = Page(
            [], cache_control="private, no-cache, no-store", status=404, gone=True
        )

    def requests(self, path) -> list:
        with self.lock:
            return [seen for seen in self.seen if seen[1].split("?")[0] == path]

    def hits(self, path) -> int:
        return len(self.requests(path))

    def urls(self, path) -> list:
        return [url for _, url, _ in self.requests(path)]

    def handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Varnish's backend pool expects

            def _answer(self):
                # Read the body, or it would be taken for the next request on the
                # connection Varnish keeps open.
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with stand_in.lock:
                    stand_in.seen.append((self.command, self.path, dict(self.headers)))
                page = stand_in.pages.get(self.path.split("?")[0])
                if self.command == "PURGE":  # an app server is not a Varnish
                    self._send(405, "text/plain", "no-store", [], b"not a cache")
                    return
                if page is None:
                    self._send(404, "text/plain", "private, no-store", [], b"no such page")
                    return
                time.sleep(page.delay)
                staff = "sessionid=" in self.headers.get("Cookie", "")
                body = f"{self.path.split('?')[0]} revision {page.revision}"
                if page.gone:
                    body = "no such article"
                if staff:
                    # Django's staff pages: previews, never shared (the contract).
                    body += " for staff"
                cache_control = "private" if staff else page.cache_control
                keys = [] if staff else page.keys
                self._send(
                    page.status, page.content_type, cache_control, keys, body.encode(), page.extra
                )

            def _send(self, status, content_type, cache_control, keys, body, extra=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if cache_control:
                    self.send_header("Cache-Control", cache_control)
                if keys:
                    self.send_header("xkey", " ".join(keys))
                    self.send_header("Surrogate-Key", " ".join(keys))
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = do_POST = do_PURGE = _answer

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture(scope="module")
def stand_in():
    backend = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), backend.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    backend.base = f"http://127.0.0.1:{server.server_port}"
    yield backend
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def varnish(stand_in):
    with running_varnish(int(stand_in.base.rsplit(":", 1)[1])) as base:
        yield base


# --- The VCL ----------------------------------------------------------------------------------


def test_a_shared_page_is_fetched_once_then_served_from_varnish(varnish, stand_in):
    """The point of it all: the second reader costs the site nothing."""
    stand_in.page("/cached/", ["article:1", "list:home"])

    first, second = _get(varnish + "/cached/"), _get(varnish + "/cached/")

    assert stand_in.hits("/cached/") == 1
    assert first.status == second.status == 200
    assert first.body == second.body == "/cached/ revision 1"
    assert (first.cache, second.cache) == ("MISS", "HIT")
    # Browsers still revalidate (max-age=0); the keys stay between Django and Varnish.
    assert second.headers["Cache-Control"] == SHARED
    assert "xkey" not in second.headers and "Surrogate-Key" not in second.headers


def test_tracking_parameters_and_their_order_do_not_make_another_copy(varnish, stand_in):
    """A link shared on WeChat (?from=…&isappinstalled=0) is the same page, fetched once."""
    stand_in.page("/track/", ["list:track"])
    for url in (
        "/track/?b=2&a=1",
        "/track/?a=1&b=2&utm_source=wechat&utm_medium=share",
        "/track/?from=singlemessage&isappinstalled=0&a=1&b=2",
        "/track/?fbclid=X1&a=1&gclid=Y2&b=2&spm=a2h0k.1&share_source=copy_web",
        "/track/?UTM_Campaign=Spring&b=2&a=1",
    ):
        assert _get(varnish + url).body == "/track/ revision 1", url

    assert stand_in.urls("/track/") == ["/track/?a=1&b=2"]
    # Only whole parameter names are tracking: a real parameter still selects a page.
    _get(varnish + "/track/?a=1&b=3")
    _get(varnish + "/track/?fromage=brie&utm_source=x")
    _get(varnish + "/track/?utm_source=x")
    assert stand_in.urls("/track/")[1:] == ["/track/?a=1&b=3", "/track/?fromage=brie", "/track/"]


def test_a_request_with_a_session_cookie_always_reaches_the_site(varnish, stand_in):
    """Logged-in staff see previews: nothing is shared with them, in either direction."""
    stand_in.page("/desk/", ["article:2"])
    anonymous = _get(varnish + "/desk/")
    staff_cookie = "csrftoken=abc; sessionid=s3cret"

    staff = [_get(varnish + "/desk/", Cookie=staff_cookie) for _ in range(2)]

    assert stand_in.hits("/desk/") == 3
    assert all(r.body == "/desk/ revision 1 for staff" for r in staff)
    assert all(r.cache == "PASS" for r in staff)
    assert stand_in.requests("/desk/")[-1][2]["Cookie"] == staff_cookie
    # The shared copy is still the anonymous one, and staff's never replaced it.
    again = _get(varnish + "/desk/")
    assert again.body == anonymous.body == "/desk/ revision 1"
    assert again.cache == "HIT" and stand_in.hits("/desk/") == 3


def test_other_cookies_are_dropped_so_every_reader_shares_one_copy(varnish, stand_in):
    """Analytics cookies and a stale CSRF cookie mean nothing to a public page."""
    stand_in.page("/cookies/", ["article:3"])

    _get(varnish + "/cookies/", Cookie="_ga=GA1.2.3; csrftoken=abc")
    second = _get(varnish + "/cookies/", Cookie="_ga=GA9.9.9")

    assert stand_in.hits("/cookies/") == 1 and second.cache == "HIT"
    assert "Cookie" not in stand_in.requests("/cookies/")[0][2]


def test_readers_language_settings_do_not_make_another_copy(varnish, stand_in):
    """Django says Vary: Accept-Language, but the site has one language: one copy for all."""
    stand_in.page("/language/", ["article:4"], extra={"Vary": "Accept-Language, Cookie"})

    _get(varnish + "/language/", Accept_Language="zh-CN,zh;q=0.9,en;q=0.8")
    second = _get(varnish + "/language/", Accept_Language="en-US,en;q=0.5")
    third = _get(varnish + "/language/")

    assert stand_in.hits("/language/") == 1 and second.cache == third.cache == "HIT"


def test_a_hard_purge_refetches_exactly_the_pages_that_carry_a_key(varnish, stand_in):
    """A publish drops the pages that show the article and its lists, and no other."""
    pages = {"/hard/a/": ["article:201", "list:hard"], "/hard/b/": ["article:202", "list:hard"]}
    pages["/hard/c/"] = ["article:203"]
    for path, keys in pages.items():
        stand_in.page(path, keys)
        _get(varnish + path)
    stand_in.revise(*pages)

    purged = _purge(varnish, "article:201")

    assert purged.status == 200 and purged.headers["xkey-purged"] == "1"
    assert _get(varnish + "/hard/a/").body == "/hard/a/ revision 2"
    assert _get(varnish + "/hard/b/").body == "/hard/b/ revision 1"
    assert _get(varnish + "/hard/c/").body == "/hard/c/ revision 1"

    stand_in.revise(*pages)
    assert _purge(varnish, "list:hard unknown:key").headers["xkey-purged"] == "2"

    assert _get(varnish + "/hard/a/").body == "/hard/a/ revision 3"
    assert _get(varnish + "/hard/b/").body == "/hard/b/ revision 3"
    assert _get(varnish + "/hard/c/").body == "/hard/c/ revision 1"
    assert [stand_in.hits(p) for p in pages] == [3, 2, 1]


def test_a_page_taken_down_is_never_served_again_after_a_hard_purge(varnish, stand_in):
    """A takedown leaves no grace period: the very next reader gets the 404."""
    stand_in.page("/takedown/", ["article:301"])
    _get(varnish + "/takedown/")
    assert _get(varnish + "/takedown/").cache == "HIT"
    stand_in.take_down("/takedown/")

    assert _purge(varnish, "article:301").status == 200

    for _ in range(5):
        response = _get(varnish + "/takedown/")
        assert response.status == 404 and "revision" not in response.body
    # And the 404, marked private, is not kept either: each reader asks the site.
    assert stand_in.hits("/takedown/") == 6


def test_a_soft_purge_serves_the_old_copy_only_while_the_new_one_is_fetched(varnish, stand_in):
    """A correction: no reader waits for the site, and the old text goes within seconds."""
    stand_in.page("/soft/", ["article:401"])
    stand_in.page("/soft/other/", ["article:402"])
    _get(varnish + "/soft/"), _get(varnish + "/soft/other/")
    stand_in.revise("/soft/", "/soft/other/")
    stand_in.pages["/soft/"].delay = 1.0  # the refetch is slow; readers must not wait

    assert _purge(varnish, "article:401", soft=True).headers["xkey-purged"] == "1"

    started = time.monotonic()
    stale = _get(varnish + "/soft/")
    assert time.monotonic() - started < 0.8
    assert stale.body == "/soft/ revision 1"
    deadline = time.monotonic() + 5  # the VCL's grace
    while _get(varnish + "/soft/").body != "/soft/ revision 2":
        assert time.monotonic() < deadline, "the soft-purged page was not refetched in its grace"
        time.sleep(0.1)
    assert stand_in.hits("/soft/") == 2
    assert _get(varnish + "/soft/other/").body == "/soft/other/ revision 1"


def test_a_purge_without_keys_is_refused(varnish, stand_in):
    """A bare PURGE is a mistake (or a probe), never "drop everything"."""
    stand_in.page("/bare/", ["article:501"])
    _get(varnish + "/bare/")

    response = _purge(varnish)

    assert response.status == 400
    assert _get(varnish + "/bare/").cache == "HIT" and stand_in.hits("/bare/") == 1


def test_a_purge_relayed_by_a_proxy_is_refused(varnish, stand_in):
    """nginx on the same host reaches Varnish from 127.0.0.1, inside the ACL: the chain
    it leaves in X-Forwarded-For shows the PURGE came from a reader outside."""
    stand_in.page("/relayed/", ["article:601"])
    _get(varnish + "/relayed/")

    response = _purge(varnish, "article:601", X_Forwarded_For="203.0.113.7")

    assert response.status == 403
    assert _get(varnish + "/relayed/").cache == "HIT" and stand_in.hits("/relayed/") == 1


@pytest.mark.parametrize(
    "status, cache_control, extra",
    [
        (200, "private", {}),
        (200, "no-cache, no-store", {}),
        (200, "", {}),  # nothing said: not marked shared, so not shared
        (200, "public, max-age=600", {}),  # fine for a browser, but no s-maxage for us
        (404, "", {}),  # a draft's URL: once published it must not stay a 404
        (301, "", {"Location": "https://example.com/"}),  # an http→https redirect
        (200, SHARED, {"Set-Cookie": "csrftoken=abc; Path=/"}),  # someone's cookie
    ],
)
def test_a_response_not_marked_shared_is_never_stored(
    varnish, stand_in, status, cache_control, extra
):
    """Only what Django marks `s-maxage` is shared; anything else would outlive purges."""
    path = f"/unshared/{status}/{len(cache_control)}/{len(extra)}/"
    stand_in.page(path, ["article:701"], status=status, cache_control=cache_control, extra=extra)

    responses = [_get(varnish + path) for _ in range(2)]

    assert [r.status for r in responses] == [status, status]
    assert stand_in.hits(path) == 2
    assert responses[1].cache != "HIT"


def test_the_admin_and_form_posts_always_reach_the_site_with_their_cookies(varnish, stand_in):
    """The login form needs its CSRF cookie, whatever the page's headers say."""
    stand_in.page("/admin/login/", ["oops:marked-shared"])
    cookie = "csrftoken=abc"

    _get(varnish + "/admin/login/", Cookie=cookie)
    _get(varnish + "/admin/login/", Cookie=cookie)
    _request("POST", varnish + "/admin/login/", {"Cookie": cookie}, body=b"username=desk")

    seen = stand_in.requests("/admin/login/")
    assert [method for method, _, _ in seen] == ["GET", "GET", "POST"]
    assert all(headers["Cookie"] == cookie for _, _, headers in seen)


def test_static_files_are_shared_with_staff_too(varnish, stand_in):
    """WhiteNoise's hashed files are the same for everyone: a session does not matter."""
    path = "/static/css/site.0123abcd.css"
    stand_in.page(
        path, cache_control="max-age=315360000, public, immutable", content_type="text/css"
    )

    first = _get(varnish + path, Cookie="sessionid=s3cret")
    second = _get(varnish + path, Cookie="sessionid=other")

    assert stand_in.hits(path) == 1 and second.cache == "HIT"
    assert first.body == second.body
    assert "Cookie" not in stand_in.requests(path)[0][2]


def test_http_and_https_pages_are_kept_apart(varnish, stand_in):
    """Feeds and canonical links carry the scheme, which nginx passes in X-Forwarded-Proto."""
    stand_in.page("/scheme/", ["article:801"])

    _get(varnish + "/scheme/", X_Forwarded_Proto="https")
    _get(varnish + "/scheme/", X_Forwarded_Proto="http")
    _get(varnish + "/scheme/", X_Forwarded_Proto="https")

    assert stand_in.hits("/scheme/") == 2


# --- pagecache.purge.send_purge ---------------------------------------------------------------


def test_send_purge_drops_the_pages_with_its_keys(varnish, stand_in, settings):
    """The client Django calls, against the real VCL: a hard purge, then a soft one."""
    settings.NEWSROOM_VARNISH_PURGE_URLS = [varnish]
    for path, key in (("/client/a/", "article:901"), ("/client/b/", "article:902")):
        stand_in.page(path, [key])
        _get(varnish + path)
    stand_in.revise("/client/a/", "/client/b/")

    send_purge(["article:901"], soft=False)

    assert _get(varnish + "/client/a/").body == "/client/a/ revision 2"
    assert _get(varnish + "/client/b/").body == "/client/b/ revision 1"

    send_purge(iter(["article:902", "article:902"]), soft=True)

    deadline = time.monotonic() + 5
    while _get(varnish + "/client/b/").body != "/client/b/ revision 2":
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_send_purge_keys_made_by_make_key_match_unicode_tags(varnish, stand_in, settings):
    """A Chinese tag slug in a key: make_key spells it the same in the header and the purge."""
    settings.NEWSROOM_VARNISH_PURGE_URLS = [varnish]
    key = make_key("tag", "证券日报")
    assert key.isascii() and " " not in key
    stand_in.page("/client/tag/", [key])
    _get(varnish + "/client/tag/")
    stand_in.revise("/client/tag/")

    send_purge([key], soft=False)

    assert _get(varnish + "/client/tag/").body == "/client/tag/ revision 2"


def test_send_purge_splits_many_keys_over_several_requests(varnish, stand_in, settings):
    """An import batch names thousands of keys; Varnish refuses headers over 8 KB."""
    settings.NEWSROOM_VARNISH_PURGE_URLS = [varnish]
    keys = [f"article:{n}" for n in range(100_000, 102_000)]
    stand_in.page("/client/bulk/first/", [keys[0]])
    stand_in.page("/client/bulk/last/", [keys[-1]])
    _get(varnish + "/client/bulk/first/"), _get(varnish + "/client/bulk/last/")

    send_purge(keys, soft=False)

    assert _get(varnish + "/client/bulk/first/").cache == "MISS"
    assert _get(varnish + "/client/bulk/last/").cache == "MISS"


def test_send_purge_tries_every_varnish_and_names_the_one_that_failed(varnish, stand_in, settings):
    """One Varnish down must not keep stale pages on the others; the error says which."""
    dead = f"http://127.0.0.1:{_free_port()}"
    settings.NEWSROOM_VARNISH_PURGE_URLS = [dead, stand_in.base, varnish]
    stand_in.page("/client/every/", ["article:903"])
    _get(varnish + "/client/every/")

    with pytest.raises(PurgeError) as raised:
        send_purge(["article:903"], soft=False)

    assert set(raised.value.failures) == {dead, stand_in.base}
    assert dead in str(raised.value) and "ConnectionRefusedError" in str(raised.value)
    assert "405" in raised.value.failures[stand_in.base]  # answered, but not a purge
    assert _get(varnish + "/client/every/").cache == "MISS"  # the live one did purge


def test_send_purge_gives_up_on_a_silent_varnish_after_its_timeout(settings):
    """A Varnish that accepts and never answers must not hold an editor's request."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel accepts the connection; no one ever answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings.NEWSROOM_VARNISH_PURGE_URLS = [url]
        started = time.monotonic()
        with pytest.raises(PurgeError, match=re.escape(url)):
            send_purge(["article:904"], soft=True)
        assert time.monotonic() - started < 4


@pytest.mark.parametrize("key", ["two words", "a,b", "line\nbreak", "", "标签", "tab\tkey", 12])
def test_send_purge_refuses_a_key_xkey_cannot_read_before_sending_anything(
    varnish, stand_in, settings, key
):
    """A mangled key purges nothing (stale pages, silently); so it is an error, up front."""
    settings.NEWSROOM_VARNISH_PURGE_URLS = [varnish]
    path = f"/client/invalid/{abs(hash(key))}/"
    stand_in.page(path, ["article:905"])
    _get(varnish + path)

    with pytest.raises(ValueError, match="Invalid purge key"):
        send_purge(["article:905", key], soft=False)

    assert _get(varnish + path).cache == "HIT"


def test_send_purge_takes_a_list_not_one_string(settings):
    """send_purge("article:1") would purge "a", "r", "t"…"""
    settings.NEWSROOM_VARNISH_PURGE_URLS = []
    with pytest.raises(TypeError):
        send_purge("article:1", soft=False)


def test_send_purge_without_varnish_configured_sends_nothing(varnish, stand_in, settings):
    """The default (no NEWSROOM_VARNISH_PURGE_URLS): no Varnish, nothing to tell."""
    settings.NEWSROOM_VARNISH_PURGE_URLS = []
    stand_in.page("/client/none/", ["article:906"])
    _get(varnish + "/client/none/")

    send_purge(["article:906"], soft=False)

    assert _get(varnish + "/client/none/").cache == "HIT"


def _settings_of(**env):
    """NEWSROOM_VARNISH_PURGE_URLS as a fresh process reads it, or its start-up error."""
    folder = Path(tempfile.mkdtemp(prefix="varnish-settings-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("NEWSROOM_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        **env,
    }
    code = "from django.conf import settings; print(settings.NEWSROOM_VARNISH_PURGE_URLS)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    shutil.rmtree(folder, ignore_errors=True)
    return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


def test_the_purge_urls_come_from_the_environment_and_a_bad_one_stops_the_start():
    """A mistyped URL would only fail at the first purge, after the change it was for."""
    assert _settings_of() == "[]"
    both = "http://127.0.0.1:6081, http://10.0.0.12:6081"
    assert _settings_of(NEWSROOM_VARNISH_PURGE_URLS=both) == str(both.split(", "))
    refused = _settings_of(NEWSROOM_VARNISH_PURGE_URLS="127.0.0.1:6081")
    assert "ImproperlyConfigured" in refused and "'127.0.0.1:6081'" in refused


# --- The site behind Varnish, end to end ------------------------------------------------------

SETUP = """
from django.contrib.auth import get_user_model
from django.utils import timezone
from articles.models import Article, Category
a = Category.objects.create(name="证券日报", slug="section-a")
b = Category.objects.create(name="上海证券报", slug="section-b")
def article(title, slug, category, status="published"):
    Article.objects.create(title=title, slug=slug, category=category, status=status,
                           body_source=f"<p>{title}的正文</p>", published_at=timezone.now())
article("甲栏目的旧闻", "old-a", a)
article("乙栏目的独立新闻", "elsewhere-b", b)
article("即将撤下的报道", "takedown-a", a)
article("刚刚发布的快讯", "fresh-a", a, status="draft")
article("编辑预览中的草稿", "preview-a", a, status="draft")
get_user_model().objects.create_superuser("desk", "desk@example.com", "pw-desk-123")
"""


def _manage(env, *args):
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}"


@dataclass
class Site:
    varnish: str
    gunicorn: str
    access_log: Path

    def gunicorn_hits(self, path) -> int:
        """GETs of `path` that reached gunicorn, by its access log (written just after
        the response, hence the short wait)."""
        time.sleep(0.3)
        return self.access_log.read_text().count(f'"GET {path} HTTP')


@pytest.fixture(scope="module")
def site():
    """gunicorn on a SQLite database of its own, Varnish in front, and each told of the other."""
    folder = Path(tempfile.mkdtemp(prefix="varnish-site-"))
    gunicorn_port, varnish_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DJANGO_ENV": "local",
        "DATABASE_URL": f"sqlite:///{folder / 'newsroom.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        "DJANGO_MEDIA_ROOT": str(folder / "media"),
        # The site's own page cache, shared by both workers as in production.
        "NEWSROOM_CACHE_DIR": str(folder / "cache"),
    }
    access_log = folder / "access.log"
    try:
        _manage(env, "migrate", "-v0")
        _manage(env, "collectstatic", "--noinput", "-v0")
        _manage(env, "shell", "-c", SETUP)
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "newsroom.wsgi"],
            cwd=REPO,
            env={
                **env,
                # Only gunicorn purges: the set-up above runs before Varnish does.
                "NEWSROOM_VARNISH_PURGE_URLS": f"http://127.0.0.1:{varnish_port}",
                "GUNICORN_BIND": f"127.0.0.1:{gunicorn_port}",
                "GUNICORN_WORKERS": "2",
                "GUNICORN_ACCESS_LOG": str(access_log),
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            origin = f"http://127.0.0.1:{gunicorn_port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    home = _get(origin + "/")
                    break
                except OSError:
                    assert process.poll() is None and time.monotonic() < deadline, (
                        "gunicorn did not start"
                    )
                    time.sleep(0.2)
            if "xkey" not in home.headers:
                pytest.skip(
                    "the site sends no xkey header yet: the Django side of issue 14 "
                    "(s-maxage, xkey and purges on publish) has not landed"
                )
            # On the port gunicorn already sends its purges to.
            with running_varnish(gunicorn_port, varnish_port) as base:
                yield Site(base, origin, access_log)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def _login(base):
    """An editor's browser, logged in through Varnish."""
    editor = _opener()
    _post(
        editor, base + "/admin/login/?next=/admin/", {"username": "desk", "password": "pw-desk-123"}
    )
    return editor


def _post(opener, url, data):
    with opener.open(url, timeout=15) as response:
        form = response.read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": csrf}, doseq=True).encode()
    request = urllib.request.Request(url, data=body, headers={"Referer": url})
    with opener.open(request, timeout=15) as response:
        return response.status, response.read().decode()


def _admin_action(editor, base, action, slug):
    """Run a bulk action of the article list on the article with this slug, as an editor."""
    with editor.open(base + f"/admin/articles/article/?q={slug}", timeout=15) as response:
        listing = response.read().decode()
    pk = re.search(r'name="_selected_action" value="(\d+)"', listing)[1]
    status, html = _post(
        editor, base + "/admin/articles/article/", {"action": action, "_selected_action": [pk]}
    )
    assert status == 200 and "errornote" not in html and "messagelist" in html


def _warm(site, path) -> Response:
    """Fetch a page through Varnish until it is cached (the second fetch is a hit)."""
    _get(site.varnish + path)
    cached = _get(site.varnish + path)
    assert cached.cache == "HIT", f"{path} is not cached by Varnish: {cached.headers}"
    return cached


def test_the_site_pages_are_served_from_varnish(site):
    """Three readers of an article, one render: gunicorn's own log says so."""
    path = "/article/old-a/"
    responses = [_get(site.varnish + path) for _ in range(3)]

    assert [r.status for r in responses] == [200, 200, 200]
    assert [r.cache for r in responses] == ["MISS", "HIT", "HIT"]
    assert "甲栏目的旧闻" in responses[2].body
    assert "s-maxage" in responses[2].headers["Cache-Control"]
    assert site.gunicorn_hits(path) == 1


def test_publishing_purges_exactly_the_pages_that_show_the_article(site):
    """The new story is on the home page and its section at once; an article page
    of another section (its neighbours and related stories are its own section's)
    stays cached."""
    home, section, elsewhere = "/", "/category/section-a/", "/article/elsewhere-b/"
    for path in (home, section, elsewhere):
        assert "刚刚发布的快讯" not in _warm(site, path).body
    rendered = site.gunicorn_hits(elsewhere)

    _admin_action(_login(site.varnish), site.varnish, "publish", "fresh-a")

    # A publish is a soft purge: the first reader after it may get the previous copy
    # while Varnish fetches the new one in the background (the freshness bound: 1 s).
    for path in (home, section):
        deadline = time.monotonic() + 1
        while "刚刚发布的快讯" not in _get(site.varnish + path).body:
            assert time.monotonic() < deadline, f"{path} still shows the old list after 1 s"
            time.sleep(0.05)
    assert _get(site.varnish + "/article/fresh-a/").status == 200
    assert _get(site.varnish + elsewhere).cache == "HIT"
    assert site.gunicorn_hits(elsewhere) == rendered


def test_a_takedown_is_never_served_again(site):
    """Unpublished in the admin: the next reader, and every one after, gets the 404."""
    page = "/article/takedown-a/"
    assert "即将撤下的报道" in _warm(site, page).body
    assert "即将撤下的报道" in _warm(site, "/").body

    _admin_action(_login(site.varnish), site.varnish, "unpublish", "takedown-a")

    for _ in range(3):
        response = _get(site.varnish + page)
        assert response.status == 404 and "即将撤下的报道" not in response.body
        assert "即将撤下的报道" not in _get(site.varnish + "/").body


def test_logged_in_staff_pass_through_and_their_pages_are_never_shared(site):
    """An editor previews a draft through Varnish; readers never get that page."""
    editor = _login(site.varnish)
    preview = "/article/preview-a/"

    for _ in range(2):
        with editor.open(site.varnish + preview, timeout=15) as response:
            assert response.status == 200 and response.headers["X-Cache"] == "PASS"
            assert "编辑预览中的草稿" in response.read().decode()
            control = response.headers["Cache-Control"]
            assert "private" in control or "no-store" in control
        with editor.open(site.varnish + "/", timeout=15) as response:
            assert response.headers["X-Cache"] == "PASS"
    assert site.gunicorn_hits(preview) == 2

    reader = _get(site.varnish + preview)
    assert reader.status == 404 and "编辑预览中的草稿" not in reader.body
