"""A fake quote provider: a real HTTP server on 127.0.0.1, speaking EastMoney's shape.

Each test picks how it answers (`provider.answer = "slow"` …) and reads what it was
asked (`provider.asked`: the secids, in order).
"""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

PATH = "/api/qt/stock/get"

# 贵州茅台 at 1,688.00, up 20.50 (+1.23%), quoted at a fixed moment (2024-05-06 14:05 +08:00).
AS_OF = 1714975500
GOOD = {
    "f43": 168800,
    "f57": "600519",
    "f58": "贵州茅台",
    "f59": 2,
    "f86": AS_OF,
    "f169": 2050,
    "f170": 123,
}


def envelope(data):
    return {"rc": 0, "rt": 4, "svr": 181734976, "lt": 1, "full": 1, "dlmkts": "", "data": data}


class FakeProvider:
    def __init__(self):
        self.answer = "good"
        self.data = {}  # secid -> the "data" object to answer with (default GOOD)
        self.asked = []
        self.answered = []  # secids whose answer was sent in full
        self.release = threading.Event()  # lets a slow answer go (at the end of the test)
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                query = parse_qs(urlparse(self.path).query)
                secid = query.get("secid", [""])[0]
                provider.asked.append(secid)
                provider.handle(self, secid, query)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{PATH}"

    def handle(self, handler, secid, query):
        answer = self.answer
        try:
            if answer == "not-http":
                handler.wfile.write(b"hello, this is not HTTP\r\n\r\n")
            elif answer == "500":
                self._send(handler, 500, b"<h1>Internal Server Error</h1>", "text/html")
            elif answer == "html":
                page = "<html><body>请稍后再试</body></html>".encode()
                self._send(handler, 200, page, "text/html")
            elif answer == "invalid-json":
                self._send(handler, 200, b'{"rc":0,"data":{"f43":1688', "application/json")
            elif answer == "huge":
                self._send(handler, 200, b'{"data": "' + b"x" * 200_000 + b'"}', "application/json")
            elif answer == "slow":
                # Holds the answer until the test is over (or 10 s): a caller that waited
                # for it would find `answered` set.
                self.release.wait(10)
                self._json(handler, envelope(self.data.get(secid, GOOD)))
            elif answer == "trickle":
                # Headers at once, then a byte now and then, each within any socket
                # timeout: only a deadline on the whole answer stops waiting for it.
                body = json.dumps(envelope(self.data.get(secid, GOOD))).encode()
                handler.send_response(200)
                handler.send_header("Content-Type", "application/json")
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                for byte in body:
                    if self.release.wait(0.2):
                        return
                    handler.wfile.write(bytes([byte]))
                    handler.wfile.flush()
            elif isinstance(answer, bytes):
                self._send(handler, 200, answer, "application/json")
            else:
                self._json(handler, envelope(self.data.get(secid, GOOD)))
            self.answered.append(secid)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller gave up, as it should

    def _json(self, handler, value):
        self._send(handler, 200, json.dumps(value).encode(), "application/json; charset=UTF-8")

    @staticmethod
    def _send(handler, status, body, content_type):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_provider():
    provider = FakeProvider()
    yield provider
    provider.close()


@pytest.fixture
def quotes_on(settings, fake_provider):
    """QUOTES_URL pointing at the fake provider, with the shipped timeout and caches."""
    settings.QUOTES_URL = fake_provider.url
    settings.QUOTES_TIMEOUT = 0.8
    settings.QUOTES_CACHE_SECONDS = 15
    settings.QUOTES_FAILURE_SECONDS = 30
    return fake_provider


@pytest.fixture
def refused_url():
    """The URL of a port nothing listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{PATH}"


def wait_until(condition, seconds=5.0):
    """For the server thread to record what it saw (a handler runs in its own thread)."""
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        time.sleep(0.01)
    return condition()
