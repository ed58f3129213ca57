"""Listings that are not HTML lists (JSON endpoints, RSS/Atom feeds, sitemaps) and a listing's "next page".

A JSON listing is read by the paths its configuration names (the JSON walking lives beside the other
JSON readers in listing_data and is re-exported here); a feed or sitemap is recognised by its
root element. XML is parsed with entities left unresolved and without network or DTD access, so a
hostile feed can neither read local files (XXE) nor blow up in memory (billion laughs).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from email.utils import parsedate_to_datetime
from html.entities import name2codepoint
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from feedd.dates import parse_date
from feedd.discover_dom import (
    absolute_link,
    effective_base,
    name_words,
    parse_document,
    registrable_domain,
    text_of,
)
from feedd.errors import DiscoverError
from feedd.listing_data import links_from_json, plain_text
from feedd.models import Link, Timestamp

logger = logging.getLogger(__name__)

__all__ = ["links_from_feed", "links_from_json", "next_page_url"]

# ---------------------------------------------------------------- feeds and sitemaps

_ATOM = "http://www.w3.org/2005/Atom"
_RSS1 = "http://purl.org/rss/1.0/"
_DC = "http://purl.org/dc/elements/1.1/"
_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
_NO_NS = ""
_BARE_AMPERSAND = re.compile(rb"&(?!#\d+;|#x[0-9a-fA-F]+;|[A-Za-z][\w.-]*;)")
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_EXPANSION_ATTACK = ("amplification", "entity reference loop", "resource_limit")


@dataclass(frozen=True)
class _Entry:
    """One item of a feed or sitemap as written, before URLs and times are read."""

    href: str | None
    title: str
    when: str | None
    base: str | None = None  # xml:base in force for the entry (Atom)


def links_from_feed(body: bytes, base_url: str, *, zone: tzinfo, now: datetime,
                    max_links: int = 500) -> list[Link]:
    """The article links of an RSS 2.0, RSS 1.0, Atom feed or (Google News) sitemap.

    Feeds keep their document order (newest first by convention); sitemaps are sorted newest first
    by publication date or lastmod, undated entries last. A sitemap index is refused with the URL of
    its newest child, because feedd polls one document per section.
    """
    root = _parse_xml(body, base_url)
    kind = etree.QName(root).localname
    if kind == "sitemapindex":
        raise DiscoverError(_sitemap_index_message(root, base_url))
    reader = _FEED_READERS.get(kind)
    if reader is None:
        raise DiscoverError(f"{base_url} is not a feed or sitemap: root element <{kind}> "
                            "(expected rss, RDF, feed, urlset)")
    entries = list(reader(root))
    container = "sitemap" if kind == "urlset" else {"rss": "rss", "RDF": "rdf", "feed": "atom"}[kind]
    links = _entry_links(entries, base_url, container, zone, now)
    if kind == "urlset":
        links.sort(key=lambda link: link.published.moment.timestamp() if link.published else float("-inf"),
                   reverse=True)
    if not links:
        raise DiscoverError(f"no article links in the {container} {base_url}: {len(entries)} entries, "
                            "none with an http(s) URL")
    return links[:max_links]


def _parse_xml(body: bytes, base_url: str) -> etree._Element:
    data = body.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not data.startswith((b"<", b"\xff\xfe", b"\xfe\xff")):  # UTF-16 documents start with their BOM
        raise DiscoverError(f"{base_url} is not XML: starts with {data[:40]!r}")
    try:
        root = etree.fromstring(data, _xml_parser(recover=False), base_url=base_url)
    except etree.XMLSyntaxError as exc:
        if any(sign in str(exc).lower() for sign in _EXPANSION_ATTACK):
            raise DiscoverError(f"{base_url} refused: {exc}") from exc
        logger.debug("%s is not well-formed XML (%s); reading it leniently", base_url, exc)
        try:
            root = etree.fromstring(_repaired(data), _xml_parser(recover=True), base_url=base_url)
        except etree.XMLSyntaxError as again:
            raise DiscoverError(f"{base_url} is not well-formed XML: {again}") from again
    if root is None or not isinstance(root.tag, str):
        raise DiscoverError(f"{base_url} is not XML: no root element")
    return root


def _repaired(data: bytes) -> bytes:
    """Portal feeds often carry a bare '&' in a URL or HTML entities (&nbsp;) that XML does not know."""
    escaped = _BARE_AMPERSAND.sub(b"&amp;", data)

    def numeric(match: re.Match[bytes]) -> bytes:
        name = match.group(1).decode("ascii")
        code = name2codepoint.get(name)
        return match.group(0) if code is None or name in _XML_ENTITIES else b"&#%d;" % code
    return _NAMED_ENTITY.sub(numeric, escaped)


def _xml_parser(*, recover: bool) -> etree.XMLParser:
    # No entity expansion, no DTD, no network: the defences against XXE and billion laughs.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, recover=recover, remove_comments=True, remove_pis=True)


def _element_text(element: etree._Element) -> str:
    """The element's text with unresolved entity references left out (they are never expanded)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_element_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _sitemap_index_message(root: etree._Element, base_url: str) -> str:
    children = [(_text(sitemap, "lastmod", None) or "", _text(sitemap, "loc", None) or "")
                for sitemap in _children(root, "sitemap", None)]
    children = [child for child in children if child[1]]
    newest = max(children)[1] if children else "(none listed)"
    return (f"{base_url} is a sitemap index of {len(children)} sitemaps: point the listing at one of them "
            f"(the newest is {newest})")


