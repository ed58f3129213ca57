"""HTTP fetching: the only module that talks to web servers and looks at status codes.

Every fetch has a total deadline, a cap on the decoded body, a redirect limit with no
https->http downgrade, a per-host lock and minimum gap, robots.txt, Retry-After, and a
destination check on the address actually connected to (so a DNS answer that changes
between check and connect cannot smuggle a private address in).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from feedd.config import FetchSettings
from feedd.errors import BlockedDestinationError, FetchError, RobotsDisallowedError
from feedd.models import NotModified, Page

log = logging.getLogger(__name__)

CHUNK = 16_384
MAX_RETRY_AFTER = 6 * 3600.0
ROBOTS_TTL = 3600.0
ROBOTS_MAX_BYTES = 512_000
_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class Access:
    """Which destinations a section may reach beyond the public internet."""

    allow_private: bool = False
    allow_hosts: frozenset[str] = frozenset()  # "host" or "host:port", lower case

    def permits(self, host: str, port: int, address: str) -> bool:
        if self.allow_private:
            return True
        host = host.lower().strip("[]")
        if host in self.allow_hosts or f"{host}:{port}" in self.allow_hosts:
            return True
        return is_public_address(address)


def is_public_address(address: str) -> bool:
    """True for globally routable unicast addresses only (mapped and NAT64 forms unwrapped)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            return is_public_address(str(embedded))
        if ip in ipaddress.ip_network("64:ff9b::/96") or ip in ipaddress.ip_network("64:ff9b:1::/48"):
            return is_public_address(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    return ip.is_global and not ip.is_multicast


def _guarded_socket(access: Access, host: str, port: int, timeout: float | None) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"{host}:{port}", f"cannot resolve host: {exc}") from exc
    addresses = [str(info[4][0]) for info in infos]
    refused = [a for a in addresses if not access.permits(host, port, a)]
    if refused:
        raise BlockedDestinationError(
            f"{host}:{port}", f"destination {refused[0]} is not a public address "
            "(set allow_private_networks or allow_hosts to permit it)")
    last_error: OSError | None = None
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except OSError as exc:
            sock.close()
            last_error = exc
    raise last_error or OSError(f"no address for {host}")


class _GuardedHTTPConnection(HTTPConnection):
    access: ClassVar[Access] = Access()

    def _new_conn(self) -> socket.socket:
        return _guarded_socket(self.access, self._dns_host, self.port, self.timeout)


class _GuardedHTTPSConnection(HTTPSConnection):
    access: ClassVar[Access] = Access()

    def _new_conn(self) -> socket.socket:
        return _guarded_socket(self.access, self._dns_host, self.port, self.timeout)


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, access: Access) -> None:
        self._access = access
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        http_conn = type("Conn", (_GuardedHTTPConnection,), {"access": self._access})
        https_conn = type("TLSConn", (_GuardedHTTPSConnection,), {"access": self._access})
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("Pool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("TLSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }


@dataclass
class _HostState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_request: float = 0.0
    not_before: float = 0.0  # monotonic time set by Retry-After
    robots: Protego | None = None
    robots_until: float = 0.0


