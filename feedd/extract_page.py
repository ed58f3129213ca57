"""One parse of an article page and the facts every extraction step reads from it.

The tree is parsed once; meta tags, JSON-LD objects and the page's visible text as an ordered list
of segments are collected in a single walk, so later steps never rescan the whole tree.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Final, NamedTuple

from lxml import etree

from feedd.errors import ExtractError
from feedd.sanitize import strip_xml_invalid

logger = logging.getLogger(__name__)

MAX_ELEMENTS: Final = 50_000

# Never visible, never content; their text must not reach segments.
INVISIBLE_TAGS: Final = frozenset({"script", "style", "noscript", "template", "svg", "head", "title", "select",
                                   "option", "textarea", "button", "iframe", "object", "embed", "canvas"})
_NOSCRIPT_BLOCK: Final = re.compile(rb"<(?:noscript|NOSCRIPT)\b.*?</(?:noscript|NOSCRIPT)\s*>", re.DOTALL)
_PUNCTUATION: Final = re.compile(r"[，。；、！？,.;!?،؛؟۔।]")
# C0 controls that XML 1.0 forbids; none of them occurs inside a multi-byte UTF-8 sequence.
_C0_BYTES: Final = bytes(range(0, 9)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20))
_C0_CONTROLS: Final = tuple(bytes([control]) for control in _C0_BYTES)


class Segment(NamedTuple):
    """A run of visible text in document order and the element that holds it."""

    text: str
    element: etree._Element


class Measure(NamedTuple):
    """Visible text length of an element's subtree, how much of it is link text, and how many
    punctuation marks it holds (prose has them, menus do not)."""

    text: int = 0
    links: int = 0
    marks: int = 0


# What an element without visible text measures; a third of a page's elements share it.
NOTHING: Final = Measure()
# The walk builds a Segment per text run and a Measure per element. NamedTuple's own constructor
# runs a Python frame; tuple.__new__ builds the same immutable value in C in half the time.
_build = tuple.__new__


@dataclass(frozen=True)
class PageFacts:
    """What the extraction steps share: the tree and what one walk over it found."""

    root: etree._Element
    url: str
    raw: str
    meta: dict[str, str]
    json_ld: tuple[dict[str, Any], ...]
    title_tag: str
    segments: tuple[Segment, ...]
    scripts: tuple[str, ...] = field(default=())
    is_text_dump: bool = False
    measures: dict[etree._Element, Measure] = field(default_factory=dict)
    # <h1>-<h3> elements whose text could be a headline; blocks a class or id names a title are
    # found by marked_headings, only when the title step needs them.
    headings: tuple[etree._Element, ...] = field(default=())
    nodes: tuple[etree._Element, ...] = field(default=(), repr=False)


def normalise_space(text: str) -> str:
    # str.split() and the regex's \s agree on what whitespace is; the split is several times faster.
    return " ".join(text.split())


def parse_page(raw: str, url: str, utf8: bytes | None = None,
               prune: Callable[[etree._Element], None] | None = None) -> PageFacts:
    """Parse once; collect meta, JSON-LD, scripts, then text segments, sizes and <h1>-<h3> in one walk.
    `utf8`, when given, is `raw` as UTF-8 bytes (the page as it came), parsed without re-encoding.
    `prune` removes what a site rule says is not the page, before anything is read from it."""
    root = _parse(raw, utf8)
    if prune is not None:
        prune(root)
    # Every node, held: the element limit below counts them, and the <time>/microdata pass reads them.
    # (Reusing their proxies in the walk was once thought to save a third of it; measured in
    # session 5, parsing and walking the corpus took the same time with and without the tuple.)
    nodes = tuple(islice(root.iter(), MAX_ELEMENTS + 1))
    if len(nodes) > MAX_ELEMENTS:
        # The largest of ~850 real article pages has under 10,000 elements; a page this big is
        # a listing or an attack, and reading it would cost seconds.
        raise ExtractError(f"{url}: more than {MAX_ELEMENTS} elements, not an article page")
    meta = _collect_meta(root)
    scripts = tuple(script.text or "" for script in root.iter("script"))
    json_ld = _collect_json_ld(root)
    title_node = root.find(".//title")
    title_tag = normalise_space("".join(str(text) for text in title_node.itertext())) if title_node is not None else ""
    walk = PageWalk()
    walk.visit(root)
    is_text_dump = _looks_like_text_dump(root, walk)
    segments = _text_dump_segments(root) if is_text_dump else tuple(walk.segments)
    return PageFacts(root=root, url=url, raw=raw, meta=meta, json_ld=json_ld, title_tag=title_tag,
                     segments=segments, scripts=scripts, is_text_dump=is_text_dump, measures=walk.measures,
                     headings=tuple(walk.headings), nodes=nodes)


def parse_fragment(markup: str) -> etree._Element | None:
    """An HTML fragment inside a <div>, parsed like a page."""
    root = _parse(f"<html><body><div>{markup}</div></body></html>")
    return root.find("body/div")


def _parse(raw: str, utf8: bytes | None = None) -> etree._Element:
    text = raw.lstrip("\ufeff")
    # isspace, not strip: strip copies the whole page whenever it ends with a newline.
    if not text or text.isspace():
        return etree.fromstring("<html><body></body></html>", etree.HTMLParser())
    # libxml2 reads UTF-8 bytes about twice as fast as a Python str; the page's own bytes need no
    # encoding, unless they hold the byte-order mark the text has just lost.
    has_bom = len(text) != len(raw)
    data = _xml_safe_utf8(text) if utf8 is None or has_bom else _xml_safe_bytes(utf8, text)
    # An XML declaration is a processing instruction to the HTML parser; cut it like lxml's str path needs.
    if data.startswith(b"<?xml"):
        data = data[data.find(b"?>") + 2:]
    data = _without_noscript(data)
    # No page is queried by id, so libxml2 need not index the ids.
    parser = etree.HTMLParser(remove_pis=True, encoding="utf-8", collect_ids=False, remove_comments=True)
    root = etree.fromstring(data, parser) if data and not data.isspace() else None
    if root is None:
        root = etree.fromstring("<html><body></body></html>", parser)
    return root


def _without_noscript(data: bytes) -> bytes:
    """The markup without its <noscript> blocks. A browser running scripts reads their content as
    text it never shows; libxml2 parses it as elements, and one unclosed <div> inside
    ('<noscript><div id="nojs"></noscript>') swallows the rest of the page into the block."""
    # One regex pass: a page without a match comes back as it was, and two substring searches
    # for the tag before it cost more than the pass itself.
    return _NOSCRIPT_BLOCK.sub(b"", data)


def _xml_safe_bytes(utf8: bytes, text: str) -> bytes:
    """The page's own UTF-8 bytes, with what XML 1.0 cannot carry removed as _xml_safe_utf8 does."""
    # Asked of the text, not the bytes: their lead byte 0xEF also starts every fullwidth comma or
    # stop of Chinese text, so a byte search stops at each one (ten times slower over the corpus).
    if "\ufffe" in text or "\uffff" in text:
        return _xml_safe_utf8(text)
    return _without_c0(utf8)


