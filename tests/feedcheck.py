"""Checks for feed files feedd wrote, shared by the render tests and the end-to-end replay test.

- parse_with_feedparser: what most Python readers see; fails on a bozo feed.
- parse_strict_xml: a non-recovering XML parser; fails on anything not well-formed.
- check_json_feed: JSON Feed 1.1 required fields, absolute URLs, RFC 3339 dates, unique ids.
- check_w3c_rules: the W3C Feed Validation Service rules that matter for feedd's output,
  re-implemented (the service itself is not reachable from tests): required elements,
  RFC 822 / RFC 3339 dates, unique ids, self links, id URIs, absolute links in content,
  unsafe markup. Returns a list of problems, empty when the feed is clean.
- newsboat_read: a real terminal reader, run headless; its exit code is 0 even on
  errors, so the log and output are read instead.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"

# RFC 822 as the validator wants it written: day name, 4-digit year, single spaces, and a
# numeric offset in whole half hours or a US zone name.
_RFC822 = re.compile(
    r"^(?P<dow>Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d(:\d\d)? ([+-]\d\d[03]0|UT|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|Z)$"
)
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_URI_CHARS = re.compile(r"^[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,#\[\]]+$")
_FULL_URI = re.compile(r"^[A-Za-z][0-9A-Za-z+.\-]*:")
_URN = re.compile(r"^urn:[A-Za-z0-9][A-Za-z0-9-]{1,31}:([A-Za-z0-9()+,.:=@;$_!*'\-]|%[0-9A-Fa-f]{2})+$",
                  re.IGNORECASE)
_TAG = re.compile(r"^tag:([a-z0-9\-._]+@)?[a-z0-9.\-]+,\d{4}(-\d\d(-\d\d)?)?:[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,]*"
                  r"(#[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,]*)?$")
_UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_HTML_END_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9]*)>")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_EMAIL = re.compile(r"^[A-Za-z0-9_\-+.']+@([A-Za-z0-9\-]+\.)+[A-Za-z0-9][A-Za-z0-9\-]*( \(.*\))?$")
_UNSAFE_TAGS = frozenset({"script", "meta", "embed", "object", "iframe", "frame", "frameset", "applet",
                          "link", "style", "form", "input", "button", "base"})
_COMMON_HTML_TAGS = frozenset({"a", "b", "i", "p", "div", "span", "em", "strong", "script", "img", "br",
                               "table", "tr", "td", "ul", "ol", "li", "h1", "h2", "h3", "font", "u"})
_DEBRIS = re.compile("[\x80-\x9f\ufffd]")
_EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)


def parse_with_feedparser(path: Path) -> Any:
    """Parse with feedparser and fail the test if it had to guess (bozo)."""
    result = feedparser.parse(Path(path).read_bytes())
    assert not result.bozo, f"{path}: feedparser bozo: {result.get('bozo_exception')!r}"
    return result


def parse_strict_xml(path: Path) -> etree._Element:
    """Parse with a non-recovering XML parser that fetches nothing and expands no entities."""
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(Path(path).read_bytes(), parser)


def check_w3c_rules(path: Path) -> list[str]:
    """Problems the W3C feed validator would report (errors and warnings) for RSS 2.0 or Atom."""
    try:
        root = parse_strict_xml(path)
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    problems = _bad_characters(root)
    if root.tag == "rss":
        return problems + _check_rss(root)
    if root.tag == f"{{{ATOM}}}feed":
        return problems + _check_atom(root)
    return [*problems, f"unknown root element {root.tag!r}"]


def _bad_characters(root: etree._Element) -> list[str]:
    """C1 controls and U+FFFD: well-formed XML, but the validator flags them as decoding debris."""
    problems = []
    for element in root.iter():
        texts = [element.text or "", *element.attrib.values()]
        if any(_DEBRIS.search(text) for text in texts):
            problems.append(f"<{etree.QName(element).localname}> holds C1 control or U+FFFD characters")
    return problems


# ---------------------------------------------------------------------------------------- RSS


def _check_rss(root: etree._Element) -> list[str]:
    problems: list[str] = []
    if root.get("version") != "2.0":
        problems.append(f"rss version is {root.get('version')!r}, not '2.0'")
    channels = root.findall("channel")
    if len(channels) != 1:
        return [*problems, f"rss must hold exactly one channel, found {len(channels)}"]
    channel = channels[0]
    for name in ("title", "link", "description"):
        problems += _required_once(channel, name, "channel")
    problems += _full_uri(channel.findtext("link"), "channel/link")
    problems += _self_link(channel, "channel", "application/rss+xml")
    for name in ("lastBuildDate", "pubDate"):
        problems += _no_duplicates(channel, name, "channel")
        value = channel.findtext(name)
        if value is not None:
            problems += _rfc822(value, f"channel/{name}")
    language = channel.findtext("language")
    if language is not None and not _LANGUAGE.match(language):
        problems.append(f"channel/language {language!r} is not a language code")
    guids: set[str] = set()
    for index, item in enumerate(channel.findall("item")):
        problems += _check_rss_item(item, f"item[{index}]", guids)
    return problems


def _check_rss_item(item: etree._Element, where: str, guids: set[str]) -> list[str]:
    problems: list[str] = []
    for name in ("title", "link", "description", "guid", "pubDate", f"{{{CONTENT}}}encoded"):
        problems += _no_duplicates(item, name, where)
    title, description = item.findtext("title"), item.findtext("description")
    if not (title or "").strip() and not (description or "").strip():
        problems.append(f"{where}: needs a title or a description")
    if title is not None:
        problems += _no_html_in_text(title, f"{where}/title")
    if item.find("link") is not None:
        problems += _full_uri(item.findtext("link"), f"{where}/link")
    problems += _check_guid(item.find("guid"), where, guids)
    pub_date = item.findtext("pubDate")
    if pub_date is not None:
        problems += _rfc822(pub_date, f"{where}/pubDate")
    for author in item.findall("author"):
        if not _EMAIL.match((author.text or "").strip()):
            problems.append(f"{where}/author {author.text!r} is not an e-mail address (use dc:creator)")
    if description is not None:
        problems += _safe_html(description, f"{where}/description")
    encoded = item.findtext(f"{{{CONTENT}}}encoded")
    if encoded is not None:
        problems += _safe_html(encoded, f"{where}/content:encoded")
    return problems


def _check_guid(guid: etree._Element | None, where: str, seen: set[str]) -> list[str]:
    if guid is None:
        return [f"{where}: missing guid"]
    value = (guid.text or "").strip()
    if not value:
        return [f"{where}/guid is blank"]
    problems = []
    if value in seen:
        problems.append(f"{where}/guid {value!r} repeats an earlier item's guid")
    seen.add(value)
    if guid.get("isPermaLink", "true") == "true":
        problems += _full_uri(value, f"{where}/guid (isPermaLink)")
    return problems


# --------------------------------------------------------------------------------------- Atom


def _atom(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _check_atom(feed: etree._Element) -> list[str]:
    problems: list[str] = []
    for name in ("id", "title", "updated"):
        problems += _required_once(feed, _atom(name), "feed")
    problems += _id_uri(feed.findtext(_atom("id")), "feed/id")
    problems += _rfc3339(feed.findtext(_atom("updated")), "feed/updated")
    problems += _self_link(feed, "feed", "application/atom+xml")
    problems += _atom_links(feed, "feed")
    feed_has_author = _has_author(feed, "feed", problems)
    ids: set[str] = set()
    for index, entry in enumerate(feed.findall(_atom("entry"))):
        where = f"entry[{index}]"
        problems += _check_atom_entry(entry, where, ids)
        if not _has_author(entry, where, problems) and not feed_has_author:
            problems.append(f"{where}: no author and the feed has none")
    return problems


def _check_atom_entry(entry: etree._Element, where: str, ids: set[str]) -> list[str]:
    problems: list[str] = []
    for name in ("id", "title", "updated"):
        problems += _required_once(entry, _atom(name), where)
    for name in ("published", "content", "summary"):
        problems += _no_duplicates(entry, _atom(name), where)
    entry_id = (entry.findtext(_atom("id")) or "").strip()
    problems += _id_uri(entry_id, f"{where}/id")
    if entry_id in ids:
        problems.append(f"{where}/id {entry_id!r} repeats an earlier entry's id")
    ids.add(entry_id)
    problems += _rfc3339(entry.findtext(_atom("updated")), f"{where}/updated")
    if entry.find(_atom("published")) is not None:
        problems += _rfc3339(entry.findtext(_atom("published")), f"{where}/published")
    problems += _atom_links(entry, where)
    alternates = [link for link in entry.findall(_atom("link")) if link.get("rel", "alternate") == "alternate"]
    if not alternates and entry.find(_atom("content")) is None:
        problems.append(f"{where}: needs an alternate link or content")
    for name in ("title", "summary", "content"):
        element = entry.find(_atom(name))
        if element is not None:
            problems += _atom_text(element, f"{where}/{name}")
    return problems


def _atom_text(element: etree._Element, where: str) -> list[str]:
    kind = element.get("type", "text")
    if kind == "html":
        return _safe_html(element.text or "", where)
    if kind == "text":
        return []
    if kind == "xhtml":
        return [] if element.find("{http://www.w3.org/1999/xhtml}div") is not None else [
            f"{where}: xhtml content needs a single xhtml:div"]
    return [f"{where}: type {kind!r} is not text, html or xhtml"]


def _atom_links(parent: etree._Element, where: str) -> list[str]:
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for link in parent.findall(_atom("link")):
        href = link.get("href")
        if not href:
            problems.append(f"{where}/link without href")
            continue
        problems += _full_uri(href, f"{where}/link[@href]")
        key = (link.get("rel", "alternate"), link.get("type", ""), link.get("hreflang", ""))
        if key[0] == "alternate" and key in seen:
            problems.append(f"{where}: two alternate links with the same type and hreflang")
        seen.add(key)
    return problems


def _has_author(parent: etree._Element, where: str, problems: list[str]) -> bool:
    authors = parent.findall(_atom("author"))
    for author in authors:
        if not (author.findtext(_atom("name")) or "").strip():
            problems.append(f"{where}/author without a name")
    return bool(authors)


# ------------------------------------------------------------------------------------- shared


def _required_once(parent: etree._Element, name: str, where: str) -> list[str]:
    found = parent.findall(name)
    short = name.rsplit("}", 1)[-1]
    if not found:
        return [f"{where}: missing {short}"]
    if len(found) > 1:
        return [f"{where}: {short} appears {len(found)} times"]
    if not (found[0].text or "").strip():
        return [f"{where}/{short} is blank"]
    return []


def _no_duplicates(parent: etree._Element, name: str, where: str) -> list[str]:
    count = len(parent.findall(name))
    return [f"{where}: {name.rsplit('}', 1)[-1]} appears {count} times"] if count > 1 else []


def _self_link(parent: etree._Element, where: str, media_type: str) -> list[str]:
    links = [link for link in parent.findall(_atom("link")) if link.get("rel") == "self"]
    if not links:
        return [f"{where}: missing atom:link rel='self'"]
    problems = _full_uri(links[0].get("href"), f"{where}/atom:link[@rel=self]")
    if links[0].get("type") not in (None, media_type):
        problems.append(f"{where}: self link type {links[0].get('type')!r} is not {media_type}")
    return problems


def _uri_problem(value: str) -> str | None:
    scheme = value.split(":", 1)[0].lower()
    if scheme == "tag":
        return None if _TAG.match(value) else "is not a valid tag: URI"
    if scheme == "urn":
        if value.lower().startswith("urn:uuid:"):
            return None if _UUID_URN.match(value) else "is not a valid urn:uuid"
        return None if _URN.match(value) else "is not a valid URN"
    if not _FULL_URI.match(value):
        return "is not an absolute URI"
    if not _URI_CHARS.match(value):
        return "holds characters a URI cannot (percent-encode them)"
    if scheme in ("http", "https") and not re.match(r"^[A-Za-z]+://[^/]", value):
        return "has no host"
    return None


def _full_uri(value: object, where: str) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return [f"{where} is missing or blank"]
    problem = _uri_problem(value.strip())
    return [f"{where} {value!r} {problem}"] if problem else []


def _id_uri(value: str | None, where: str) -> list[str]:
    return _full_uri(value, where)


def _plausible(moment: datetime, where: str, raw: str) -> list[str]:
    if moment < _EARLIEST_PLAUSIBLE or moment > datetime.now(UTC) + timedelta(minutes=10):
        return [f"{where} {raw!r} is an implausible date"]
    return []


def _rfc822(value: str, where: str) -> list[str]:
    match = _RFC822.match(value)
    if not match:
        return [f"{where} {value!r} is not an RFC 822 date with a 4-digit year and numeric offset"]
    moment = email.utils.parsedate_to_datetime(value)
    if moment.strftime("%a") != match["dow"]:
        return [f"{where} {value!r} names the wrong day of the week"]
    return _plausible(moment, where, value)


def _rfc3339(value: str | None, where: str) -> list[str]:
    if value is None or not _RFC3339.match(value):
        return [f"{where} {value!r} is not an RFC 3339 date-time with an offset"]
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        return [f"{where} {value!r}: {error}"]
    return _plausible(moment, where, value)


def _no_html_in_text(value: str, where: str) -> list[str]:
    tags = [tag for tag in _HTML_END_TAG.findall(value) if tag.lower() in _COMMON_HTML_TAGS]
    return [f"{where} seems to hold HTML (</{tags[0]}>)"] if tags else []


def _safe_html(fragment: str, where: str) -> list[str]:
    if not fragment.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError) as error:
        return [f"{where}: HTML does not parse: {error}"]
    problems: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag in _UNSAFE_TAGS:
            problems.append(f"{where}: contains unsafe <{tag}>")
        for attribute, value in element.attrib.items():
            problems += _attribute_problems(tag, attribute.lower(), value, where)
    return problems


def _attribute_problems(tag: str, attribute: str, value: str, where: str) -> list[str]:
    if attribute.startswith("on"):
        return [f"{where}: <{tag}> has event handler {attribute}"]
    if attribute == "style" and re.search(r"expression|url\s*\(|javascript", value, re.IGNORECASE):
        return [f"{where}: <{tag}> has a dangerous style"]
    if (tag, attribute) in (("a", "href"), ("img", "src")):
        reference = value.strip()
        if reference.lower().startswith(("javascript:", "vbscript:", "data:text")):
            return [f"{where}: <{tag} {attribute}> uses a script URL"]
        if not _FULL_URI.match(reference):
            return [f"{where}: <{tag} {attribute}={reference!r}> is a relative reference"]
    return []


# ---------------------------------------------------------------------------------- JSON Feed


def check_json_feed(path: Path) -> list[str]:
    """Problems with a JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/)."""
    try:
        document = json.loads(Path(path).read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return [f"not UTF-8 JSON: {error}"]
    if not isinstance(document, dict):
        return ["top level is not an object"]
    problems: list[str] = []
    if document.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version is {document.get('version')!r}")
    if not isinstance(document.get("title"), str) or not document["title"].strip():
        problems.append("missing title")
    for key in ("home_page_url", "feed_url"):
        problems += _full_uri(document.get(key), key)
    items = document.get("items")
    if not isinstance(items, list):
        return [*problems, "items is not a list"]
    ids: set[str] = set()
    for index, item in enumerate(items):
        problems += _check_json_item(item, f"items[{index}]", ids)
    return problems


def _check_json_item(item: object, where: str, ids: set[str]) -> list[str]:
    if not isinstance(item, dict):
        return [f"{where} is not an object"]
    problems: list[str] = []
    item_id = item.get("id")
    if not isinstance(item_id, str) or not item_id:
        problems.append(f"{where}: id must be a non-empty string")
    elif item_id in ids:
        problems.append(f"{where}: id {item_id!r} repeats an earlier item's id")
    else:
        ids.add(item_id)
    if "url" in item:
        problems += _full_uri(item["url"], f"{where}/url")
    if not any(isinstance(item.get(key), str) for key in ("content_html", "content_text")):
        problems.append(f"{where}: needs content_html or content_text")
    if isinstance(item.get("content_html"), str):
        problems += _safe_html(item["content_html"], f"{where}/content_html")
    for key in ("date_published", "date_modified"):
        if key in item:
            problems += _rfc3339(item[key], f"{where}/{key}")
    authors = item.get("authors", [])
    if not isinstance(authors, list) or not all(isinstance(a, dict) and a.get("name") for a in authors):
        problems.append(f"{where}: authors must be a list of objects with a name")
    return problems


# ------------------------------------------------------------------------------------ newsboat


@dataclass(frozen=True)
class NewsboatResult:
    """What newsboat made of a set of feeds: its unread count, error lines, raw output and log."""

    unread: int
    errors: tuple[str, ...]
    output: str
    log: str


def newsboat_read(urls: Iterable[str], workdir: Path) -> NewsboatResult:
    """Reload `urls` (file:// or http://127.0.0.1 URLs) headless and count unread articles.

    newsboat keys articles by guid across all feeds of one cache, so pass one format at a time
    when counting items. Fails (never skips) when newsboat is missing: CI installs it.
    """
    executable = shutil.which("newsboat")
    assert executable is not None, (
        "newsboat is not installed; these tests need it (CI runs `apt-get install -y newsboat`)")
    workdir = Path(workdir)
    home = workdir / "newsboat-home"
    home.mkdir(parents=True, exist_ok=True)
    urls_file, cache, log_file = workdir / "urls", workdir / "cache.db", workdir / "newsboat.log"
    for stale in (cache, log_file):
        stale.unlink(missing_ok=True)
    urls_file.write_text("".join(f"{url}\n" for url in urls), encoding="utf-8")
    completed = subprocess.run(
        [executable, "-u", str(urls_file), "-c", str(cache), "-C", "/dev/null",
         "-x", "reload", "print-unread", "-l", "3", "-d", str(log_file)],
        env={**os.environ, "HOME": str(home)}, capture_output=True, text=True, timeout=60, check=False,
    )
    output = completed.stdout + completed.stderr
    log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    errors = tuple(line for line in (log + "\n" + output).splitlines()
                   if "ERROR" in line or "Error" in line)
    match = re.search(r"(\d+) unread articles?", completed.stdout)
    assert match is not None, f"newsboat printed no unread count (exit {completed.returncode}): {output!r}"
    return NewsboatResult(unread=int(match.group(1)), errors=errors, output=output, log=log)