class Fetcher:
    """Fetches pages politely and safely; safe to share between threads."""

    def __init__(self, settings: FetchSettings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._clock = clock
        self._hosts: dict[str, _HostState] = {}
        self._sessions: dict[Access, requests.Session] = {}
        self._guard = threading.Lock()

    def close(self) -> None:
        with self._guard:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()

    def fetch(self, url: str, access: Access, *, etag: str | None = None,
              last_modified: str | None = None) -> Page | NotModified:
        """GET `url` (conditional when a validator is given); raise FetchError on any failure."""
        _require_http(url)
        if self._settings.respect_robots:
            self._check_robots(url, access)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._follow(url, access, headers)

    def host_wait(self, url: str) -> float:
        """Seconds until the host of `url` accepts requests again (after a Retry-After)."""
        state = self._state(url)
        return max(0.0, state.not_before - self._clock())

    def _follow(self, url: str, access: Access, headers: dict[str, str]) -> Page | NotModified:
        current = url
        for _ in range(self._settings.max_redirects + 1):
            response = self._request(current, access, headers)
            if response.status_code not in _REDIRECTS:
                return self._finish(url, current, response)
            location = response.headers.get("Location")
            response.close()
            if not location:
                raise FetchError(current, f"HTTP {response.status_code} redirect without Location")
            target = urljoin(current, location.strip())
            _require_http(target)
            if urlsplit(current).scheme == "https" and urlsplit(target).scheme == "http":
                raise FetchError(current, f"refused redirect from https to http ({target})")
            if self._settings.respect_robots:
                self._check_robots(target, access)
            current = target
        raise FetchError(url, f"more than {self._settings.max_redirects} redirects")

    def _request(self, url: str, access: Access, headers: dict[str, str]) -> requests.Response:
        state = self._state(url)
        with state.lock:
            self._wait_turn(url, state)
            try:
                return self._session(access).get(
                    url, headers=headers, stream=True, allow_redirects=False,
                    timeout=(min(10.0, self._settings.timeout), self._settings.timeout))
            except requests.RequestException as exc:
                raise FetchError(url, f"request failed: {_short(exc)}") from exc
            except FetchError as exc:  # raised at connect time, where only host:port is known
                raise type(exc)(url, exc.reason) from exc
            finally:
                state.last_request = self._clock()

    def _wait_turn(self, url: str, state: _HostState) -> None:
        now = self._clock()
        if state.not_before > now:
            raise FetchError(url, f"host asked to wait {state.not_before - now:.0f}s more (Retry-After)",
                             retry_after=state.not_before - now)
        gap = state.last_request + self._settings.host_gap - now
        if gap > 0:
            time.sleep(gap)

    def _finish(self, url: str, final_url: str, response: requests.Response) -> Page | NotModified:
        status = response.status_code
        if status == 304:
            response.close()
            return NotModified(url=final_url)
        if status in (429, 503):
            delay = parse_retry_after(response.headers.get("Retry-After"))
            response.close()
            if delay is not None:
                self._state(url).not_before = self._clock() + delay
            raise FetchError(final_url, f"HTTP {status}", status=status, retry_after=delay)
        if status >= 400:
            response.close()
            raise FetchError(final_url, f"HTTP {status}", status=status)
        body = self._read_body(final_url, response)
        return Page(url=final_url, status=status, body=body,
                    content_type=response.headers.get("Content-Type"),
                    etag=response.headers.get("ETag"), last_modified=response.headers.get("Last-Modified"))

    def _read_body(self, url: str, response: requests.Response) -> bytes:
        deadline = self._clock() + self._settings.timeout
        limit = self._settings.max_bytes
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                if self._clock() > deadline:
                    raise FetchError(url, f"took longer than {self._settings.timeout:g}s in total")
                chunk = response.raw.read1(CHUNK, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise FetchError(url, f"body larger than {limit} bytes")
                chunks.append(chunk)
        except (requests.RequestException, OSError, ValueError) as exc:
            raise FetchError(url, f"reading the body failed: {_short(exc)}") from exc
        except Exception as exc:  # urllib3 raises its own hierarchy (ProtocolError, DecodeError...)
            if isinstance(exc, FetchError):
                raise
            raise FetchError(url, f"reading the body failed: {_short(exc)}") from exc
        finally:
            response.close()
        return b"".join(chunks)

    def _check_robots(self, url: str, access: Access) -> None:
        state = self._state(url)
        if state.robots is None or self._clock() > state.robots_until:
            state.robots = self._load_robots(url, access)
            state.robots_until = self._clock() + ROBOTS_TTL
        if not state.robots.can_fetch(url, self._settings.user_agent):
            raise RobotsDisallowedError(url, "disallowed by robots.txt")

    def _load_robots(self, url: str, access: Access) -> Protego:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            page = self._follow(robots_url, access, {})
        except BlockedDestinationError:
            raise
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return Protego.parse("")
            # RFC 9309: an unreachable robots.txt means "assume everything is disallowed", for a while.
            log.warning("robots.txt unreachable for %s (%s): treating the host as disallowed", parts.netloc,
                        exc.reason)
            return Protego.parse("User-agent: *\nDisallow: /")
        if isinstance(page, NotModified):
            return Protego.parse("")
        return Protego.parse(page.body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace"))

    def _state(self, url: str) -> _HostState:
        host = urlsplit(url).netloc.lower()
        with self._guard:
            return self._hosts.setdefault(host, _HostState())

    def _session(self, access: Access) -> requests.Session:
        with self._guard:
            session = self._sessions.get(access)
            if session is None:
                session = requests.Session()
                session.trust_env = self._settings.use_env_proxy
                session.headers.update({
                    "User-Agent": self._settings.user_agent,
                    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                    "Accept-Encoding": "gzip, deflate",
                })
                adapter = _GuardedAdapter(access)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                self._sessions[access] = session
            return session


def _require_http(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        scheme = parts.scheme or "(none)"
        raise BlockedDestinationError(url, f"scheme {scheme!r} is not fetched; only http(s)")
    if not parts.hostname:
        raise BlockedDestinationError(url, "URL has no host")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or HTTP date), clamped to [0, 6h]."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, min(when.timestamp() - time.time(), MAX_RETRY_AFTER))


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:297] + "..."
