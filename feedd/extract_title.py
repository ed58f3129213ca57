"""The headline as a reader sees it, and where it sits among the page's text segments.

The <title> tag carries the headline plus site and section names; an <h1> may be the site logo.
Visible headings are therefore checked against the declared titles and the <title>, strongest
evidence first: a heading that shows a declared title, one that is exactly a <title> part, one
that opens the <title>, one that is a later <title> part; then a lone <h1>, the declared title,
and the <title> stripped of the parts that name the site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Final
from urllib.parse import urljoin, urlsplit

from lxml import etree

from feedd.extract_page import PageFacts, json_ld_values, marked_headings, meta_value, normalise_space, text_of
from feedd.title_site import (
    KEY_PUNCTUATION,
    SEPARATORS,
    first_part,
    is_site_part,
    match_key,
    site_names_of,
    strip_site_suffix,
)

_MAX_TITLE: Final = 200
_UNRELATED: Final = 0.3
_PART_MIN: Final = 12
_PAGE_NAME_MIN: Final = 8
_SENTENCE_MIN: Final = 48
# Any of these may join a site's name to the headline, spaced or not ('…GPU-EDN 电子技术设计').
_SEPARATOR_CHARS: Final = re.compile(r"[-_|｜–—~·»:：]")
_SUBTITLE_MARKS: Final = frozenset("～~〜—–-:：(（「『")
# Text kept for screen readers only (WordPress, Bootstrap, Tailwind name it so): no reader sees it.
_HIDDEN_CLASSES: Final = frozenset({"screen-reader-text", "sr-only", "visually-hidden", "visuallyhidden"})
_EDIT_MARK: Final = re.compile(r"\s*\[(?:编辑|edit|编辑源代码)\]\s*$", re.IGNORECASE)
_INDEX_PAGE: Final = re.compile(r"^/?$|/index\.\w+$")


@dataclass(frozen=True)
class TitleChoice:
    """The headline and, when it was read off a visible element, that element."""

    text: str
    element: etree._Element | None
    # Only a title read off the <title> tag alone, or a last-resort guess, may be replaced later by
    # the line shown above the body; one that a heading and the metadata agree on stays.
    weak: bool = False


def choose_title(facts: PageFacts) -> TitleChoice:
    """og:title / headings / <title>: the visible heading that matches the <title> wins."""
    declared = _declared_titles(facts)
    reference = [facts.title_tag, *declared]
    headings = _headings(facts)
    exact = _declared_heading(headings, declared)
    if exact is not None:
        return exact
    site_names = site_names_of(facts)
    opening = _heading_equal_to_part(headings, [first_part(text) for text in reference], site_names)
    if opening is not None:
        return _after_site_name(*opening, headings, facts)
    for heading_text, element in headings:
        if _opens_any(heading_text, reference):
            return _after_site_name(heading_text, element, headings, facts)
    later = _heading_for_later_part(headings, reference, site_names)
    if later is not None:
        return later
    headline = _lone_headline(headings, site_names)
    if headline is not None and not _confirmed_elsewhere(declared, headline.text, facts.title_tag):
        return headline
    for text in declared:
        cleaned = strip_site_suffix(text, facts)
        if len(match_key(cleaned)) >= 2 and not is_site_part(cleaned, site_names):
            return TitleChoice(cleaned, _find_heading(headings, cleaned))
    if facts.title_tag:
        shown = _shown_verbatim(facts)
        if shown is not None:
            return shown
        cleaned = strip_site_suffix(facts.title_tag, facts)
        return TitleChoice(cleaned, _find_heading(headings, cleaned), weak=not _full_sentence(facts.title_tag))
    return _fallback(facts, headings)


def _full_sentence(title_tag: str) -> bool:
    """A long <title> in one piece is a headline, not a generic page name a bold line could beat."""
    key = match_key(title_tag)
    least = _SENTENCE_MIN if key.isascii() else _SENTENCE_MIN // 2
    return len(key) >= least and not _SEPARATOR_CHARS.search(title_tag)


def _declared_heading(headings: Iterable[tuple[str, etree._Element]], declared: list[str]) -> TitleChoice | None:
    """A heading, or one element of a heading, that is exactly a declared title (og:title, JSON-LD
    headline): a kicker or subtitle printed in the same heading ('Open Progress' + 'Why…') is cut."""
    keys = {match_key(text) for text in declared} - {""}
    if not keys:
        return None
    for text, element in headings:
        # Inside an <h1> a long part is enough; a lesser heading must be mostly that title.
        for part in _parts(element):
            long_part = element.tag == "h1" and len(match_key(part)) >= _PART_MIN
            if match_key(part) in keys and (long_part or len(part) * 2 >= len(text)):
                return TitleChoice(part, element)
    return _headline_after_kicker(headings, keys)


def _headline_after_kicker(headings: Iterable[tuple[str, etree._Element]], keys: set[str]) -> TitleChoice | None:
    """An <h1> printing an overline and the headline ('Eskalation im Nahen Osten' + '«…»') while the
    metadata puts another kicker before the same headline ('Iranischer Angriff auf Israel: «…»')."""
    for text, element in headings:
        if element.tag != "h1" or match_key(text) in keys:
            continue
        parts = _parts(element)
        last = match_key(parts[-1]) if len(parts) >= 2 else ""
        if len(last) >= _PART_MIN and len(parts[-1]) * 2 >= len(text) and any(key.endswith(last) for key in keys):
            return TitleChoice(parts[-1], element)
    return None


def _parts(element: etree._Element) -> list[str]:
    """The heading's own leading text, each child's text and the text after each child: kicker,
    headline, subtitle, a date printed before the headline. A lone wrapper (the heading's link) is
    looked through."""
    while (len(element) == 1 and isinstance(element[0].tag, str) and not (element.text or "").strip()
           and not (element[0].tail or "").strip()):
        element = element[0]
    parts = [normalise_space(element.text or "")]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(normalise_space(text_of(child)))
        parts.append(normalise_space(child.tail or ""))
    return [part for part in parts if part]


def _after_site_name(text: str, element: etree._Element, headings: Iterable[tuple[str, etree._Element]],
                     facts: PageFacts) -> TitleChoice:
    """A blog's <h1> is its name and its <title> reads 'Name » Post': a longer heading that is a
    later part of the <title> is the post's headline, unless it links to the home page (the
    project name of a documentation page titled 'Page — Project')."""
    parts = [match_key(part) for part in SEPARATORS.split(facts.title_tag) if part.strip()]
    key = match_key(text)
    if len(parts) < 2 or parts[0] != key:
        return TitleChoice(text, element)
    for other_text, other in headings:
        other_key = match_key(other_text)
        if other_key in parts[1:] and len(other_key) > len(key) and not _links_home(other, facts.url):
            return TitleChoice(other_text, other)
    return TitleChoice(text, element)


def _links_home(element: etree._Element, url: str) -> bool:
    """The heading is one link, to the site's (or the documentation's) front page."""
    links = element.findall(".//a")
    if len(links) != 1 or (links[0].get("href") or "").startswith("#"):
        return False
    target = urlsplit(urljoin(url, links[0].get("href") or ""))
    return not target.query and _INDEX_PAGE.search(target.path) is not None


def _heading_equal_to_part(headings: Iterable[tuple[str, etree._Element]], parts: list[str],
                           site_names: set[str]) -> tuple[str, etree._Element] | None:
    """The first heading (h1 first) that is exactly one of these <title> parts: the page title a
    wiki prints in a block of its own beats a section heading that merely starts the same way."""
    keys = {match_key(part) for part in parts if _names_a_page(part, site_names)}
    for text, element in headings:
        if match_key(text) in keys:
            return text, element
    return None


def _names_a_page(part: str, site_names: set[str]) -> bool:
    key = match_key(part)
    long_enough = len(key) >= _PAGE_NAME_MIN if key.isascii() else len(key) >= 4
    return long_enough and not is_site_part(part, site_names)


def _heading_for_later_part(headings: Iterable[tuple[str, etree._Element]], reference: list[str],
                            site_names: set[str]) -> TitleChoice | None:
    """A heading that is a long later part of a title, the last part first: 'Site - Section »
    Headline' puts the headline last, while the page's first <h1>s are a portal's side boxes."""
    for title in reference:
        for part in reversed(SEPARATORS.split(title)[1:]):
            key = match_key(part)
            if len(key) < _PART_MIN or is_site_part(part, site_names):
                continue
            for text, element in headings:
                if match_key(text) == key:
                    return TitleChoice(text, element)
    return None


