"""A news portal on 127.0.0.1 that replays real corpus pages, for end-to-end tests and the demo.

The portal grows between polls (`advance()`), answers conditional GETs with 304, serves one listing in GB18030
with the charset only in <meta> and one with no charset at all, has a robots.txt that forbids one linked path,
one article that fails once with 503, and logs every request so a test can see exactly what feedd asked for.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from tests.portal.pages import (
    ROBOTS_DISALLOWED_PREFIX,
    ROUNDS,
    STYLES,
    ArticleSpec,
    Catalogue,
    load_catalogue,
    render_listing,
)

log = logging.getLogger(__name__)

# Listing pages change only when a round adds articles; their Last-Modified moves an hour per such round.
_EPOCH = datetime(2024, 5, 22, 8, 0, tzinfo=UTC)
_ARTICLE_MODIFIED = datetime(2024, 5, 1, tzinfo=UTC)

ROBOTS_TXT = (
    "# 测试门户 robots.txt\n"
    "User-agent: *\n"
    f"Disallow: {ROBOTS_DISALLOWED_PREFIX}\n"
    "Disallow: /search/\n"
    "\n"
    "User-agent: BadBot\n"
    "Disallow: /\n"
)


@dataclass(frozen=True)
class LoggedRequest:
    round: int
    method: str
    path: str
    headers: dict[str, str]
    status: int

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    @property
    def conditional(self) -> bool:
        return self.header("If-None-Match") is not None or self.header("If-Modified-Since") is not None


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


def _http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def _not_modified(request_headers: dict[str, str], etag: str, modified: datetime) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since when both are sent."""
    lowered = {k.lower(): v for k, v in request_headers.items()}
    if "if-none-match" in lowered:
        tags = {t.strip().removeprefix("W/") for t in lowered["if-none-match"].split(",")}
        return etag in tags or "*" in tags
    if "if-modified-since" in lowered:
        try:
            since = parsedate_to_datetime(lowered["if-modified-since"])
        except (TypeError, ValueError):
            return False
        return since.tzinfo is not None and modified <= since
    return False


class Portal:
    """The portal's state: the round, the faults still to fire, and the request log. Thread-safe."""

    def __init__(self, corpus_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.catalogue: Catalogue = load_catalogue(corpus_dir)
        self._articles = self.catalogue.by_path()
        self._lock = threading.Lock()
        self._round = 1
        self._log: list[LoggedRequest] = []
        self._fail_once = {self.catalogue.flaky.path}
        self._gone: set[str] = set()
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ---- life cycle
    def start(self) -> Portal:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="portal", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Portal:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # ---- what tests use
    @property
    def origin(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def section_url(self, section: str) -> str:
        return self.url(f"/{section}/")

    @property
    def round(self) -> int:
        with self._lock:
            return self._round

    def advance(self) -> int:
        """Next round: the lists gain the articles of that round (none in the last one)."""
        with self._lock:
            if self._round >= ROUNDS:
                raise ValueError(f"the portal has only {ROUNDS} rounds")
            self._round += 1
            return self._round

    def take_down(self, path: str) -> None:
        """From now on this path answers 404, like a section the portal removed."""
        with self._lock:
            self._gone.add(path)

    def requests(self, round_: int | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self._log if round_ is None or r.round == round_]

    def listed(self, section: str, round_: int | None = None) -> tuple[ArticleSpec, ...]:
        """The section's fetchable main-list articles in a round (the current one by default)."""
        return self.catalogue.section(section, self.round if round_ is None else round_)

    # ---- serving
    def respond(self, method: str, target: str, headers: dict[str, str]) -> Response:
        path = urlsplit(target).path
        with self._lock:
            round_ = self._round
            response = self._route(path, headers, round_)
            self._log.append(LoggedRequest(round_, method, target, dict(headers), response.status))
        return response

    def _route(self, path: str, headers: dict[str, str], round_: int) -> Response:
        if path in self._gone:
            return _page_not_found()
        if path == "/robots.txt":
            return Response(200, ROBOTS_TXT.encode(), {"Content-Type": "text/plain; charset=utf-8"})
        section = path.strip("/")
        if section in STYLES and path in (f"/{section}/", f"/{section}/index.htm"):
            return self._listing(section, headers, round_)
        article = self._articles.get(path)
        if article is None:
            return _page_not_found()
        if path in self._fail_once:
            self._fail_once.discard(path)
            return Response(503, "<h1>503 服务暂时不可用</h1>".encode(), {"Retry-After": "0",
                                                                       "Content-Type": "text/html; charset=utf-8"})
        return self._article(article, headers)

    def _listing(self, section: str, headers: dict[str, str], round_: int) -> Response:
        page = render_listing(self.catalogue, section, round_, self.origin)
        changed_in = max(a.round_added for a in self.catalogue.section(section, round_))
        modified = _EPOCH + timedelta(hours=changed_in)
        validators = {"ETag": _etag(page.body), "Last-Modified": _http_date(modified), "Cache-Control": "max-age=60"}
        if _not_modified(headers, validators["ETag"], modified):
            return Response(304, b"", validators)
        return Response(200, page.body, {**validators, "Content-Type": page.content_type})

    def _article(self, article: ArticleSpec, headers: dict[str, str]) -> Response:
        body = article.file.read_bytes()
        validators = {"ETag": _etag(body), "Last-Modified": _http_date(_ARTICLE_MODIFIED)}
        if _not_modified(headers, validators["ETag"], _ARTICLE_MODIFIED):
            return Response(304, b"", validators)
        return Response(200, body, {**validators, "Content-Type": article.content_type})


def _page_not_found() -> Response:
    body = "<html><head><title>404</title></head><body><h1>您访问的页面不存在</h1></body></html>".encode()
    return Response(404, body, {"Content-Type": "text/html; charset=utf-8"})


def _handler_for(portal: Portal) -> type[BaseHTTPRequestHandler]:
    class PortalHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self) -> str:
            return "nginx"

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, send_body: bool) -> None:
            response = portal.respond(self.command, self.path, dict(self.headers.items()))
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.status != 304:
                self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if send_body and response.status != 304:
                self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("portal: " + format, *args)

    return PortalHandler
