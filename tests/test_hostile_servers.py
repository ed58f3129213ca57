"""Broken and abusive servers on 127.0.0.1, beyond the basics of test_fetch.py.

Each test measures the limit it checks (seconds, bytes, requests) and prints the figure.
"""

from __future__ import annotations

import gzip
import socketserver
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import ClassVar

import pytest

from feedd.config import FetchSettings
from feedd.errors import FetchError
from feedd.fetch import Fetcher, parse_retry_after
from feedd.fetch_guard import Access
from feedd.models import Page
from feedd.store import Store
from tests.portal.server import Portal, Response
from tests.test_replay import run_once, write_config

SETTINGS = FetchSettings(user_agent="feedd-hostile/1", timeout=1.0, max_bytes=200_000, max_redirects=5,
                         host_gap=0.0, concurrency=1, respect_robots=False, use_env_proxy=False, max_links=100)
OPEN = Access(allow_private=True)
HEAD_OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"


class Hostile(socketserver.BaseRequestHandler):
    """Speaks raw bytes: each behaviour is a function of the request path."""

    behaviours: ClassVar[dict[str, Callable[[Hostile], None]]] = {}
    requests: ClassVar[list[tuple[float, str]]] = []

    def handle(self) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
        path = data.split(b" ", 2)[1].decode()
        self.requests.append((time.monotonic(), path))
        behaviour = self.behaviours.get(path.split("?")[0])
        try:
            if behaviour is None:
                self.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            else:
                behaviour(self)
        except OSError:
            pass  # the client hung up, as it should

    def send(self, data: bytes) -> None:
        self.request.sendall(data)

    def drip(self, data: bytes, pause: float) -> None:
        for byte in data:
            self.request.sendall(bytes([byte]))
            time.sleep(pause)


