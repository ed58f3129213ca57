"""Article links from data embedded in a listing page: JSON-LD ItemList, __NEXT_DATA__, initial-state scripts.

Pages rendered by scripts often ship an empty HTML list and the items as JSON. The walk looks for the
largest array of objects that carry a URL-like key and a title-like key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from lxml import etree

from feedd.dates import FUTURE_TOLERANCE, OLDEST_YEAR, parse_date
from feedd.discover_dom import absolute_link, same_site
from feedd.models import Link, Timestamp

_URL_KEYS = ("url", "link", "href", "shareUrl", "share_url", "articleUrl", "article_url", "webUrl", "pcUrl",
             "permalink", "canonical_url", "canonicalUrl", "path")
_TITLE_KEYS = ("title", "headline", "name", "longTitle", "long_title", "shortTitle", "text")
DATE_KEYS = ("datePublished", "publishTime", "publish_time", "pubDate", "pub_date", "publishedAt",
              "published_at", "published", "date", "time", "ctime", "createTime", "create_time", "updateTime")
_STATE_ASSIGNMENT = re.compile(r"window\.__[A-Z_]+__\s*=\s*|window\.[A-Za-z_]*[Ss]tate\s*=\s*")
_MIN_ITEMS = 3
_MAX_DEPTH = 40
_EPOCH_MS_THRESHOLD = 10_000_000_000


@dataclass(frozen=True)
class ScriptText:
    """A script's text and how the page declared it."""

    kind: str  # "ld+json", "next", "state"
    text: str


def script_texts(root: etree._Element) -> list[ScriptText]:
    """The scripts that may hold listing data; read before scripts are dropped from the tree."""
    found: list[ScriptText] = []
    for script in root.iter("script"):
        text = script.text or ""
        kind = (script.get("type") or "").lower()
        if kind == "application/ld+json":
            found.append(ScriptText("ld+json", text))
        elif script.get("id") == "__NEXT_DATA__" or kind == "application/json":
            found.append(ScriptText("next", text))
        elif _STATE_ASSIGNMENT.search(text):
            found.append(ScriptText("state", text))
    return found


def embedded_links(scripts: list[ScriptText], base: str, site: str, zone: tzinfo,
                   now: datetime) -> list[Link]:
    """The biggest list of same-site article links found in the scripts' JSON, or [] when none."""
    best: list[Link] = []
    for script in scripts:
        for data in _json_values(script):
            for array in _object_arrays(data, 0):
                links = _links_from(array, base, site, zone, now)
                if len(links) > len(best):
                    best = links
    return best if len(best) >= _MIN_ITEMS else []


def _json_values(script: ScriptText) -> Iterator[object]:
    text = script.text.strip()
    if script.kind in ("ld+json", "next"):
        try:
            yield json.loads(text)
        except ValueError:
            return
        return
    decoder = json.JSONDecoder()
    for match in _STATE_ASSIGNMENT.finditer(text):
        try:
            value, _ = decoder.raw_decode(text, match.end())
        except ValueError:
            continue
        yield value


def _object_arrays(data: object, depth: int) -> Iterator[list[dict[str, object]]]:
    """Every array of objects in the JSON tree (JSON-LD ListItems unwrapped to their items)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(data, list):
        objects = [_unwrap_list_item(value) for value in data if isinstance(value, dict)]
        if len(objects) >= _MIN_ITEMS:
            yield objects
        for value in data:
            yield from _object_arrays(value, depth + 1)
    elif isinstance(data, dict):
        for value in data.values():
            yield from _object_arrays(value, depth + 1)


def _unwrap_list_item(value: dict[str, object]) -> dict[str, object]:
    item = value.get("item")
    if value.get("@type") == "ListItem" and isinstance(item, dict):
        merged = dict(item)
        for key in ("url", "name"):
            if key in value and key not in merged:
                merged[key] = value[key]
        return merged
    return value


def _links_from(array: list[dict[str, object]], base: str, site: str, zone: tzinfo,
                now: datetime) -> list[Link]:
    links: list[Link] = []
    seen: set[str] = set()
    for obj in array:
        url = absolute_link(_first_string(obj, _URL_KEYS), base)
        title = _first_string(obj, _TITLE_KEYS)
        if url is None or not title or url in seen or not same_site(url, site):
            continue
        seen.add(url)
        links.append(Link(url=url, title=" ".join(title.split()), published=published_of(obj, zone, now),
                          container="script", score=0.0))
    return links


def _first_string(obj: dict[str, object], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def published_of(obj: dict[str, object], zone: tzinfo, now: datetime) -> Timestamp | None:
    """The first readable time under one of the usual date keys of a JSON item; None when absent."""
    for key in DATE_KEYS:
        found = timestamp_of(obj.get(key), zone, now)
        if found is not None:
            return found
    return None


def timestamp_of(value: object, zone: tzinfo, now: datetime) -> Timestamp | None:
    """A JSON value as a published time: a date string, or unix seconds or milliseconds as a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value > 0:
        seconds = value / 1000 if value > _EPOCH_MS_THRESHOLD else value
        try:
            moment = datetime.fromtimestamp(seconds, UTC).astimezone(zone)
        except (OverflowError, OSError, ValueError):
            return None
        latest = (now if now.tzinfo is not None else now.replace(tzinfo=UTC)) + FUTURE_TOLERANCE
        # Small numbers are ids or counters, not times.
        if moment.year < OLDEST_YEAR or moment > latest:
            return None
        return Timestamp(moment=moment, precision="second")
    if isinstance(value, str) and value.strip():
        return parse_date(value, zone, now)
    return None
