"""Server-side request forgery: feedd reaches only public http(s) addresses unless told otherwise.

Canary listeners sit on several loopback addresses (127.0.0.1, 127.0.0.2, 127.0.0.3, ::1) on one port. Every
target of the probe matrix points at a canary, at a private or reserved range, or at a scheme other than
http(s), and is tried three ways: as a configured URL, as a link discovered on a listing page of an allowed
portal, and as the Location of a redirect from that portal. Not one connection may reach a canary, and
every target must end in a typed error that is logged.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urljoin

import pytest
import yaml

from feedd.config import FetchSettings, load_config
from feedd.errors import BlockedDestinationError, FetchError
from feedd.fetch import Fetcher, redirect_target
from feedd.fetch_guard import Access
from feedd.models import Page
from feedd.pipeline import PipelineDeps, poll_section
from feedd.store import Store, item_id_for

SETTINGS = FetchSettings(user_agent="feedd-ssrf-test/1", timeout=2.0, max_bytes=100_000, max_redirects=5,
                         host_gap=0.0, concurrency=1, respect_robots=True, use_env_proxy=False, max_links=1000)
CANARY_HOSTS = (("127.0.0.1", socket.AF_INET), ("127.0.0.2", socket.AF_INET), ("127.0.0.3", socket.AF_INET),
                ("::1", socket.AF_INET6))


class Canaries:
    """Listeners on one port of several loopback addresses; they count every connection accepted."""

    def __init__(self) -> None:
        self.port, self._sockets = self._bind_all()
        self.hits: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @staticmethod
    def _bind_all() -> tuple[int, list[socket.socket]]:
        for _ in range(20):
            sockets: list[socket.socket] = []
            try:
                port = 0
                for host, family in CANARY_HOSTS:
                    sock = socket.socket(family, socket.SOCK_STREAM)
                    sockets.append(sock)
                    sock.bind((host, port))
                    sock.listen(64)
                    port = sock.getsockname()[1]
                return port, sockets
            except OSError:
                for sock in sockets:
                    sock.close()
        raise RuntimeError("no port free on every loopback canary address")

    def _accept(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select(self._sockets, [], [], 0.05)
            for sock in ready:
                conn, peer = sock.accept()
                self.hits.append(f"{sock.getsockname()[0]} from {peer[0]}")
                conn.close()

    def settle(self) -> int:
        """The connection count once any connection in flight has been accepted."""
        threading.Event().wait(0.15)
        return len(self.hits)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for sock in self._sockets:
            sock.close()


@dataclass
class PortalState:
    targets: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


class AllowedPortal(BaseHTTPRequestHandler):
    """The one server the tests allow: a listing linking to every target, and /go/N redirecting to target N."""

    state: ClassVar[PortalState] = PortalState()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.state.paths.append(self.path)
        if self.path == "/robots.txt":
            self._reply(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif self.path == "/listing":
            rows = "".join(f'<li><a href="{escape(t)}">Target {i}</a> 2024-05-01</li>'
                           for i, t in enumerate(self.state.targets))
            self._reply(200, f'<html><body><ul class="targets">{rows}</ul></body></html>'.encode(), "text/html")
        elif self.path.startswith("/go/"):
            target = self.state.targets[int(self.path.removeprefix("/go/"))]
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._reply(200, b"<html><body>allowed page</body></html>", "text/html")

    def _reply(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def probe_targets(p: int, q: int) -> list[str]:
    """Every way in: p is the canary port, q the allowed portal's port (allowed only as 127.0.0.1:q)."""
    loopback = [
        "127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.1", "0x7f.0.0.1", "0177.0.0.1",
        "0177.1", "017700000001", "127.000.000.001", "localhost", "LOCALHOST", "127.0.0.2",
        "127.2", "127.0.0.3", "0.0.0.0", "0", "0x0", "[::1]", "[0:0:0:0:0:0:0:1]", "[0000::0001]", "[::]",
        "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:127.0.0.2]", "[0:0:0:0:0:ffff:127.0.0.1]",
        "[::127.0.0.1]", "[::ffff:0:127.0.0.1]", "[64:ff9b::127.0.0.1]", "[2002:7f00:1::1]",
        "safe.example@127.0.0.1", "user:pass@localhost",
    ]
    private = [
        "10.0.0.1", "10.255.255.254", "172.16.0.1", "172.31.255.254", "192.168.0.1", "169.254.169.254",
        "0xa9fea9fe", "2852039166", "0251.0376.0251.0376", "169.254.43518", "100.64.0.1", "100.127.255.254",
        "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250",
        "240.0.0.1", "255.255.255.255", "[fc00::1]", "[fd12:3456::1]", "[fe80::1]", "[ff02::1]",
        "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", "[64:ff9b::a9fe:a9fe]",
        "[2002:a9fe:a9fe::]", "[2001:db8::1]", "[100::1]", "[2001::1]", "[64:ff9b:1::a9fe:a9fe]",
    ]
    schemes = [
        "file:///etc/passwd", "file://localhost/etc/passwd", f"ftp://127.0.0.1:{p}/", f"gopher://127.0.0.1:{p}/_GET",
        f"dict://127.0.0.1:{p}/info", f"ldap://127.0.0.1:{p}/", f"sftp://127.0.0.1:{p}/", f"tftp://127.0.0.1:{p}/x",
        f"ws://127.0.0.1:{p}/", f"wss://127.0.0.1:{p}/", f"jar:http://127.0.0.1:{p}/a.jar!/", "netdoc:///etc/passwd",
        "data:text/html,<script>alert(1)</script>", "javascript:alert(1)", "vbscript:msgbox(1)",
    ]
    portal_spellings = ["localhost", "127.1", "2130706433", "[::ffff:127.0.0.1]", "0.0.0.0", "0x7f.1", "[::1]"]
    return [
        *(f"http://{host}:{p}/canary" for host in loopback),
        *(f"https://{host}:{p}/canary" for host in ("127.0.0.1", "[::1]", "localhost")),
        f"HTTP://127.0.0.1:{p}/canary", f"hTtP://[::1]:{p}/canary",
        *(f"http://{host}:{p}/internal" for host in private),
        *schemes,
        *(f"http://{host}:{q}/leak" for host in portal_spellings),
    ]


