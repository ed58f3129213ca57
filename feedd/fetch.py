"""HTTP fetching: the only module that talks to web servers and looks at status codes.

Every fetch has a total deadline, a cap on the decoded body, a redirect limit with no
https->http downgrade, a per-host lock and minimum gap, robots.txt, Retry-After, and a
destination check on the address actually connected to (fetch_guard: the sockets and the
deadline, which covers robots.txt, every redirect hop, headers and body).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego

from feedd.config import FetchSettings
from feedd.errors import BlockedDestinationError, FetchError, RobotsDisallowedError
from feedd.fetch_guard import Access, Deadline, Deadlines, GuardedAdapter
from feedd.models import NotModified, Page

log = logging.getLogger(__name__)

CHUNK = 16_384
MAX_RETRY_AFTER = 6 * 3600.0
ROBOTS_TTL = 3600.0
ROBOTS_RETRY = 300.0  # after a robots.txt answered 5xx
ROBOTS_MAX_BYTES = 512_000
_REDIRECTS = {301, 302, 303, 307, 308}
_ACCEPT_ENCODING = "gzip, deflate"
# Only the codings we ask for: anything else is a server ignoring Accept-Encoding (and may
# not be decoded, or decoded without our cap), so it is refused.
_DECODABLE = frozenset({"identity", "gzip", "x-gzip", "deflate"})


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
        self._deadlines = Deadlines()

    def close(self) -> None:
        with self._guard:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()

    def fetch(self, url: str, access: Access, *, etag: str | None = None,
              last_modified: str | None = None) -> Page | NotModified:
        """GET `url` (conditional when a validator is given); raise FetchError on any failure."""
        deadline = Deadline(self._settings.timeout)
        self._deadlines.current = deadline
        try:
            _require_http(url)
            if self._settings.respect_robots:
                self._check_robots(url, access)
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            return self._follow(url, access, headers)
        except BlockedDestinationError as exc:
            log.warning("blocked %s: %s", url, exc.reason)
            raise
        finally:
            deadline.cancel()
            self._deadlines.current = None

    def _deadline(self) -> Deadline | None:
        return self._deadlines.current

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
            target = redirect_target(current, response.status_code, location)
            if self._settings.respect_robots:
                self._check_robots(target, access)
            current = target
        raise FetchError(url, f"more than {self._settings.max_redirects} redirects")

    def _request(self, url: str, access: Access, headers: dict[str, str]) -> requests.Response:
        state = self._state(url)
        deadline = self._deadline()
        with state.lock:
            self._wait_turn(url, state)
            left = deadline.remaining() if deadline else self._settings.timeout
            try:
                return self._session(access).get(
                    url, headers=headers, stream=True, allow_redirects=False,
                    timeout=(min(10.0, left), left))
            except requests.RequestException as exc:
                if deadline is not None and deadline.nearly_over():  # a read timeout cut to the time left
                    raise self._too_slow(url) from exc
                raise FetchError(url, f"request failed: {_short(exc)}") from exc
            except FetchError as exc:  # raised at connect time, where only host:port is known
                raise type(exc)(url, exc.reason) from exc
            finally:
                state.last_request = self._clock()

    def _too_slow(self, url: str) -> FetchError:
        return FetchError(url, f"took longer than {self._settings.timeout:g}s in total")

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
        _require_decodable(final_url, response)
        body = self._read_body(final_url, response)
        return Page(url=final_url, status=status, body=body,
                    content_type=response.headers.get("Content-Type"),
                    etag=response.headers.get("ETag"), last_modified=response.headers.get("Last-Modified"))

    def _read_body(self, url: str, response: requests.Response) -> bytes:
        deadline = self._deadline()
        limit = self._settings.max_bytes
        chunks: list[bytes] = []
        size = 0
        try:
            while chunk := response.raw.read1(CHUNK, decode_content=True):
                size += len(chunk)
                if size > limit:
                    raise FetchError(url, f"body larger than {limit} bytes")
                chunks.append(chunk)
                if deadline is not None and deadline.expired:
                    break
        except FetchError:
            raise
        except Exception as exc:  # requests, OSError and urllib3's own hierarchy (ProtocolError, DecodeError...)
            if deadline is not None and deadline.expired:
                raise self._too_slow(url) from exc
            raise FetchError(url, f"reading the body failed: {_short(exc)}") from exc
        finally:
            response.close()
        if deadline is not None and deadline.expired:  # a shut socket reads as a short, clean end
            raise self._too_slow(url)
        return b"".join(chunks)

    def _check_robots(self, url: str, access: Access) -> None:
        state = self._state(url)
        if state.robots is None or self._clock() > state.robots_until:
            state.robots, keep_for = self._load_robots(url, access)
            state.robots_until = self._clock() + keep_for
        if not state.robots.can_fetch(url, self._settings.user_agent):
            raise RobotsDisallowedError(url, "disallowed by robots.txt")

    def _load_robots(self, url: str, access: Access) -> tuple[Protego, float]:
        """The host's rules and how long to keep them."""
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            page = self._follow(robots_url, access, {})
        except BlockedDestinationError:
            raise
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return Protego.parse(""), ROBOTS_TTL
            if exc.status is None:
                # The host itself is unreachable: say so, rather than blame robots.txt.
                raise FetchError(url, f"robots.txt not reachable: {exc.reason}") from exc
            # RFC 9309: a robots.txt answering 5xx means "assume everything is disallowed", for a
            # while; a short while, so one bad minute on the server does not stop a host for an hour.
            log.warning("robots.txt unreachable for %s (%s): treating the host as disallowed for %.0fs",
                        parts.netloc, exc.reason, ROBOTS_RETRY)
            return Protego.parse("User-agent: *\nDisallow: /"), ROBOTS_RETRY
        if isinstance(page, NotModified):
            return Protego.parse(""), ROBOTS_TTL
        return Protego.parse(page.body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")), ROBOTS_TTL

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
                    "Accept-Encoding": _ACCEPT_ENCODING,
                })
                adapter = GuardedAdapter(access, self._deadlines)
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


def redirect_target(current: str, status: int, location: str | None) -> str:
    """Where a redirect from `current` leads; BlockedDestinationError for a scheme other than
    http(s) and for a step down from https to http, FetchError for a missing Location."""
    if not location or not location.strip():
        raise FetchError(current, f"HTTP {status} redirect without Location")
    target = urljoin(current, location.strip())
    _require_http(target)
    if urlsplit(current).scheme == "https" and urlsplit(target).scheme == "http":
        raise BlockedDestinationError(current, f"refused redirect from https to http ({target})")
    return target


def _require_decodable(url: str, response: requests.Response) -> None:
    header = response.headers.get("Content-Encoding", "")
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    unknown = [c for c in codings if c not in _DECODABLE]
    if unknown:
        response.close()
        raise FetchError(url, f"unsupported Content-Encoding {unknown[0]!r} (asked for {_ACCEPT_ENCODING})")


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