def _children(element: etree._Element, local: str, namespaces: tuple[str, ...] | None
              ) -> Iterator[etree._Element]:
    """Child elements named `local` in one of `namespaces` (None: any namespace)."""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child)
        if name.localname == local and (namespaces is None or (name.namespace or _NO_NS) in namespaces):
            yield child


def _text(element: etree._Element, local: str, namespaces: tuple[str, ...] | None) -> str | None:
    for child in _children(element, local, namespaces):
        text = " ".join(_element_text(child).split())
        if text:
            return text
    return None


def _first_text(element: etree._Element, names: tuple[tuple[str, tuple[str, ...] | None], ...]) -> str | None:
    for local, namespaces in names:
        found = _text(element, local, namespaces)
        if found:
            return found
    return None


def _rss_entries(root: etree._Element) -> Iterator[_Entry]:
    channel = next(_children(root, "channel", None), root)
    for item in _children(channel, "item", (_NO_NS,)):
        href = _text(item, "link", (_NO_NS,))
        guid = next(_children(item, "guid", (_NO_NS,)), None)
        if href is None and guid is not None and (guid.get("isPermaLink") or "true").lower() != "false":
            # Many feeds omit isPermaLink on guids that are plain ids: only a full URL is taken as a link.
            text = _text(item, "guid", (_NO_NS,)) or ""
            href = text if text.lower().startswith(("http://", "https://")) else None
        when = _first_text(item, (("pubDate", (_NO_NS,)), ("date", (_DC,)), ("published", (_ATOM,)),
                                  ("updated", (_ATOM,))))
        yield _Entry(href, _text(item, "title", (_NO_NS,)) or "", when)


def _rdf_entries(root: etree._Element) -> Iterator[_Entry]:
    for item in _children(root, "item", (_RSS1, _NO_NS)):
        href = _text(item, "link", (_RSS1, _NO_NS)) or item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        yield _Entry(href, _text(item, "title", (_RSS1, _NO_NS)) or "", _text(item, "date", (_DC,)))


def _atom_entries(root: etree._Element) -> Iterator[_Entry]:
    spaces = (_ATOM, _NO_NS)
    for entry in _children(root, "entry", spaces):
        links = list(_children(entry, "link", spaces))
        alternate = [link for link in links if (link.get("rel") or "alternate") == "alternate"]
        chosen = next(iter(alternate or links), None)
        href = chosen.get("href") if chosen is not None else None
        when = _first_text(entry, (("published", spaces), ("updated", spaces), ("date", (_DC,))))
        base = chosen.base if chosen is not None else None
        yield _Entry(href, _text(entry, "title", spaces) or "", when, base)


