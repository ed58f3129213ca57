"""Stored items to feed bytes: RSS 2.0, Atom 1.0 and JSON Feed 1.1.

The only module that imports feedgen. Same input, same bytes: no clock is read, so a
feed file changes only when its items do and web servers' ETags stay valid.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal
from urllib.parse import quote, urljoin, urlsplit

import lxml.html
from feedgen.feed import FeedGenerator
from lxml import etree

from feedd.errors import RenderError
from feedd.models import FeedMeta, StoredItem
from feedd.sanitize import strip_xml_invalid

log = logging.getLogger(__name__)

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# An empty feed still needs lastBuildDate/updated; a fixed instant keeps it stable.
# 2000 rather than 1970 because validators flag dates before 1990 as implausible.
EMPTY_FEED_TIME = datetime(2000, 1, 1, tzinfo=UTC)
GENERATOR = "feedd"
# Characters RFC 2396 lets through unescaped; everything else (spaces, CJK, brackets) is
# percent-encoded so validators and strict readers accept the link.
_URI_SAFE = ";/?:@&=+$,-_.!~*'()%#"
_TITLE_FALLBACK_CHARS = 80
_DECODING_DEBRIS = re.compile("[\x80-\x9f\ufffd]")
# feedgen formats RSS dates by saving the process locale, switching to "C" and restoring it.
# Two sections rendering at once on poll threads could restore each other's "C" for good;
# this lock only serialises that swap, it guards no data.
_FEEDGEN_LOCALE_LOCK = threading.Lock()
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")

Flavour = Literal["rss", "atom"]


@dataclass(frozen=True)
class RenderedFeeds:
    rss: bytes
    atom: bytes
    json: bytes


@dataclass(frozen=True)
class _Entry:
    """One item cleaned for output: XML-safe text, absolute links, normalised times."""

    item_id: str
    url: str
    title: str
    summary: str
    content_html: str
    author: str | None
    source: str | None
    editor: str | None
    time: datetime


def render_feeds(meta: FeedMeta, items: Sequence[StoredItem]) -> RenderedFeeds:
    """Render one section's items (already newest first and cut) in all three formats."""
    entries = [_prepare(meta, item) for item in items]
    updated = max((entry.time for entry in entries), default=EMPTY_FEED_TIME)
    try:
        with _FEEDGEN_LOCALE_LOCK:
            rss = _generator(meta, entries, updated, "rss").rss_str(pretty=True)
        atom = _generator(meta, entries, updated, "atom").atom_str(pretty=True)
    except (ValueError, TypeError, etree.LxmlError) as error:
        raise RenderError(f"{meta.key}: feedgen refused the feed: {error}") from error
    return RenderedFeeds(rss=rss, atom=atom, json=_json_feed(meta, entries, updated))


def feed_url(meta: FeedMeta, extension: str) -> str:
    """Where the section's feed in one format is served, e.g. extension 'xml'."""
    return safe_uri(f"{meta.feed_base_url}{meta.key}.{extension}")


def safe_uri(url: str) -> str:
    """Percent-encode what RFC 2396 does not allow in a URI (IRIs, spaces, brackets)."""
    return quote(_text(url).strip(), safe=_URI_SAFE)