@pytest.fixture(scope="module")
def canaries() -> Iterator[Canaries]:
    running = Canaries()
    yield running
    running.close()


@pytest.fixture(scope="module")
def portal(canaries: Canaries) -> Iterator[tuple[str, PortalState]]:
    state = PortalState()
    handler = type("Handler", (AllowedPortal,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    port = httpd.server_address[1]
    state.targets = probe_targets(canaries.port, port)
    yield f"127.0.0.1:{port}", state
    httpd.shutdown()
    httpd.server_close()


def leaks(state: PortalState) -> list[str]:
    return [path for path in state.paths if path.startswith("/leak")]


def blocked_logs(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "feedd.fetch" and r.levelno >= logging.WARNING)


def test_ssrf_matrix_as_configured_urls(canaries: Canaries, portal: tuple[str, PortalState],
                                        caplog: pytest.LogCaptureFixture) -> None:
    allowed, state = portal
    access = Access(allow_hosts=frozenset({allowed}))
    fetcher = Fetcher(SETTINGS)
    before = canaries.settle()
    errors: dict[str, int] = {}
    with caplog.at_level(logging.WARNING, logger="feedd.fetch"):
        for target in state.targets:
            with pytest.raises(FetchError) as caught:
                fetcher.fetch(target, access)
            errors[type(caught.value).__name__] = errors.get(type(caught.value).__name__, 0) + 1
            assert isinstance(caught.value, BlockedDestinationError), f"{target}: {caught.value}"
            assert target in blocked_logs(caplog), f"{target}: not logged"
    fetcher.close()
    hits = canaries.settle() - before
    print(f"SSRF configured URLs: {len(state.targets)} targets, {hits} canary connections, "
          f"{len(leaks(state))} portal leaks, errors {errors}")
    assert len(state.targets) >= 60
    assert hits == 0, canaries.hits
    assert leaks(state) == []


def test_ssrf_matrix_as_redirect_targets(canaries: Canaries, portal: tuple[str, PortalState],
                                         caplog: pytest.LogCaptureFixture) -> None:
    allowed, state = portal
    access = Access(allow_hosts=frozenset({allowed}))
    fetcher = Fetcher(SETTINGS)
    before = canaries.settle()
    redirects_sent = 0
    with caplog.at_level(logging.WARNING, logger="feedd.fetch"):
        for number, target in enumerate(state.targets):
            hop = f"http://{allowed}/go/{number}"
            with pytest.raises(BlockedDestinationError):
                fetcher.fetch(hop, access)
            redirects_sent += f"/go/{number}" in state.paths
            assert hop in blocked_logs(caplog), f"{target}: not logged"
    fetcher.close()
    hits = canaries.settle() - before
    print(f"SSRF redirect targets: {len(state.targets)} targets ({redirects_sent} redirects answered), "
          f"{hits} canary connections, {len(leaks(state))} portal leaks")
    assert redirects_sent == len(state.targets), "the allowed portal itself was not reached"
    assert hits == 0, canaries.hits
    assert leaks(state) == []


def test_ssrf_matrix_as_discovered_links(canaries: Canaries, portal: tuple[str, PortalState], tmp_path: Path,
                                         caplog: pytest.LogCaptureFixture) -> None:
    allowed, state = portal
    config_path = tmp_path / "feedd.yaml"
    config_path.write_text(yaml.safe_dump({
        "output_dir": "public", "state_path": "state.sqlite3", "host_gap": 0, "timeout": 2,
        "sources": [{"id": "probe", "allow_hosts": [allowed], "sections": [
            {"id": "targets", "url": f"http://{allowed}/listing", "links": "ul.targets li a"}]}],
    }))
    config = load_config(config_path)
    store = Store.open(config.state_path)
    fetcher = Fetcher(config.fetch)
    deps = PipelineDeps(config=config, fetcher=fetcher, store=store, clock=lambda: datetime.now(UTC))
    before = canaries.settle()
    with caplog.at_level(logging.WARNING):
        report = poll_section(next(config.sections()), deps)
    hits = canaries.settle() - before
    fetched = [t for t in state.targets if t.lower().startswith(("http:", "https:"))]
    distinct = {urljoin(f"http://{allowed}/listing", t) for t in fetched}  # HTTP://x and http://x are one link
    recorded = {t: store.page_state(t) for t in fetched}
    fetcher.close()
    store.close()
    print(f"SSRF discovered links: {len(state.targets)} listed, {report.links_found} discovered, "
          f"{len(report.failed_articles)} refused, {hits} canary connections, {len(leaks(state))} portal leaks")
    assert report.listing_ok, report.error
    assert report.new_items == 0
    assert report.links_found == len(distinct)
    # LOCALHOST and localhost, or a URL with and without user info, are one item to the store
    assert len(report.failed_articles) == len({item_id_for(url) for url in distinct})
    for target, page in recorded.items():
        assert page is not None and page.last_error, f"{target}: no failure recorded"
        assert "not a public address" in page.last_error, f"{target}: {page.last_error}"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    spellings: dict[str, set[str]] = {}
    for url in distinct:
        spellings.setdefault(item_id_for(url), set()).add(url)
    unlogged = [urls for urls in spellings.values() if not any(url in logged for url in urls)]
    assert unlogged == []
    assert hits == 0, canaries.hits
    assert leaks(state) == []


def test_allowlist_opens_the_portal_port_only_and_canaries_do_count(canaries: Canaries,
                                                                    portal: tuple[str, PortalState]) -> None:
    allowed, _ = portal
    fetcher = Fetcher(SETTINGS)
    assert isinstance(fetcher.fetch(f"http://{allowed}/page", Access(allow_hosts=frozenset({allowed}))), Page)
    before = canaries.settle()
    with pytest.raises(FetchError):  # deliberately opened: the canary answers nothing, but it is reached
        fetcher.fetch(f"http://127.0.0.2:{canaries.port}/canary", Access(allow_private=True))
    with pytest.raises(FetchError):
        fetcher.fetch(f"http://[::1]:{canaries.port}/canary", Access(allow_hosts=frozenset({f"[::1]:{canaries.port}"})))
    fetcher.close()
    assert canaries.settle() - before == 2, "allow_private_networks / allow_hosts did not open the canary"


def test_dns_rebinding_is_checked_on_every_connection(canaries: Canaries, portal: tuple[str, PortalState],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A name answering a permitted address first and a canary next is refused at the second connect."""
    allowed, state = portal
    portal_port = int(allowed.rsplit(":", 1)[1])
    real = socket.getaddrinfo
    answers = iter([("127.0.0.1", portal_port)] + [("127.0.0.2", canaries.port)] * 10)

    def rebinding(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        sockaddr = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

    class FirstAnswerOnly(Access):
        """Treats the portal's address:port as public, as if the first DNS answer were a real site."""

        def permits(self, host: str, port: int, address: str) -> bool:
            return port == portal_port and address == "127.0.0.1"

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    fetcher = Fetcher(SETTINGS)
    before = canaries.settle()
    seen = len(state.paths)
    # robots.txt is fetched through the first answer; the page itself through the rebound one.
    with pytest.raises(BlockedDestinationError, match=r"127\.0\.0\.2 is not a public address"):
        fetcher.fetch(f"http://rebind.test:{portal_port}/page", FirstAnswerOnly())
    fetcher.close()
    assert state.paths[seen:] == ["/robots.txt"]
    assert canaries.settle() - before == 0


def test_proxy_environment_is_ignored_unless_enabled(canaries: Canaries, portal: tuple[str, PortalState],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    allowed, state = portal
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{canaries.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    before = canaries.settle()
    fetcher = Fetcher(SETTINGS)
    page = fetcher.fetch(f"http://{allowed}/direct", Access(allow_hosts=frozenset({allowed})))
    fetcher.close()
    assert isinstance(page, Page) and "/direct" in state.paths
    assert canaries.settle() - before == 0


@pytest.mark.parametrize(("current", "location", "expected"), [
    ("https://a.example/x", "https://b.example/y", "https://b.example/y"),
    ("https://a.example/x", "/y", "https://a.example/y"),
    ("https://a.example/x", "//b.example/y", "https://b.example/y"),
    ("http://a.example/x", "https://a.example/y", "https://a.example/y"),
    ("http://a.example/x", " /y ", "http://a.example/y"),
])
def test_redirect_target_follows_same_or_safer_schemes(current: str, location: str, expected: str) -> None:
    assert redirect_target(current, 302, location) == expected


@pytest.mark.parametrize(("current", "location", "why"), [
    ("https://a.example/x", "http://a.example/y", "https to http"),
    ("https://a.example/x", "HTTP://a.example/y", "https to http"),
    ("http://a.example/x", "file:///etc/passwd", "scheme 'file'"),
    ("http://a.example/x", "gopher://a.example/", "scheme 'gopher'"),
    ("http://a.example/x", "data:text/html,x", "scheme 'data'"),
    ("http://a.example/x", "javascript:alert(1)", "scheme 'javascript'"),
    ("http://a.example/x", "https:///nohost", "no host"),
])
def test_redirect_target_refuses_downgrades_and_other_schemes(current: str, location: str, why: str) -> None:
    with pytest.raises(BlockedDestinationError, match=why):
        redirect_target(current, 302, location)


def test_redirect_without_location_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match="without Location"):
        redirect_target("http://a.example/", 301, None)