def _confirmed_elsewhere(declared: list[str], heading: str, title_tag: str) -> bool:
    """A declared title that the <title> repeats, while the lone <h1> is unrelated to it (a screen
    reader's site name, a section banner); an <h1> rewording the declared title is the headline."""
    title_key, heading_key = match_key(title_tag), match_key(heading)
    if heading_key in title_key:
        return False
    return any(len(key) >= 8 and key in title_key and SequenceMatcher(None, key, heading_key).ratio() < _UNRELATED
               for key in map(match_key, declared))


def _shown_verbatim(facts: PageFacts) -> TitleChoice | None:
    """The whole <title>, kicker and all ('书记市长这一周 | 奋马扬鞭…'), printed as one line on the page."""
    size = len(facts.title_tag)
    if not SEPARATORS.search(facts.title_tag):
        return None
    key = match_key(facts.title_tag)
    for segment in facts.segments:
        if abs(len(segment.text) - size) <= 4 and match_key(segment.text) == key and segment.element.tag != "a":
            return TitleChoice(segment.text, segment.element)
    return None


def _lone_headline(headings: Iterable[tuple[str, etree._Element]], site_names: set[str]) -> TitleChoice | None:
    """The first <h1> that reads like a headline (long enough, not the site's name or a logo)."""
    for text, element in headings:
        if element.tag != "h1":
            break
        key = match_key(text)
        long_enough = len(key) >= 12 if key.isascii() else len(key) >= 6
        if long_enough and not is_site_part(text, site_names) and element.find(".//img") is None:
            return TitleChoice(text, element)
    return None


