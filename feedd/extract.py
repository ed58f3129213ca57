"""Article page to `Article`: title, published time, source, author, editor and the body.

Site rules (ArticleRules) are tried first for each field, the automatic path is the fallback. The
page is parsed once; every step reads the shared PageFacts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from functools import partial
from typing import Final
from urllib.parse import urljoin

from lxml import etree

from feedd.byline import Byline, read_byline
from feedd.content import find_content_node, measure
from feedd.content_clean import clean_content, content_text, resolve_images
from feedd.content_embedded import embedded_body
from feedd.dates import parse_date
from feedd.errors import ExtractError
from feedd.extract_page import (
    Measure,
    PageFacts,
    PageWalk,
    Segment,
    drop_keeping_tail,
    meta_value,
    normalise_space,
    parse_page,
    text_of,
)
from feedd.extract_time import find_published
from feedd.extract_title import TitleChoice, choose_title, refine_title
from feedd.models import Article, Timestamp
from feedd.sanitize import sanitize_html, strip_xml_invalid
from feedd.select import ArticleRules, Selector
from feedd.title_site import match_key

logger = logging.getLogger(__name__)

SUMMARY_CHARS: Final = 200
_HEADER_SEGMENTS: Final = 40
_HEADER_CHARS: Final = 1500
_BODY_PARAGRAPH: Final = 100
_FOOTER_SEGMENTS: Final = 30
# Embedded (JSON-escaped) body text that outweighs the DOM's best block replaces it.
_EMBEDDED_MIN_CHARS: Final = 200
_CJK: Final = re.compile(r"[\u3400-\u9fff]")
_KANA: Final = re.compile(r"[\u3040-\u30ff]")
# A JSON-escaped '<' (one regex pass beats three substring searches over the raw page).
# Characters whose presence lets urljoin rewrite even an absolute address (empty query, params...).
_URL_SPECIALS: Final = frozenset("?#;[]\\ \t\n\r")
_ESCAPED_MARKUP: Final = re.compile(r"\\(?:u003[cC]|x3c)")


def extract_article(html: str, url: str, *, zone: tzinfo, now: datetime,
                    rules: ArticleRules | None = None, utf8: bytes | None = None) -> Article:
    """Read one article page; raise ExtractError when it holds no usable article. `utf8` may carry
    the page's bytes when they are `html` in UTF-8 (decode_page says so), to spare re-encoding."""
    try:
        return _extract(html, url, zone, now, rules or ArticleRules(), utf8)
    except ExtractError:
        raise
    except Exception as exc:
        # A page that trips a bug of ours is that page's failure: the rest of the batch or section
        # goes on, and the traceback is logged for us.
        logger.exception("extracting %s failed unexpectedly", url)
        raise ExtractError(f"{url}: extraction failed unexpectedly ({exc.__class__.__name__}: {exc})") from exc


def _extract(html: str, url: str, zone: tzinfo, now: datetime, rules: ArticleRules,
             utf8: bytes | None) -> Article:
    facts = parse_page(html, url, utf8, prune=partial(_apply_removals, selectors=rules.remove))
    title = _title(facts, rules)
    title_index = _locate_title(facts, title)
    header = _header(facts.segments, title_index)
    measures = facts.measures
    node = _rule_node(facts.root, rules.content)
    if node is None:
        node = _automatic_content(facts, measures)
    first, last = _span(facts.segments, node)
    if rules.title is None:
        shown = refine_title(facts, title, title_index, first)
        if shown is not title:
            title, title_index = shown, _locate_title(facts, shown)
            header = _header(facts.segments, title_index)
    footer = list(facts.segments[max(0, last - 8): last + _FOOTER_SEGMENTS]) if last is not None else []
    published = _published(facts, rules, title_index, first, zone, now)
    opening = list(facts.segments[first: first + 3]) if first is not None else []
    # A body read from a script (JSON-escaped) is not among the page's lines: its own lines are the body.
    body = _own_lines(node) if first is None else None
    byline = _byline(facts, rules, header, footer, opening, body)
    content_html, text, images = _render(node, measures, title.text, url)
    if not title.text and not text:
        raise ExtractError(f"{url}: no title and no content found")
    return Article(
        url=url, title=title.text, published=published, source=byline.source, author=byline.author,
        editor=byline.editor, summary=_summary(text), content_html=content_html, content_text=text,
        images=images, lang=_language(facts, text),
    )


def _apply_removals(root: etree._Element, selectors: Sequence[Selector]) -> None:
    for selector in selectors:
        for element in selector.select(root):
            drop_keeping_tail(element)


def _rule_node(root: etree._Element, selector: Selector | None) -> etree._Element | None:
    if selector is None:
        return None
    for element in selector.select(root):
        if normalise_space(text_of(element)):
            return element
    return None


def _rule_text(root: etree._Element, selector: Selector | None) -> str | None:
    node = _rule_node(root, selector)
    if node is None:
        return None
    value = node.get("content") or node.get("datetime") or text_of(node)
    return normalise_space(value) or None


def _title(facts: PageFacts, rules: ArticleRules) -> TitleChoice:
    node = _rule_node(facts.root, rules.title)
    if node is not None:
        return TitleChoice(normalise_space(text_of(node)), node)
    return choose_title(facts)