def _sitemap_entries(root: etree._Element) -> Iterator[_Entry]:
    for url in _children(root, "url", None):
        news = next(_children(url, "news", (_NEWS,)), None)
        title = (_text(news, "title", (_NEWS,)) if news is not None else None) or ""
        when = _text(news, "publication_date", (_NEWS,)) if news is not None else None
        yield _Entry(_text(url, "loc", None), title, when or _text(url, "lastmod", None))


_FEED_READERS: dict[str, Callable[[etree._Element], Iterator[_Entry]]] = {
    "rss": _rss_entries, "RDF": _rdf_entries, "feed": _atom_entries, "urlset": _sitemap_entries,
}


def _entry_links(entries: list[_Entry], base_url: str, container: str, zone: tzinfo,
                 now: datetime) -> list[Link]:
    links: list[Link] = []
    seen: set[str] = set()
    for entry in entries:
        url = absolute_link(entry.href, entry.base or base_url)
        if url is None or url in seen:
            continue
        seen.add(url)
        published = _feed_time(entry.when, zone, now) if entry.when else None
        links.append(Link(url=url, title=plain_text(entry.title), published=published, container=container,
                          score=1.0))
    return links


def _feed_time(text: str, zone: tzinfo, now: datetime) -> Timestamp | None:
    found = parse_date(text, zone, now)
    if found is not None:
        return found
    # RFC 822 allows two-digit years ("Mon, 20 Apr 26 16:44:57 +0800"), which parse_date does not read.
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parse_date(moment.isoformat(), zone, now)


# ---------------------------------------------------------------- next page

_NEXT_WORDS = frozenset({"下一页", "下页", "后页", "下一頁", "下頁", "後頁", "next", "next page", "older posts",
                         "older entries", "次へ", "次のページ", "다음"})
_ARROWS = frozenset({"»", "›", ">", "→", "＞", "〉"})
_DECORATION = " \t\r\n[]【】()（）<>«»‹›→←＞＜〈〉|:："
_NEXT_CLASSES = frozenset({"next", "nxt", "nextpage", "nextpostslink"})
_PAGED_NAME = re.compile(r"(?P<stem>[A-Za-z][\w-]*?)(?:_(?P<number>\d+))?\.(?P<ext>s?html?)")
_PAGE_PARAMETERS = ("page", "p", "pn", "pg", "pageno", "page_no", "pagenum", "pageindex", "currentpage", "curpage")
# TRS WCM portals write their pager with a script: createPageHTML(pages, current, "index", "html").
_PAGER_SCRIPT = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,"
                           r"\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")


@dataclass(frozen=True)
class _PageAnchor:
    url: str
    text: str
    element: etree._Element


def next_page_url(html_text: str, base_url: str) -> str | None:
    """The URL of the listing's next page on the same site, or None when the page shows none.

    Evidence, strongest first: rel=next, a link reading 下一页/Next, the page's own pager script or a
    numbered link to `index_1.html` after `index.html`, a lone arrow, a 'next' class name.
    """
    root = parse_document(html_text, base_url)
    base = effective_base(root, base_url)
    for link in root.iter("link"):
        if "next" in (link.get("rel") or "").lower().split():
            found = _usable(link.get("href"), base, base_url)
            if found is not None:
                return found
    anchors = list(_page_anchors(root, base, base_url))
    finders: tuple[Callable[[], str | None], ...] = (
        lambda: _first(a for a in anchors if "next" in (a.element.get("rel") or "").lower().split()),
        lambda: _first(a for a in anchors if _reads_next(a)),
        lambda: _pager_script_next(root, base, base_url),
        lambda: _numbered_next(anchors, base_url),
        lambda: _first(a for a in anchors if a.text in _ARROWS),
        lambda: _first(a for a in anchors if _NEXT_CLASSES & _own_and_parent_words(a.element) and len(a.text) <= 12),
    )
    for finder in finders:
        found = finder()
        if found is not None:
            return found
    return None


def _page_anchors(root: etree._Element, base: str, base_url: str) -> Iterator[_PageAnchor]:
    for anchor in root.iter("a"):
        url = _usable(anchor.get("href"), base, base_url)
        if url is None or _disabled(anchor):
            continue
        yield _PageAnchor(url, text_of(anchor), anchor)


