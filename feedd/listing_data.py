"""Article links from JSON: data embedded in a listing page, or a JSON endpoint configured by paths.

Pages rendered by scripts often ship an empty HTML list and the items as JSON (JSON-LD ItemList,
__NEXT_DATA__, initial-state scripts). The walk looks for the largest array of objects that carry a
URL-like key and a title-like key. A configured JSON listing (`listing: {type: json}`) instead names
the items array and the keys inside each item, and a wrong path is an error that names it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from lxml import etree

from feedd.config import ListingSpec
from feedd.dates import FUTURE_TOLERANCE, OLDEST_YEAR, parse_date
from feedd.discover_dom import absolute_link, same_site, text_units
from feedd.errors import DiscoverError
from feedd.models import Link, Timestamp

_URL_KEYS = ("url", "link", "href", "shareUrl", "share_url", "articleUrl", "article_url", "webUrl", "pcUrl",
             "permalink", "canonical_url", "canonicalUrl", "path")
_TITLE_KEYS = ("title", "headline", "name", "longTitle", "long_title", "shortTitle", "text")
DATE_KEYS = ("datePublished", "publishTime", "publish_time", "pubDate", "pub_date", "publishedAt",
            "published_at", "published", "date", "time", "ctime", "createTime", "create_time", "updateTime")
_STATE_ASSIGNMENT = re.compile(r"window\.__[A-Z_]+__\s*=\s*|window\.[A-Za-z_]*[Ss]tate\s*=\s*")
_MIN_ITEMS = 3
_HEADLINE_UNITS = 16  # as in the HTML: a Chinese headline of 8+ characters, a western one of 16+ letters
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
                if len(links) > len(best) and _headlines(links):
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
        # A JSON-LD @graph mixes kinds (WebPage, Article, Person, Organization): not a list of stories.
        kinds = {str(obj.get("@type")) for obj in objects if "@type" in obj}
        if len(objects) >= _MIN_ITEMS and len(kinds) <= 1:
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


def _headlines(links: list[Link]) -> bool:
    """Most titles are headline-long: menus, tags and author lists in the same JSON are not."""
    long_enough = sum(text_units(link.title) >= _HEADLINE_UNITS for link in links)
    return long_enough * 2 > len(links)


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


# ---------------------------------------------------------------- configured JSON listings

_JSONP = re.compile(r"^\s*(?:/\*.*?\*/\s*)?[A-Za-z_$][\w$.]*\s*\((?P<body>.*)\)\s*;?\s*$", re.DOTALL)
_ASSIGNMENT = re.compile(r"^\s*(?:var|let|const)?\s*[A-Za-z_$][\w$.]*\s*=\s*(?P<body>.*?)\s*;?\s*$", re.DOTALL)
_TAG = re.compile(r"<[A-Za-z/!][^>]*>")
_MAX_HINTS = 5


def links_from_json(text: str, base_url: str, spec: ListingSpec, *, zone: tzinfo, now: datetime,
                    max_links: int = 500) -> list[Link]:
    """The article links of a JSON (or JSONP) listing, in document order.

    `spec.items` is the dotted path to the items array ("" for the root; numeric parts index lists);
    `spec.link`, `spec.title` and `spec.time` are dotted paths inside each item. Without `spec.time`
    the usual date keys (publishTime, pubDate, ...) are tried. Items without an http(s) URL are skipped.
    """
    data = _load_json(text, base_url)
    items = _follow(data, spec.items, base_url)
    container = f"json:{spec.items}" if spec.items else "json:."
    links: list[Link] = []
    seen: set[str] = set()
    for item in items:
        link = _json_item_link(item, base_url, spec, container, zone, now)
        if link is None or link.url in seen:
            continue
        seen.add(link.url)
        links.append(link)
        if len(links) >= max_links:
            break
    if not links:
        keys = ", ".join(sorted(items[0])) if items and isinstance(items[0], dict) else "none"
        raise DiscoverError(f"no article links in the JSON listing {base_url}: none of the {len(items)} items "
                            f"under {spec.items or '(root)'!r} has an http(s) URL at {spec.link!r} "
                            f"(keys of the first item: {keys})")
    return links


def _load_json(text: str, base_url: str) -> object:
    cleaned = text.lstrip("\ufeff").strip()
    candidates = [cleaned]
    for wrapper in (_JSONP, _ASSIGNMENT):
        match = wrapper.match(cleaned)
        if match is not None:
            candidates.append(match.group("body"))
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):
            continue
    raise DiscoverError(f"the listing {base_url} is not JSON (nor JSONP): starts with {cleaned[:40]!r}")


def _follow(data: object, path: str, base_url: str) -> list[object]:
    """The list at the dotted `path`; DiscoverError naming the path when it is missing or not a list."""
    value = data
    walked: list[str] = []
    for part in path.split(".") if path else []:
        step = _step(value, part)
        if step is None:
            where = ".".join(walked) or "(root)"
            raise DiscoverError(f"no items in the JSON listing {base_url}: path {path!r} has no {part!r} "
                                f"under {where} ({_describe(value)})")
        value = step
        walked.append(part)
    if not isinstance(value, list):
        hints = ", ".join(_list_paths(value, path, 0)[:_MAX_HINTS]) or "none"
        raise DiscoverError(f"no items in the JSON listing {base_url}: path {path or '(root)'!r} is "
                            f"{_describe(value)}, not a list (lists found at: {hints})")
    if not value:
        raise DiscoverError(f"no article links in the JSON listing {base_url}: the list at "
                            f"{path or '(root)'!r} is empty")
    return value


def _step(value: object, part: str) -> object | None:
    if isinstance(value, dict):
        return value.get(part)
    if isinstance(value, list) and re.fullmatch(r"-?\d+", part):
        index = int(part)
        return value[index] if -len(value) <= index < len(value) else None
    return None


def _lookup(item: object, path: str) -> object | None:
    value: object | None = item
    for part in path.split("."):
        value = _step(value, part)
        if value is None:
            return None
    return value


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return f"an object with keys {', '.join(sorted(value)[:12]) or 'none'}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"a {type(value).__name__}"


def _list_paths(value: object, prefix: str, depth: int) -> list[str]:
    """Dotted paths of the non-empty lists below `value` (through first items), for an error message."""
    if depth > 6:
        return []
    if isinstance(value, list):
        return _list_paths(value[0], f"{prefix}.0" if prefix else "0", depth + 1) if value else []
    if not isinstance(value, dict):
        return []
    found: list[str] = []
    for key, child in value.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(child, list) and child:
            found.append(path)
        found.extend(_list_paths(child, path, depth + 1))
    return found


def _json_item_link(item: object, base_url: str, spec: ListingSpec, container: str, zone: tzinfo,
                    now: datetime) -> Link | None:
    raw_url = _lookup(item, spec.link)
    url = absolute_link(raw_url, base_url) if isinstance(raw_url, str) else None
    if url is None:
        return None
    raw_title = _lookup(item, spec.title)
    title = plain_text(str(raw_title)) if isinstance(raw_title, str | int | float) else ""
    if spec.time is not None:
        published = timestamp_of(_lookup(item, spec.time), zone, now)
    else:
        published = published_of(item, zone, now) if isinstance(item, dict) else None
    return Link(url=url, title=title, published=published, container=container, score=1.0)


def plain_text(value: str) -> str:
    """A title as plain text: markup dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub("", value)).split())