def _locate_title(facts: PageFacts, title: TitleChoice) -> int | None:
    """Index of the segment where the headline is shown; with several, the one a date follows."""
    if title.element is not None:
        inside = set(title.element.iter())
        for index, segment in enumerate(facts.segments):
            if segment.element in inside:
                return index
    key = match_key(title.text)
    if not key:
        return None
    # Lower-casing lengthens a character at most threefold, so a much shorter line cannot match.
    shown = [index for index, segment in enumerate(facts.segments)
             if 3 * len(segment.text) >= len(key) and match_key(segment.text) == key]
    for index in shown:
        following = " ".join(segment.text for segment in facts.segments[index + 1: index + 6])
        if re.search(r"\d{4}[-/.年]\d{1,2}|\d{1,2}月\d{1,2}日", following):
            return index
    return shown[0] if shown else None


def _header(segments: Sequence[Segment], title_index: int | None) -> list[Segment]:
    """The byline area: short segments right after the headline, up to the first body paragraph."""
    if title_index is None:
        return []
    window: list[Segment] = []
    chars = 0
    for segment in segments[title_index + 1: title_index + 1 + _HEADER_SEGMENTS]:
        if len(segment.text) > _BODY_PARAGRAPH and window:
            break
        window.append(segment)
        chars += len(segment.text)
        if chars > _HEADER_CHARS:
            break
    return window


def _span(segments: Sequence[Segment], node: etree._Element) -> tuple[int | None, int | None]:
    """Indexes of the first and last text segments inside the body node."""
    inside = set(node.iter())
    shown = [index for index, segment in enumerate(segments) if segment.element in inside]
    return (shown[0], shown[-1]) if shown else (None, None)


def _own_lines(node: etree._Element) -> list[Segment]:
    walk = PageWalk()
    walk.visit(node)
    return walk.segments


def _automatic_content(facts: PageFacts, measures: dict[etree._Element, Measure]) -> etree._Element:
    node = find_content_node(facts.root, measures)
    if not _ESCAPED_MARKUP.search(facts.raw):
        return node
    embedded = embedded_body(facts.raw)
    if embedded is None:
        return node
    embedded_chars = len(normalise_space(text_of(embedded)))
    dom_chars = len(normalise_space(text_of(node)))
    if embedded_chars >= _EMBEDDED_MIN_CHARS and (facts.is_text_dump or embedded_chars * 2 >= dom_chars):
        measures.update(measure(embedded))
        return embedded
    return node


def _published(facts: PageFacts, rules: ArticleRules, title_index: int | None, content_start: int | None,
               zone: tzinfo, now: datetime) -> Timestamp | None:
    shown = _rule_text(facts.root, rules.published)
    if shown is not None:
        found = parse_date(shown, zone, now)
        if found is not None:
            return found
    return find_published(facts, title_index, content_start, zone, now)


def _byline(facts: PageFacts, rules: ArticleRules, header: list[Segment], footer: list[Segment],
            opening: list[Segment], body: list[Segment] | None) -> Byline:
    automatic = read_byline(facts, header, footer, opening, body)
    source = _rule_text(facts.root, rules.source)
    author = _rule_text(facts.root, rules.author)
    return Byline(source=source or automatic.source, author=author or automatic.author,
                  editor=automatic.editor)


def _render(node: etree._Element, measures: dict[etree._Element, Measure], title: str,
            url: str) -> tuple[str, str, tuple[str, ...]]:
    clean_content(node, measures, title)
    resolve_images(node)
    images = _absolutise(node, url)
    fragment = etree.tostring(node, encoding="unicode", method="html")
    return sanitize_html(fragment), content_text(node), images


def _absolutise(node: etree._Element, url: str) -> tuple[str, ...]:
    """Make link and image addresses absolute; return the images' addresses in order."""
    images: list[str] = []
    for element in node.iter("a", "img"):
        attribute = "href" if element.tag == "a" else "src"
        value = (element.get(attribute) or "").strip()
        if not value:
            continue
        if _plainly_absolute(value):
            absolute = value  # urljoin would hand it back unchanged, at a tenth of the cost
        else:
            try:
                absolute = urljoin(url, value)
            except ValueError:
                del element.attrib[attribute]
                continue
        # strip_xml_invalid: a reference such as '&#1;' in the address; lxml refuses to store it back.
        absolute = strip_xml_invalid(absolute)
        element.set(attribute, absolute)
        if element.tag == "img" and absolute.startswith(("http://", "https://")) and absolute not in images:
            images.append(absolute)
    return tuple(images)


def _plainly_absolute(address: str) -> bool:
    """An http(s) address with a host and none of the characters urljoin rewrites or refuses."""
    for scheme in ("https://", "http://"):
        if address.startswith(scheme):
            rest = address[len(scheme):]
            return bool(rest) and rest[0] != "/" and not _URL_SPECIALS.intersection(rest)
    return False


def _summary(text: str) -> str:
    flat = _flat_opening(text, SUMMARY_CHARS + 1)
    if len(flat) <= SUMMARY_CHARS:
        return flat
    cut = flat[:SUMMARY_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > SUMMARY_CHARS * 0.7 else cut) + "…"


def _flat_opening(text: str, chars: int) -> str:
    """The text's whitespace collapsed, whole when short, else at least its first `chars` characters:
    flattening a long body only to keep its opening is wasted."""
    reach = chars * 4
    while reach < len(text):
        words = text[:reach].split()
        # The last word may run on past the cut; the words before it are settled.
        if words and sum(map(len, words[:-1])) + len(words) - 2 >= chars:
            return " ".join(words[:-1])
        reach *= 4
    return " ".join(text.split())


def _language(facts: PageFacts, text: str) -> str | None:
    declared = facts.root.get("lang") or meta_value(facts, "content-language", "og:locale", "language")
    if declared:
        return declared.replace("_", "-").split(",")[0].strip().lower() or None
    sample = text[:2000]
    if _KANA.search(sample):
        return "ja"
    if sample and len(_CJK.findall(sample)) > len(sample) * 0.2:
        return "zh"
    return None