def _declared_titles(facts: PageFacts) -> list[str]:
    found: list[str] = []
    meta = meta_value(facts, "og:title", "twitter:title", "title", "headline", "dc.title")
    if meta:
        found.append(normalise_space(meta))
    for value in json_ld_values(facts, "headline"):
        if isinstance(value, str):
            found.append(normalise_space(value))
    return [text for text in found if 0 < len(text) <= _MAX_TITLE * 2]


def _headings(facts: PageFacts) -> Iterable[tuple[str, etree._Element]]:
    return () if facts.is_text_dump else _Headings(facts)


class _Headings:
    """The page's headings that read like a headline: <h1>, then <h2>, <h3>, then blocks a class or
    id names a title, each group in page order. Every step reads them in order and stops at its
    first match, so the class-named blocks are looked for only when a step reads past the others."""

    def __init__(self, facts: PageFacts) -> None:
        self._facts = facts
        rank = {"h1": 0, "h2": 1, "h3": 2}
        self._found = _readable(sorted(facts.headings, key=lambda element: rank[str(element.tag)]))
        self._complete = False

    def __iter__(self) -> Iterator[tuple[str, etree._Element]]:
        index = 0
        while index < len(self._found) or not self._complete:
            if index == len(self._found):
                self._complete = True
                self._found.extend(_readable(marked_headings(self._facts)))
                continue
            yield self._found[index]
            index += 1


def _readable(elements: Iterable[etree._Element]) -> list[tuple[str, etree._Element]]:
    """Each heading's text, leaving out what no reader sees and what cannot be a headline."""
    found: list[tuple[str, etree._Element]] = []
    for element in elements:
        if element.tag in ("html", "body", "head", "title", "meta") or _screen_reader_only(element):
            continue
        if element.tag == "h1" and _in_translation_widget(element):
            continue
        text = normalise_space(text_of(element))
        if text.endswith("]"):  # the only texts the edit mark can end
            text = _EDIT_MARK.sub("", text)
        if 2 <= len(text) <= _MAX_TITLE:
            found.append((text, element))
    return found


def _screen_reader_only(element: etree._Element) -> bool:
    """Hidden from sight by its class, unless a responsive class shows it again ('sm:not-sr-only')."""
    classes = (element.get("class") or "").lower().split()
    return (any(name in _HIDDEN_CLASSES for name in classes)
            and not any(name.endswith("not-sr-only") for name in classes))


def _in_translation_widget(element: etree._Element) -> bool:
    """Inside the pop-up a browser's page translator adds to a saved page ('Original text'); it marks
    its own widgets 'skiptranslate'."""
    return any("skiptranslate" in (node.get("class") or "") for node in element.iterancestors())