def body_reply(body: bytes, encoding: str) -> Callable[[Hostile], None]:
    def reply(handler: Hostile) -> None:
        handler.send(HEAD_OK + f"Content-Encoding: {encoding}\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)
    return reply


def redirect_chain(hops: int, pause: float = 0.0) -> Callable[[Hostile], None]:
    def reply(handler: Hostile) -> None:
        path = handler.requests[-1][1]
        step = int(path.partition("?")[2] or 0) + 1  # the redirects answered so far, this one included
        time.sleep(pause)
        target = "/landed" if step >= hops else f"/chain?{step}"
        handler.send(f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n".encode())
    return reply


def header_drip(handler: Hostile) -> None:
    handler.drip(b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10_000 + b"\r\n\r\n", 0.02)


def silent(handler: Hostile) -> None:
    time.sleep(5)


def endless_chunked(handler: Hostile) -> None:
    handler.send(HEAD_OK + b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"<p>" + b"x" * 16_000 + b"</p>"
    while True:
        handler.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")


def slow_redirects(handler: Hostile) -> None:
    time.sleep(0.4)
    handler.send(b"HTTP/1.1 302 Found\r\nLocation: /slow-redirect\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def layered_gzip() -> bytes:
    once = gzip.compress(b"\0" * 30_000_000)
    return gzip.compress(once)


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    behaviours: dict[str, Callable[[Hostile], None]] = {
        "/header-drip": header_drip,
        "/silent": silent,
        "/endless": endless_chunked,
        "/slow-redirect": slow_redirects,
        "/deflate-bomb": body_reply(zlib.compress(b"\0" * 50_000_000, 9), "deflate"),
        "/gzip-gzip-bomb": body_reply(layered_gzip(), "gzip, gzip"),
        "/br-unasked": body_reply(b"\x1b\xff\xff\x1f" + b"\0" * 64, "br"),
        "/zstd-unasked": body_reply(b"\x28\xb5\x2f\xfd" + b"\0" * 64, "zstd"),
        "/chain": redirect_chain(5),
    }
    handler = type("H", (Hostile,), {"behaviours": behaviours, "requests": []})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def timed_failure(url: str, settings: FetchSettings = SETTINGS) -> tuple[FetchError, float]:
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        Fetcher(settings).fetch(url, OPEN)
    return caught.value, time.monotonic() - started


@pytest.mark.parametrize("path", ["/header-drip", "/silent", "/slow-redirect"])
def test_total_deadline_covers_headers_silence_and_redirect_hops(hostile: str, path: str) -> None:
    error, spent = timed_failure(hostile + path)
    print(f"{path}: cut off after {spent:.2f}s (deadline {SETTINGS.timeout:g}s): {error.reason}")
    assert "took longer than 1s in total" in error.reason
    assert spent < SETTINGS.timeout + 0.5


def test_endless_chunked_body_stops_at_the_cap(hostile: str) -> None:
    error, spent = timed_failure(hostile + "/endless")
    print(f"endless chunked body stopped after {spent:.2f}s: {error.reason}")
    assert f"larger than {SETTINGS.max_bytes} bytes" in error.reason


@pytest.mark.parametrize(("path", "decoded_mb"), [("/deflate-bomb", 50), ("/gzip-gzip-bomb", 30)])
def test_compression_bombs_stop_at_the_decoded_cap(hostile: str, path: str, decoded_mb: int) -> None:
    tracemalloc.start()
    error, spent = timed_failure(hostile + path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{path} ({decoded_mb} MB decoded): stopped in {spent:.2f}s, peak traced memory {peak / 1e6:.1f} MB")
    assert f"larger than {SETTINGS.max_bytes} bytes" in error.reason
    assert peak < 20_000_000


@pytest.mark.parametrize("path", ["/br-unasked", "/zstd-unasked"])
def test_content_coding_not_asked_for_is_refused(hostile: str, path: str) -> None:
    error, spent = timed_failure(hostile + path)
    assert "unsupported Content-Encoding" in error.reason
    assert spent < 0.5


def test_brotli_bomb_stops_at_the_cap_when_brotli_is_installed(hostile: str) -> None:
    brotli = pytest.importorskip("brotli")
    bomb = brotli.compress(b"\0" * 50_000_000)
    settings = replace(SETTINGS, max_bytes=200_000)
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), type("B", (Hostile,), {
            "behaviours": {"/br": body_reply(bomb, "br")}, "requests": []})) as server:
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        error, _ = timed_failure(f"http://127.0.0.1:{server.server_address[1]}/br", settings)
        server.shutdown()
    assert "larger than" in error.reason or "unsupported Content-Encoding" in error.reason


def test_five_redirects_are_followed_and_a_sixth_is_refused(hostile: str) -> None:
    page = Fetcher(SETTINGS).fetch(hostile + "/chain", OPEN)
    assert isinstance(page, Page) and page.url.endswith("/landed")
    error, _ = timed_failure(hostile + "/chain", replace(SETTINGS, max_redirects=4))
    assert "more than 4 redirects" in error.reason


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("header", "expected"), [
    ("120", 120.0),
    ("0", 0.0),
    ("999999999999", 6 * 3600.0),
    ("1" + "0" * 400, 6 * 3600.0),
    ("-5", None),
    ("1.5", None),
    ("", None),
    ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ("next tuesday", None),
])
def test_retry_after_values_are_read_and_clamped(header: str, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_retry_after_as_a_date_is_the_time_until_then() -> None:
    in_90s = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    delay = parse_retry_after(in_90s)
    assert delay is not None and 85 <= delay <= 90


@pytest.mark.parametrize("status", [429, 503])
def test_no_request_reaches_a_host_before_its_retry_after(status: int) -> None:
    in_60s = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)

    def busy(handler: Hostile) -> None:
        handler.send(f"HTTP/1.1 {status} Busy\r\nRetry-After: {in_60s}\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n".encode())

    clock = Clock()
    handler: type[Hostile] = type("R", (Hostile,), {"behaviours": {"/busy": busy}, "requests": []})
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        fetcher = Fetcher(SETTINGS, clock=clock)
        with pytest.raises(FetchError) as first:
            fetcher.fetch(origin + "/busy", OPEN)
        assert first.value.status == status and first.value.retry_after is not None
        sent = len(handler.requests)
        blocked = 0
        for step in range(0, 60, 5):  # every 5 s of the minute, another page of the same host
            clock.now = 1000.0 + step
            with pytest.raises(FetchError, match="Retry-After"):
                fetcher.fetch(origin + f"/other{step}", OPEN)
            blocked += 1
        early = len(handler.requests) - sent
        clock.now = 1000.0 + 61
        assert isinstance(fetcher.fetch(origin + "/after", OPEN), Page)
        server.shutdown()
    print(f"HTTP {status} Retry-After 60s (as a date): {blocked} attempts refused locally, "
          f"{early} requests sent early, wait left {fetcher.host_wait(origin + '/x'):.0f}s")
    assert early == 0
    assert handler.requests[-1][1] == "/after"


class GonePortal(Portal):
    """The test portal with one article answering 410 Gone and another 404."""

    gone = ""
    missing = ""

    def _route(self, path: str, headers: dict[str, str], round_: int) -> Response:
        if path == self.gone:
            return Response(410, b"<h1>gone</h1>", {"Content-Type": "text/html"})
        if path == self.missing:
            return Response(404, b"<h1>missing</h1>", {"Content-Type": "text/html"})
        return super()._route(path, headers, round_)


def test_gone_article_is_never_asked_again_and_a_missing_one_backs_off(corpus_dir: Path, tmp_path: Path) -> None:
    portal = GonePortal(corpus_dir)
    listed = portal.catalogue.section("fortune", 1)
    portal.gone, portal.missing = listed[0].path, listed[1].path
    with portal:
        config = write_config(tmp_path, {"fortune": portal.section_url("fortune")}, links=True)
        first_code, first_output, _ = run_once(config)
        portal.advance()  # the listing changes, so every article link is looked at again
        second_code, second_output, _ = run_once(config)
        asked = [r.path for r in portal.requests(2)]
    store = Store.open(tmp_path / "state" / "feedd.sqlite3")
    gone, missing = store.page_state(portal.url(portal.gone)), store.page_state(portal.url(portal.missing))
    store.close()
    print(f"410 article asked in poll 2: {asked.count(portal.gone)} times; 404 article: "
          f"{asked.count(portal.missing)} times, next try {missing.next_try if missing else None}")
    assert first_code == 0 and second_code == 0, first_output + second_output
    assert gone is not None and gone.gone
    assert missing is not None and not missing.gone and missing.next_try is not None
    assert missing.next_try > datetime.now(UTC)
    assert any("/c_" in path for path in asked), "poll 2 read no article at all"
    assert portal.gone not in asked
    assert portal.missing not in asked


def test_robots_txt_answering_5xx_disallows_the_host_only_for_a_short_while() -> None:
    answers = iter([503, 200])

    def robots(handler: Hostile) -> None:
        status = next(answers, 200)
        body = b"User-agent: *\nAllow: /\n" if status == 200 else b"down"
        handler.send(f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                     + body)

    clock = Clock()
    handler: type[Hostile] = type("R", (Hostile,), {"behaviours": {"/robots.txt": robots}, "requests": []})
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        fetcher = Fetcher(replace(SETTINGS, respect_robots=True), clock=clock)
        with pytest.raises(FetchError, match=r"robots\.txt"):
            fetcher.fetch(origin + "/page", OPEN)
        clock.now += 60
        with pytest.raises(FetchError, match=r"robots\.txt"):
            fetcher.fetch(origin + "/page", OPEN)  # still within the retry window: not asked again
        asked_within = [p for _, p in handler.requests]
        clock.now += 300
        page = fetcher.fetch(origin + "/page", OPEN)
        server.shutdown()
    assert asked_within == ["/robots.txt"]
    assert isinstance(page, Page)
    assert [p for _, p in handler.requests] == ["/robots.txt", "/robots.txt", "/page"]