def _prepare(meta: FeedMeta, item: StoredItem) -> _Entry:
    url = safe_uri(item.url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RenderError(f"{meta.key}: item {item.item_id!r} has no absolute http(s) URL: {item.url!r}")
    item_id = _text(item.item_id).strip()
    if not item_id:
        raise RenderError(f"{meta.key}: item with URL {url} has an empty id")
    summary = _text(item.summary).strip()
    title = _text(item.title).strip() or summary[:_TITLE_FALLBACK_CHARS] or url
    byline = _byline_html(item, meta.language)
    content = _absolute_links(_text(item.content_html), url)
    return _Entry(
        item_id=item_id,
        url=url,
        title=title,
        summary=summary,
        content_html=byline + content,
        author=_optional(item.author),
        source=_optional(item.source),
        editor=_optional(item.editor),
        time=_wire_time(item.effective_time, meta.key, item.item_id),
    )


def _text(value: str) -> str:
    # C1 controls and U+FFFD are legal XML but only ever mark a decoding accident; the W3C
    # validator warns about them, and readers show them as boxes.
    return _DECODING_DEBRIS.sub("", strip_xml_invalid(value))


def _optional(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = _text(value).strip()
    return cleaned or None


def _wire_time(moment: datetime, key: str, item_id: str) -> datetime:
    """Whole seconds and a whole-minute offset, keeping the source's own offset where possible.

    Historic zone rules (LMT) give offsets like +08:05:43 that neither RFC 822 nor RFC 3339
    can write; those instants are written in UTC instead.
    """
    if moment.year < 1000:
        raise RenderError(f"{key}: item {item_id!r} has an unwritable year {moment.year}")
    offset = moment.utcoffset() or timedelta(0)
    moment = moment.replace(microsecond=0)
    if offset % timedelta(minutes=1):
        return moment.astimezone(UTC)
    return moment.astimezone(timezone(offset))


def _rss_time(moment: datetime) -> datetime:
    """RSS readers and the W3C validator expect offsets in whole half hours (+0800, +0530)."""
    offset = moment.utcoffset() or timedelta(0)
    if offset % timedelta(minutes=30):
        return moment.astimezone(UTC)
    return moment


def _byline_html(item: StoredItem, language: str | None) -> str:
    """A first paragraph naming source, author and editor, because RSS has no field that
    readers show for a publishing agency ("来源：新华社") and Chinese readers expect it."""
    if language is not None:
        chinese = language.lower().startswith("zh")
    else:
        chinese = bool(_CJK.search(item.title + (item.source or "") + (item.author or "")))
    labels = ("来源：", "作者：", "编辑：") if chinese else ("Source: ", "Author: ", "Editor: ")
    separator = "\u3000" if chinese else " | "
    values = (_optional(item.source), _optional(item.author), _optional(item.editor))
    parts = [
        f"{label}{html.escape(value, quote=False)}"
        for label, value in zip(labels, values, strict=True)
        if value is not None
    ]
    if not parts:
        return ""
    return '<p class="feedd-byline">' + separator.join(parts) + "</p>"


def _absolute_links(fragment: str, base_url: str) -> str:
    """Resolve relative href/src against the article URL: feeds are read away from the page."""
    if "href" not in fragment and "src" not in fragment:
        return fragment
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError) as error:
        log.warning("content of %s not re-parsed for links: %s", base_url, error)
        return fragment
    # The sanitiser lets URLs through only in <a href> and <img src>.
    for element in root.iter("a", "img"):
        attribute = "href" if element.tag == "a" else "src"
        value = element.get(attribute)
        if value is None:
            continue
        value = value.strip()
        if not _ABSOLUTE.match(value):
            value = urljoin(base_url, value)
        element.set(attribute, safe_uri(value))
    serialised = etree.tostring(root, encoding="unicode", method="html")
    inner = serialised[len("<div>"):-len("</div>")]
    return _text(inner)


def _generator(meta: FeedMeta, entries: Sequence[_Entry], updated: datetime, flavour: Flavour) -> Any:
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    self_url = feed_url(meta, "xml" if flavour == "rss" else "atom")
    generator.id(self_url)
    generator.title(_text(meta.title).strip() or meta.key)
    generator.subtitle(_text(meta.description).strip() or _text(meta.title).strip() or meta.key)
    # feedgen makes the last link() the RSS channel link, so the page goes last.
    generator.link(href=self_url, rel="self", type=_media_type(flavour))
    generator.link(href=safe_uri(meta.site_url), rel="alternate")
    # Atom needs an author for entries that have none; the section itself is the honest one.
    generator.author({"name": _text(meta.title).strip() or meta.key})
    generator.generator(GENERATOR)
    if meta.language:
        generator.language(meta.language)
    generator.updated(_rss_time(updated) if flavour == "rss" else updated)
    for entry in entries:
        _add_entry(generator, entry, flavour)
    return generator


def _media_type(flavour: Flavour) -> str:
    return "application/rss+xml" if flavour == "rss" else "application/atom+xml"


def _add_entry(generator: Any, entry: _Entry, flavour: Flavour) -> None:
    feed_entry = generator.add_entry(order="append")
    feed_entry.id(entry.item_id)
    feed_entry.guid(entry.item_id, permalink=False)
    feed_entry.title(entry.title)
    feed_entry.link(href=entry.url, rel="alternate")
    moment = _rss_time(entry.time) if flavour == "rss" else entry.time
    feed_entry.published(moment)
    feed_entry.updated(moment)
    if entry.summary:
        # Escaped once more: RSS readers treat description as HTML, and a plain-text
        # summary that mentions "<script>" must stay text.
        feed_entry.summary(html.escape(entry.summary, quote=False), type="html")
    if entry.content_html.strip():
        feed_entry.content(entry.content_html, type="html")
    elif not entry.summary:
        # RSS needs a description or title; Atom wants content or summary for readers.
        feed_entry.summary(html.escape(entry.title, quote=False), type="html")
    if entry.author:
        if flavour == "rss":
            feed_entry.dc.dc_creator(entry.author)
        else:
            feed_entry.author({"name": entry.author})


def _json_feed(meta: FeedMeta, entries: Sequence[_Entry], updated: datetime) -> bytes:
    title = _text(meta.title).strip() or meta.key
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": safe_uri(meta.site_url),
        "feed_url": feed_url(meta, "json"),
        "description": _text(meta.description).strip() or title,
        "authors": [{"name": title}],
    }
    if meta.language:
        document["language"] = meta.language
    document["_feedd"] = {"updated": updated.isoformat()}
    document["items"] = [_json_item(entry) for entry in entries]
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def _json_item(entry: _Entry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.item_id,
        "url": entry.url,
        "title": entry.title,
        "content_html": entry.content_html or html.escape(entry.summary or entry.title, quote=False),
    }
    if entry.summary:
        item["summary"] = entry.summary
    item["date_published"] = entry.time.isoformat()
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    extension = {key: value for key, value in (("source", entry.source), ("editor", entry.editor)) if value}
    if extension:
        item["_feedd"] = extension
    return item