def _xml_safe_utf8(text: str) -> bytes:
    """The text as UTF-8 without the characters XML 1.0 cannot carry (lxml would refuse them later,
    mid-tree). Deleting C0 bytes from the encoded text is much cheaper than a regex over the str."""
    if "\ufffe" in text or "\uffff" in text:
        return strip_xml_invalid(text).encode("utf-8")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return strip_xml_invalid(text).encode("utf-8")
    return _without_c0(data)


def _without_c0(data: bytes) -> bytes:
    # A page rarely holds a C0 control: one memchr pass per control byte is far cheaper than
    # rewriting every byte through a translation table.
    if any(control in data for control in _C0_CONTROLS):
        return data.translate(None, _C0_BYTES)
    return data


def _collect_meta(root: etree._Element) -> dict[str, str]:
    """Meta tags keyed by lower-cased name/property/itemprop; the first value of each key wins."""
    found: dict[str, str] = {}
    for node in root.iter("meta"):
        # Some CMSs write the value into `value=` instead of `content=`.
        content = node.get("content") or node.get("value")
        if content is None or not content.strip():
            continue
        for attribute in ("name", "property", "itemprop", "http-equiv"):
            key = node.get(attribute)
            if key:
                found.setdefault(key.strip().lower(), content.strip())
    return found