def _opens_any(heading: str, references: list[str]) -> bool:
    """The heading opens a reference title (or the reference's first part opens the heading)."""
    key = match_key(heading)
    if len(key) < 4 and not (len(key) >= 2 and not key.isascii()):
        return False
    for reference in references:
        ref_key = match_key(reference)
        if not ref_key:
            continue
        if ref_key.startswith(key) and len(key) * 3 >= len(match_key(first_part(reference))):
            return True
        first = match_key(first_part(reference))
        if len(first) >= 4 and key.startswith(first) and (
                len(key) <= len(ref_key) + 10 or _adds_subtitle(heading, len(first))):
            return True
    return False


def _adds_subtitle(heading: str, opening: int) -> bool:
    """After its first `opening` key characters the heading goes on with a subtitle ('～…～', ': …'),
    not with a byline or a date that a block around the headline prints."""
    seen = 0
    for index, char in enumerate(heading):
        if seen == opening:
            rest = heading[index:].lstrip()
            return bool(rest) and rest[0] in _SUBTITLE_MARKS and not any(c.isdigit() for c in rest)
        if not KEY_PUNCTUATION.match(char):
            seen += 1
    return False


def _find_heading(headings: Iterable[tuple[str, etree._Element]], title: str) -> etree._Element | None:
    key = match_key(title)
    for text, element in headings:
        if match_key(text) == key:
            return element
    return None


def _fallback(facts: PageFacts, headings: Iterable[tuple[str, etree._Element]]) -> TitleChoice:
    first = next(iter(headings), None)
    if first is not None:
        return TitleChoice(first[0], first[1], weak=True)
    for segment in facts.segments[:5]:
        if 2 <= len(segment.text) <= _MAX_TITLE:
            return TitleChoice(segment.text, None, weak=True)
    return TitleChoice("", None, weak=True)


_NEAR_BODY: Final = 8
_HEADLINE_GAP: Final = 15
_PROSE_LINE: Final = 40
_EMPHASIS_TAGS: Final = frozenset({"h1", "h2", "h3", "h4", "strong", "b", "big"})
# A forum post or an old CMS prints its headline after a 'subject:' label cell.
_SUBJECT_LABEL: Final = re.compile(r"^(?:主题|标题|题目|帖子主题|文章标题)\s*[:：]$")
_NOT_A_HEADLINE: Final = re.compile(
    r"[:：>»]\s*$|^\s*[>»|（(]|\d{4}[-/.年]\d{1,2}|位置|首页|导航|登录|注册|copyright|©", re.I)


def refine_title(facts: PageFacts, chosen: TitleChoice, title_index: int | None,
                 content_start: int | None) -> TitleChoice:
    """The emphasised line right above the body, when the chosen title is not shown near it.

    Old portal and forum pages carry a generic <title> ('显示', the site's name) and no <h1>; their
    headline is a bold or heading line just before the text. A headline shown within a few lines
    above the body is kept."""
    if not chosen.weak or content_start is None or facts.is_text_dump:
        return chosen
    # A guess found below the body's first line (a mailing-list box at the page's foot) is not above it.
    if title_index is not None and 0 <= content_start - title_index <= _HEADLINE_GAP:
        return chosen
    first_line = _first_prose_line(facts, content_start)
    window = facts.segments[max(0, first_line - _NEAR_BODY): first_line + 1]
    for index in range(len(window) - 1, -1, -1):
        segment = window[index]
        labelled = index > 0 and _SUBJECT_LABEL.match(window[index - 1].text) is not None
        if (labelled or _emphasised(segment.element)) and _reads_as_headline(segment.text, facts):
            return TitleChoice(_EDIT_MARK.sub("", segment.text), segment.element)
    return chosen


def _first_prose_line(facts: PageFacts, content_start: int) -> int:
    """Where the body's text begins: a body block may open with its breadcrumb and headline."""
    for index in range(content_start, min(content_start + _NEAR_BODY, len(facts.segments))):
        if len(facts.segments[index].text) >= _PROSE_LINE:
            return index
    return content_start


def _emphasised(element: etree._Element) -> bool:
    for node in (element, element.getparent()):
        if node is None:
            continue
        if node.tag in _EMPHASIS_TAGS or "title" in (node.get("class") or "").lower():
            return True
    return False


def _reads_as_headline(text: str, facts: PageFacts) -> bool:
    key = match_key(text)
    long_enough = len(key) >= 12 if key.isascii() else len(key) >= 4
    names_site = any(name and (name in key or key in name) for name in site_names_of(facts))
    return long_enough and len(text) <= _MAX_TITLE and not _NOT_A_HEADLINE.search(text) and not names_site
