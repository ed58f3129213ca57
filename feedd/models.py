"""Plain data passed between the pipeline stages. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

Precision = Literal["day", "minute", "second"]


@dataclass(frozen=True)
class Timestamp:
    """A published time as the page states it: an aware instant plus how precise the page was.

    A page that prints only a day yields precision "day"; `moment` is then midnight in the
    source's zone, which feeds need, while `isoformat()` reports just the date.
    """

    moment: datetime
    precision: Precision

    def __post_init__(self) -> None:
        if self.moment.tzinfo is None or self.moment.utcoffset() is None:
            raise ValueError("Timestamp needs an aware datetime")

    @property
    def day(self) -> date:
        return self.moment.date()

    def isoformat(self) -> str:
        if self.precision == "day":
            return self.moment.date().isoformat()
        return self.moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Page:
    """A fetched page: final URL after redirects, the raw bytes and the headers that matter."""

    url: str
    status: int
    body: bytes
    content_type: str | None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class NotModified:
    """The server answered 304 to a conditional request."""

    url: str


@dataclass(frozen=True)
class Link:
    """An article link found on a listing page, with the evidence for choosing it."""

    url: str
    title: str
    published: Timestamp | None = None
    container: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class Article:
    """What feedd reads off one article page."""

    url: str
    title: str
    published: Timestamp | None
    source: str | None
    author: str | None
    editor: str | None
    summary: str
    content_html: str
    content_text: str
    images: tuple[str, ...] = ()
    lang: str | None = None


@dataclass(frozen=True)
class StoredItem:
    """An article as the store keeps it: the feed's unit."""

    item_id: str
    url: str
    title: str
    published: Timestamp | None
    first_seen: datetime
    source: str | None
    author: str | None
    editor: str | None
    summary: str
    content_html: str
    images: tuple[str, ...] = ()

    @property
    def effective_time(self) -> datetime:
        """The time a feed shows: the published time, else when feedd first saw the link."""
        return self.published.moment if self.published is not None else self.first_seen


@dataclass(frozen=True)
class SectionReport:
    """The outcome of one poll of one section."""

    key: str
    listing_ok: bool
    not_modified: bool = False
    links_found: int = 0
    new_items: int = 0
    failed_articles: tuple[str, ...] = ()
    feeds_written: tuple[str, ...] = ()
    error: str | None = None
    messages: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class FeedMeta:
    """What a section's feeds say about themselves."""

    key: str  # "source/section"
    title: str  # e.g. "新华网 · 时政"
    description: str
    site_url: str  # the section page the feed is made from
    feed_base_url: str  # where <source>/<section>.{xml,atom,json} are served, ends with "/"
    language: str | None = None


@dataclass(frozen=True)
class SectionStatus:
    """One row of the index page: a section, its feeds, and how its last polls went."""

    key: str
    title: str
    site_url: str
    feed_paths: tuple[str, ...]  # relative to output_dir, e.g. ("xinhua/politics.xml", ...)
    last_success: datetime | None
    last_error: str | None
    item_count: int