def _collect_json_ld(root: etree._Element) -> tuple[dict[str, Any], ...]:
    objects: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(_without_cdata(script.text.strip()).rstrip(";"))
        except ValueError:
            logger.debug("unreadable JSON-LD block skipped")
            continue
        _flatten_json_ld(data, objects)
    return tuple(objects)


def _without_cdata(text: str) -> str:
    """The JSON inside a CDATA wrapper (`<![CDATA[ {...} ]]>`, also behind `//`), which some pages
    saved by XHTML tools carry."""
    for opening in ("<![CDATA[", "//<![CDATA[", "/*<![CDATA[*/"):
        if text.startswith(opening):
            text = text[len(opening):]
            break
    else:
        return text
    for closing in ("/*]]>*/", "//]]>", "]]>"):
        if text.rstrip().endswith(closing):
            return text.rstrip()[: -len(closing)]
    return text


def _flatten_json_ld(data: Any, into: list[dict[str, Any]]) -> None:
    if isinstance(data, list):
        for item in data:
            _flatten_json_ld(item, into)
    elif isinstance(data, dict):
        into.append(data)
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(data.get(key), list | dict):
                _flatten_json_ld(data[key], into)


def _looks_like_text_dump(root: etree._Element, walk: PageWalk) -> bool:
    """A saved text dump parses as one big paragraph in an otherwise empty document."""
    body = root.find("body")
    if body is None or len(walk.measures) > 12:
        return False
    elements = sum(1 for _ in body.iter())
    return elements <= 3 and walk.measures.get(body, NOTHING).text > 200


def _text_dump_segments(root: etree._Element) -> tuple[Segment, ...]:
    body = root.find("body")
    holder = body if body is not None else root
    text = text_of(holder)
    return tuple(Segment(normalise_space(line), holder) for line in text.splitlines() if line.strip())


_HEADING_TAGS: Final = frozenset({"h1", "h2", "h3"})
# Visible characters a heading candidate may hold: a headline's 200 (extract_title._MAX_TITLE) and
# a wiki's '[编辑源代码]' edit mark, which the title step cuts off, with room to spare.
HEADING_MAX_CHARS: Final = 220


class PageWalk:
    """One recursive pass: text segments in order, text/link/punctuation sizes per element, <h1>-<h3>
    headline candidates. Every element of a page passes through `_visit`, so it stays lean."""

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.measures: dict[etree._Element, Measure] = {}
        self.headings: list[etree._Element] = []

    def visit(self, root: etree._Element) -> Measure:
        return self._visit(root, False)

    def _visit(self, node: etree._Element, in_link: bool) -> Measure:
        # Every element of a page passes through here (about 800 per page): segments are written
        # out in place, as method calls would cost a fifth of the walk.
        tag = node.tag
        if tag.__class__ is not str or tag in INVISIBLE_TAGS:
            self.measures[node] = NOTHING
            return NOTHING
        headings = self.headings
        first_heading = len(headings)
        link = in_link or tag == "a"
        segments = self.segments
        size = links = marks = 0
        text = node.text
        if text and not text.isspace():
            normal = " ".join(text.split())
            segments.append(_build(Segment, (normal, node)))
            size = len(normal)
            marks = len(_PUNCTUATION.findall(normal))
        for child in node:
            below = self._visit(child, link)
            size += below.text
            links += below.links
            marks += below.marks
            tail = child.tail
            if tail and not tail.isspace():
                normal = " ".join(tail.split())
                segments.append(_build(Segment, (normal, node)))
                size += len(normal)
                marks += len(_PUNCTUATION.findall(normal))
        # A heading takes the place it has in page order, before the headings found inside it.
        if tag in _HEADING_TAGS and 2 <= size <= HEADING_MAX_CHARS:
            headings.insert(first_heading, node)
        # Marks and link text are parts of the text, so an element without text measures nothing.
        here = _build(Measure, (size, size if link else links, marks)) if size else NOTHING
        # Entered after the children, so a dict holding the last references releases them children
        # first. lxml frees a proxy whose parent's proxy is already gone by searching the subtree it
        # hangs in; a block the cleaner cut loose from the page, released parent first, made that
        # search quadratic (0.17 s to release one Wikipedia page's tree).
        self.measures[node] = here
        return here


