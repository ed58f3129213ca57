"""Fetching against misbehaving servers on 127.0.0.1: every limit is measured, not assumed."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from feedd.config import FetchSettings
from feedd.errors import BlockedDestinationError, FetchError, RobotsDisallowedError
from feedd.fetch import Fetcher, parse_retry_after
from feedd.fetch_guard import Access, is_public_address
from feedd.models import NotModified, Page

SETTINGS = FetchSettings(user_agent="feedd-test/1", timeout=2.0, max_bytes=100_000, max_redirects=5,
                         host_gap=0.0, concurrency=2, respect_robots=True, use_env_proxy=False, max_links=100)
BOMB = gzip.compress(b"\0" * 50_000_000)


class Handler(BaseHTTPRequestHandler):
    log: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        Handler.log.append((self.path, dict(self.headers)))
        route = getattr(self, "route_" + self.path.strip("/").split("/")[0].replace("-", "_").replace(".", "_"),
                        None)
        if route is None:
            self.reply(404, b"no")
        else:
            route()

    def reply(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route_robots_txt(self) -> None:
        self.reply(200, b"User-agent: *\nDisallow: /private\n")

    def route_page(self) -> None:
        if self.headers.get("If-None-Match") == '"v1"':
            self.reply(304, b"")
        else:
            self.reply(200, b"<html>hello</html>", ETag='"v1"', Content_Type="text/html; charset=utf-8")

    def route_drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass

    def route_big(self) -> None:
        self.reply(200, b"x" * 1_000_000)

    def route_bomb(self) -> None:
        self.reply(200, BOMB, Content_Encoding="gzip")

    def route_loop(self) -> None:
        self.reply(302, b"", Location="/loop")

    def route_busy(self) -> None:
        self.reply(503, b"busy", Retry_After="120")

    def route_private(self) -> None:
        self.reply(200, b"secret")

    def route_to_file(self) -> None:
        self.reply(302, b"", Location="file:///etc/passwd")


@pytest.fixture()
def server() -> Iterator[str]:
    Handler.log = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()

    httpd.server_close()


OPEN = Access(allow_private=True)


def test_fetch_reads_page_and_sends_user_agent(server: str) -> None:
    page = Fetcher(SETTINGS).fetch(f"{server}/page", OPEN)
    assert isinstance(page, Page) and page.body == b"<html>hello</html>"
    assert page.etag == '"v1"'
    paths = [path for path, _ in Handler.log]
    assert paths == ["/robots.txt", "/page"]
    assert all(headers["User-Agent"] == "feedd-test/1" for _, headers in Handler.log)


def test_fetch_conditional_get_returns_not_modified(server: str) -> None:
    result = Fetcher(SETTINGS).fetch(f"{server}/page", OPEN, etag='"v1"')
    assert isinstance(result, NotModified)


def test_fetch_cuts_off_a_dripping_server_at_the_deadline(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="took longer than 2s"):
        Fetcher(SETTINGS).fetch(f"{server}/drip", OPEN)
    spent = time.monotonic() - started
    print(f"drip server cut off after {spent:.2f}s (deadline 2s)")
    assert spent < 3.0


def test_fetch_caps_the_body(server: str) -> None:
    with pytest.raises(FetchError, match="larger than 100000 bytes"):
        Fetcher(SETTINGS).fetch(f"{server}/big", OPEN)


def test_fetch_stops_a_gzip_bomb_at_the_cap(server: str) -> None:
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(FetchError, match="larger than"):
        Fetcher(SETTINGS).fetch(f"{server}/bomb", OPEN)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"gzip bomb (50 MB decoded) stopped; peak traced memory {peak / 1e6:.1f} MB")
    assert peak < 20_000_000


def test_fetch_limits_redirects(server: str) -> None:
    with pytest.raises(FetchError, match="more than 5 redirects"):
        Fetcher(SETTINGS).fetch(f"{server}/loop", OPEN)
    assert sum(1 for path, _ in Handler.log if path == "/loop") == 6


def test_fetch_refuses_redirect_to_other_scheme(server: str) -> None:
    with pytest.raises(BlockedDestinationError, match="scheme 'file'"):
        Fetcher(SETTINGS).fetch(f"{server}/to-file", OPEN)


def test_fetch_honours_retry_after_without_sending(server: str) -> None:
    fetcher = Fetcher(SETTINGS)
    with pytest.raises(FetchError) as first:
        fetcher.fetch(f"{server}/busy", OPEN)
    assert first.value.status == 503 and first.value.retry_after == 120
    sent = len(Handler.log)
    with pytest.raises(FetchError, match="Retry-After"):
        fetcher.fetch(f"{server}/page", OPEN)
    assert len(Handler.log) == sent, "a request was sent before the allowed time"


def test_fetch_obeys_robots_txt(server: str) -> None:
    with pytest.raises(RobotsDisallowedError):
        Fetcher(SETTINGS).fetch(f"{server}/private/x", OPEN)
    assert "/private/x" not in [path for path, _ in Handler.log]


def test_fetch_keeps_the_host_gap(server: str) -> None:
    fetcher = Fetcher(replace(SETTINGS, host_gap=0.3))
    started = time.monotonic()
    fetcher.fetch(f"{server}/page", OPEN)
    fetcher.fetch(f"{server}/page", OPEN)
    assert time.monotonic() - started >= 0.6  # robots, page, page: two gaps


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f.1", "127.1", "localhost", "[::1]"])
def test_fetch_blocks_loopback_spellings_by_default(host: str) -> None:
    canary = socket.socket()
    canary.bind(("127.0.0.1", 0))
    canary.listen(5)
    canary.settimeout(0.2)
    port = canary.getsockname()[1]
    with pytest.raises(BlockedDestinationError):
        Fetcher(SETTINGS).fetch(f"http://{host}:{port}/", Access())
    with pytest.raises(TimeoutError):
        canary.accept()  # nothing connected
    canary.close()


def test_fetch_allowlist_opens_one_port_only(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    allowed = Access(allow_hosts=frozenset({f"127.0.0.1:{port}"}))
    assert isinstance(Fetcher(SETTINGS).fetch(f"{server}/page", allowed), Page)
    with pytest.raises(BlockedDestinationError):
        Fetcher(SETTINGS).fetch("http://127.0.0.1:9/page", allowed)


@pytest.mark.parametrize(("address", "public"), [
    ("8.8.8.8", True), ("10.0.0.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
    ("0.0.0.0", False), ("::ffff:127.0.0.1", False), ("fd00::1", False), ("2002:7f00:1::", False),
    ("64:ff9b::a00:1", False), ("2606:4700::1111", True), ("224.0.0.1", False),
])
def test_public_address_check(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_retry_after_parses_seconds_and_dates_clamped() -> None:
    assert parse_retry_after("30") == 30
    assert parse_retry_after("99999999") == 6 * 3600
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon") is None