def _usable(href: str | None, base: str, base_url: str) -> str | None:
    url = absolute_link(href, base)
    if url is None or registrable_domain(url) != registrable_domain(base_url):
        return None
    return None if _same_page(url, base_url) else url


def _same_page(url: str, other: str) -> bool:
    def canonical(value: str) -> str:
        parts = urlsplit(value)
        path = re.sub(r"/(?:index|default)\.s?html?$", "/", parts.path) or "/"
        return f"{(parts.hostname or '').lower()}{path}?{parts.query}"
    return canonical(url) == canonical(other)


def _own_and_parent_words(anchor: etree._Element) -> set[str]:
    """Class and id words of a link and its parent: pagers often mark the <li>, not the <a>."""
    parent = anchor.getparent()
    return name_words(anchor) | (name_words(parent) if parent is not None else set())


def _disabled(anchor: etree._Element) -> bool:
    words = _own_and_parent_words(anchor)
    return bool(words & {"disabled", "disable", "current", "active"}) or anchor.get("aria-disabled") == "true"


def _first(anchors: Iterator[_PageAnchor]) -> str | None:
    return next((anchor.url for anchor in anchors), None)


def _reads_next(anchor: _PageAnchor) -> bool:
    image_labels = [image.get("alt") or "" for image in anchor.element.iter("img")]
    for label in (anchor.text, anchor.element.get("title") or "", *image_labels):
        core = label.strip(_DECORATION).lower()
        if core in _NEXT_WORDS:
            return True
    return False


def _pager_script_next(root: etree._Element, base: str, base_url: str) -> str | None:
    for script in root.iter("script"):
        match = _PAGER_SCRIPT.search(script.text or "")
        if match is None:
            continue
        pages, current, stem, ext = int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)
        if current + 1 >= pages:
            return None
        return _usable(f"{stem}_{current + 1}.{ext}", base, base_url)
    return None


def _numbered_next(anchors: list[_PageAnchor], base_url: str) -> str | None:
    """A numbered pager link to the page after this one, when the page shows one.

    index.html -> index_1.html (or _2), list_3.html -> list_4.html, ?page=3 -> ?page=4, and from a
    first page without a page parameter, the same query plus page=2 (or 1, for pagers counting from 0).
    """
    targets = _path_targets(base_url) | _query_targets(base_url)
    for anchor in anchors:
        # A numbered pager reads "2" or an arrow; a menu link that happens to match reads like a section name.
        plain = anchor.text.strip(_DECORATION)
        if (plain.isdigit() or not plain) and _comparable(anchor.url) in targets:
            return anchor.url
    return None


def _path_targets(base_url: str) -> set[str]:
    name = urlsplit(base_url).path.rsplit("/", 1)[-1]
    match = _PAGED_NAME.fullmatch(name) if name else None
    if name and match is None:
        return set()
    stem, number = (match.group("stem"), int(match.group("number") or 0)) if match else ("index", 0)
    extensions: tuple[str, ...] = (match.group("ext"),) if match else ("html", "shtml", "htm")
    following = (1, 2) if number == 0 else (number + 1,)
    return {_comparable(urljoin(base_url, f"{stem}_{n}.{ext}")) for n in following for ext in extensions}


def _query_targets(base_url: str) -> set[str]:
    parts = urlsplit(base_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for index, (key, value) in enumerate(query):
        if key.lower() in _PAGE_PARAMETERS and value.isdigit():
            changed = [*query[:index], (key, str(int(value) + 1)), *query[index + 1:]]
            return {_comparable(urlunsplit(parts._replace(query=urlencode(changed))))}
    return {_comparable(urlunsplit(parts._replace(query=urlencode([*query, (key, str(n)),]))))
            for key in _PAGE_PARAMETERS for n in (1, 2)}


def _comparable(url: str) -> str:
    """A URL with its query keys lower-cased and sorted, without fragment, for comparing pager links."""
    parts = urlsplit(url)
    query = urlencode(sorted((key.lower(), value) for key, value in parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, query, ""))