def marked_headings(facts: PageFacts) -> Iterator[etree._Element]:
    """Visible elements other than <h1>-<h3> whose class or id names a title ('article-title',
    'headline'), with text that could be a headline, in page order. Asked for apart from the walk:
    testing every element's class and id, and reading what it found, cost 4% of an extraction's
    instructions, and most pages settle their title on an <h1>-<h3> before reading these."""
    judged: dict[str, bool] = {}
    measures = facts.measures
    for node in facts.nodes:
        sizes = measures.get(node)
        if (sizes is not None and 2 <= sizes.text <= HEADING_MAX_CHARS and node.tag not in _HEADING_TAGS
                and _marked_as_heading(node, judged)):
            yield node


def _marked_as_heading(node: etree._Element, judged: dict[str, bool]) -> bool:
    """A class or id naming a title; the values repeat, so each is judged once per page."""
    for marks in (node.get("class"), node.get("id")):
        if marks is not None:
            marked = judged.get(marks)
            if marked is None:
                lowered = marks.lower()
                marked = judged[marks] = "title" in lowered or "headline" in lowered or "heading" in lowered
            if marked:
                return True
    return False


def drop_keeping_tail(element: etree._Element) -> None:
    """Remove an element but keep its tail text, which belongs to the parent. A character reference
    such as '&#1;' puts what XML cannot carry into the tree, and lxml refuses to store it back."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    # A blank tail is kept too: it is the space between two words ('President<!-- x --> Trump').
    if tail:
        if previous is not None:
            previous.tail = strip_xml_invalid((previous.tail or "") + tail)
        else:
            parent.text = strip_xml_invalid((parent.text or "") + tail)


def text_of(node: etree._Element) -> str:
    """Visible text of an element and its descendants (script and style text left out)."""
    parts: list[str] = []
    collect_visible_text(node, parts)
    return "".join(parts)


def collect_visible_text(node: etree._Element, parts: list[str], line_tags: frozenset[str] = frozenset()) -> None:
    """Append the text a reader sees below `node`; elements in `line_tags` are set on lines of their own."""
    if not isinstance(node.tag, str) or node.tag in INVISIBLE_TAGS:
        return
    own_line = node.tag in line_tags
    if own_line:
        parts.append("\n")
    if node.text:
        parts.append(node.text)
    for child in node:
        collect_visible_text(child, parts, line_tags)
        if child.tail:
            parts.append(child.tail)
    if own_line:
        parts.append("\n")


def json_ld_values(facts: PageFacts, key: str) -> list[Any]:
    """Values of `key` in every JSON-LD object, articles first."""
    ordered = sorted(facts.json_ld, key=lambda item: 0 if "Article" in str(item.get("@type", "")) else 1)
    return [item[key] for item in ordered if item.get(key)]


def meta_value(facts: PageFacts, *keys: str) -> str | None:
    for key in keys:
        value = facts.meta.get(key)
        if value:
            return value
    return None
