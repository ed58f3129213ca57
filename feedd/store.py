"""SQLite state: stored items, per-URL fetch state, per-section poll state. All SQL lives here.

The store is the truth and the feeds are derived from it: a crash between storing and
publishing heals on the next poll, which renders from the store again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from feedd.errors import StoreError
from feedd.models import Article, Precision, StoredItem, Timestamp

SCHEMA_VERSION = 1
_PRECISIONS: dict[str, Precision] = {"day": "day", "minute": "minute", "second": "second"}
_TRACKING_PARAMS = ("utm_", "spm", "from", "fbclid", "gclid", "share_token", "scene", "sharer")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    section_key TEXT NOT NULL,
    item_id TEXT NOT NULL,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    published TEXT,
    precision TEXT,
    first_seen TEXT NOT NULL,
    sort_time TEXT NOT NULL,
    source TEXT,
    author TEXT,
    editor TEXT,
    summary TEXT NOT NULL,
    content_html TEXT NOT NULL,
    images TEXT NOT NULL,
    PRIMARY KEY (section_key, item_id)
);
CREATE INDEX IF NOT EXISTS items_by_time ON items (section_key, sort_time DESC, item_id);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_try TEXT,
    gone INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sections (
    key TEXT PRIMARY KEY,
    next_due TEXT,
    last_poll TEXT,
    last_success TEXT,
    last_error TEXT,
    failures INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class PageState:
    """What the store remembers about fetching one URL."""

    url: str
    etag: str | None
    last_modified: str | None
    failures: int
    last_error: str | None
    next_try: datetime | None
    gone: bool


@dataclass(frozen=True)
class SectionState:
    key: str
    next_due: datetime | None
    last_poll: datetime | None
    last_success: datetime | None
    last_error: str | None
    failures: int


def canonical_url(url: str) -> str:
    """The identity of a page: scheme and host lower-cased, default port, fragment and tracking
    parameters dropped, so the same article linked two ways is one item."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(_TRACKING_PARAMS)]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def item_id_for(url: str) -> str:
    """A stable, valid URI id for a feed item, derived from the canonical URL only."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, canonical_url(url))}"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _utc_key(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Store:
    """One SQLite file (WAL mode); safe to share between threads."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> Store:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from exc
        return cls(db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, params: Iterable[object] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"store query failed: {exc}") from exc

    # ------------------------------------------------------------ items

    def known_item_ids(self, section_key: str, item_ids: Iterable[str]) -> set[str]:
        wanted = list(item_ids)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            batch = wanted[start:start + 500]
            marks = ",".join("?" * len(batch))
            rows = self._run(f"SELECT item_id FROM items WHERE section_key=? AND item_id IN ({marks})",
                             [section_key, *batch])
            found.update(str(row[0]) for row in rows)
        return found

    def add_item(self, section_key: str, article: Article, first_seen: datetime) -> StoredItem:
        """Store an article once; a second add of the same URL keeps the first record."""
        item = StoredItem(
            item_id=item_id_for(article.url), url=article.url, title=article.title,
            published=article.published, first_seen=first_seen, source=article.source,
            author=article.author, editor=article.editor, summary=article.summary,
            content_html=article.content_html, images=article.images)
        published = item.published
        self._run(
            "INSERT OR IGNORE INTO items (section_key, item_id, url, title, published, precision, first_seen,"
            " sort_time, source, author, editor, summary, content_html, images)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [section_key, item.item_id, item.url, item.title,
             _iso(published.moment if published else None), published.precision if published else None,
             _iso(first_seen), _utc_key(item.effective_time), item.source, item.author, item.editor,
             item.summary, item.content_html, json.dumps(list(item.images))])
        return item

    def recent_items(self, section_key: str, limit: int) -> list[StoredItem]:
        """Newest first by published time (first-seen when unknown), ties broken by id."""
        rows = self._run(
            "SELECT item_id, url, title, published, precision, first_seen, source, author, editor, summary,"
            " content_html, images FROM items WHERE section_key=?"
            " ORDER BY sort_time DESC, item_id LIMIT ?", [section_key, limit])
        return [_item_from_row(row) for row in rows]

    def count_items(self, section_key: str) -> int:
        rows = self._run("SELECT COUNT(*) FROM items WHERE section_key=?", [section_key])
        return int(str(rows[0][0]))

    # ------------------------------------------------------------ pages

    def page_state(self, url: str) -> PageState | None:
        rows = self._run("SELECT url, etag, last_modified, failures, last_error, next_try, gone"
                         " FROM pages WHERE url=?", [canonical_url(url)])
        if not rows:
            return None
        url_, etag, modified, failures, error, next_try, gone = rows[0]
        return PageState(url=str(url_), etag=_opt(etag), last_modified=_opt(modified),
                         failures=int(str(failures)), last_error=_opt(error),
                         next_try=_parse(_opt(next_try)), gone=bool(gone))

    def record_page_success(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._run("INSERT INTO pages (url, etag, last_modified, failures, last_error, next_try, gone)"
                  " VALUES (?, ?, ?, 0, NULL, NULL, 0) ON CONFLICT(url) DO UPDATE SET etag=excluded.etag,"
                  " last_modified=excluded.last_modified, failures=0, last_error=NULL, next_try=NULL, gone=0",
                  [canonical_url(url), etag, last_modified])

    def record_page_failure(self, url: str, error: str, next_try: datetime | None, *,
                            gone: bool = False) -> None:
        self._run("INSERT INTO pages (url, failures, last_error, next_try, gone) VALUES (?, 1, ?, ?, ?)"
                  " ON CONFLICT(url) DO UPDATE SET failures=failures+1, last_error=excluded.last_error,"
                  " next_try=excluded.next_try, gone=excluded.gone",
                  [canonical_url(url), error, _iso(next_try), int(gone)])

    # ------------------------------------------------------------ sections

    def next_due(self, key: str) -> datetime | None:
        rows = self._run("SELECT next_due FROM sections WHERE key=?", [key])
        return _parse(_opt(rows[0][0])) if rows else None

    def set_next_due(self, key: str, when: datetime) -> None:
        self._run("INSERT INTO sections (key, next_due) VALUES (?, ?)"
                  " ON CONFLICT(key) DO UPDATE SET next_due=excluded.next_due", [key, _iso(when)])

    def failures_in_a_row(self, key: str) -> int:
        return self.section_state(key).failures

    def record_poll(self, key: str, at: datetime, error: str | None) -> None:
        if error is None:
            self._run("INSERT INTO sections (key, last_poll, last_success, last_error, failures)"
                      " VALUES (?, ?, ?, NULL, 0)"
                      " ON CONFLICT(key) DO UPDATE SET last_poll=excluded.last_poll,"
                      " last_success=excluded.last_success, last_error=NULL, failures=0",
                      [key, _iso(at), _iso(at)])
        else:
            self._run("INSERT INTO sections (key, last_poll, last_error, failures) VALUES (?, ?, ?, 1)"
                      " ON CONFLICT(key) DO UPDATE SET last_poll=excluded.last_poll,"
                      " last_error=excluded.last_error, failures=failures+1", [key, _iso(at), error])

    def section_state(self, key: str) -> SectionState:
        rows = self._run("SELECT next_due, last_poll, last_success, last_error, failures FROM sections"
                         " WHERE key=?", [key])
        if not rows:
            return SectionState(key, None, None, None, None, 0)
        due, poll, success, error, failures = rows[0]
        return SectionState(key=key, next_due=_parse(_opt(due)), last_poll=_parse(_opt(poll)),
                            last_success=_parse(_opt(success)), last_error=_opt(error),
                            failures=int(str(failures)))

    def integrity_ok(self) -> bool:
        rows = self._run("PRAGMA integrity_check")
        return bool(rows) and rows[0][0] == "ok"


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _item_from_row(row: tuple[object, ...]) -> StoredItem:
    item_id, url, title, published, precision, first_seen, source, author, editor, summary, html, images = row
    moment = _parse(_opt(published))
    stamp = None
    if moment is not None:
        stamp = Timestamp(moment, _PRECISIONS.get(str(precision), "second"))
    seen = _parse(str(first_seen))
    assert seen is not None
    return StoredItem(
        item_id=str(item_id), url=str(url), title=str(title), published=stamp, first_seen=seen,
        source=_opt(source), author=_opt(author), editor=_opt(editor), summary=str(summary),
        content_html=str(html), images=tuple(json.loads(str(images))))
