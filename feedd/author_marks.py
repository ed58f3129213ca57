"""Writers found through markup: elements whose rel, itemprop, class or id says they hold the
byline (rel=author, itemprop=author, class="byline"), and the co-authors marked alike beside them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final

from lxml import etree

from feedd.byline_text import clean_value, without_desk
from feedd.extract_page import PageFacts, Segment, normalise_space, text_of

_AUTHOR_MARK: Final = re.compile(r"author(?!ity)|byline|writer|zuozhe|autor|auteur|reporter|writeby", re.IGNORECASE)
_AUTHOR_PROP: Final = re.compile(r"\b(?:author|creator)\b", re.IGNORECASE)
# 'with-sidebar' and 'content-sidebar' describe a layout, not a sidebar.
_AWAY_FROM_BYLINE: Final = re.compile(
    r"comment|related|recommend|(?<!with-)(?<!has-)(?<!content-)sidebar|widget|popular|"
    r"more-?from|reply|recirculation|footer|teaser", re.IGNORECASE)
# 'by' anywhere ('Posted on … by X'); the others only lead, as 'von' sits inside names too.
_BY_WORD: Final = re.compile(r"\bby\s+|^\s*(?:von|par|por|door)\s+", re.IGNORECASE)
_AUTHOR_WORD: Final = re.compile(r"^\s*(?:about the author\s*[-–:]?\s*)?"
                                 r"(?:(?:auteur|autor|autorin|author|by|por|par|von)(?:\b|(?=[A-Z]))|作者|记者|撰文)"
                                 r"\s*[:：]?\s*", re.IGNORECASE)
_BYLINE_TAIL: Final = re.compile(
    r"\s*[|·•]\s*|,?\s+\d|\s@|\s+(?:on|am|le|el|il|den)\s+\d"
    r"|\s+(?:updated|published|publicado|follow)\b|\s*[+＋]?\s*(?:关注|订阅)", re.IGNORECASE)
BY_PREFIX: Final = re.compile(r"^\s*(?:(?:posted|written|published|publicado|publié|veröffentlicht)\s+)?"
                              r"(?:(?:by|von|par|por|text)\b|作者|记者|記者)\s*[:：]?\s*", re.IGNORECASE)
_YEAR: Final = re.compile(r"\d{4}")
# A breadcrumb trail ('当前位置 : 上海新闻网 > 新闻资讯 > …') in a box a theme happens to call 'news-author'.
_BREADCRUMB: Final = re.compile(r"当前位置|您的位置|你的位置|所在位置|您现在的位置|\S\s*[>»›]\s*\S.*\s[>»›]\s")
# How far above a text run the byline mark may sit, and how big a byline box may be.
_MARK_LEVELS: Final = 5
_CLASS_LEVELS: Final = 3
_UNMARKED, _NAMED, _SEMANTIC = 0, 1, 2
_BYLINE_CHARS: Final = 120
_COAUTHOR_BOX_CHARS: Final = 400
_MAX_WRITERS: Final = 6


def marked_text(segments: Sequence[Segment], marker: re.Pattern[str]) -> str | None:
    """Text of a short element whose class or id says what it holds (class="source")."""
    for segment in segments:
        element = segment.element
        for node in (element, element.getparent()):
            if node is None:
                continue
            marks = f"{node.get('class', '')} {node.get('id', '')} {node.get('itemprop', '')}"
            if marker.search(marks) and len(segment.text) <= 40:
                value = clean_value(BY_PREFIX.sub("", segment.text))
                if value and not _YEAR.search(value):
                    return value
    return None


def marked_author(facts: PageFacts, segments: Sequence[Segment], wrappers: frozenset[etree._Element],
                  plausible: Callable[[str], bool]) -> str | None:
    """The first element among `segments` marked as the byline that is not inside comments,
    related-article lists or sidebars; `wrappers` hold the whole article and are never furniture."""
    marked: dict[etree._Element, int] = {}
    names: dict[str, bool] = {}
    looked: set[etree._Element] = set()
    for segment in segments:
        # An element holding several lines was looked at with the first of them.
        if len(segment.text) > 80 or segment.element in looked:
            continue
        looked.add(segment.element)
        node = _author_mark(segment.element, marked, names)
        if node is None or _in_furniture(node, wrappers):
            continue
        sizes = facts.measures.get(node)
        whole = normalise_space(text_of(node)) if sizes is not None and sizes.text <= _BYLINE_CHARS else None
        if whole and _BREADCRUMB.search(whole):
            continue
        # The box read whole ('By <a>Name</a>'), else the one line, whose twins are co-authors;
        # a box of names each in an element of its own is read name by name.
        readings = [(whole, node), (segment.text, segment.element)]
        if segment.element is not node and _has_twin(node, segment.element):
            readings.reverse()
        for text, holder in readings:
            name = byline_name(text) if text else None
            if name and plausible(name):
                return ", ".join(_with_coauthors(facts, holder, name, plausible))
    return None


def coauthors_of(facts: PageFacts, segments: Sequence[Segment], name: str, wrappers: frozenset[etree._Element],
                 plausible: Callable[[str], bool]) -> str:
    """`name` and the writers marked alike beside it, when the page shows `name` marked as a writer
    (its parts may sit in elements of their own: <span>Marlene Lundberg</span> <span>Holm</span>)."""
    for segment in segments:
        text = segment.text
        if not (name in text or (len(text) >= 4 and text in name)) or len(text) > 80:
            continue
        node = _author_mark(segment.element, {}, {})
        if node is not None and name in normalise_space(text_of(node)) and not _in_furniture(node, wrappers):
            holder = segment.element if segment.element is not node and _has_twin(node, segment.element) else node
            return ", ".join(_with_coauthors(facts, holder, name, plausible))
    return name


def _author_mark(element: etree._Element, marked: dict[etree._Element, int],
                 names: dict[str, bool]) -> etree._Element | None:
    """The element or an ancestor marked as the byline: a class or id near the text, rel or
    itemprop (which only markup for machines carries) a little further up."""
    node: etree._Element | None = element
    for level in range(_MARK_LEVELS):
        if node is None:
            return None
        found = marked.get(node)
        if found is None:
            found = marked[node] = _mark_kind(node, names)
        if found == _SEMANTIC or (found == _NAMED and level < _CLASS_LEVELS):
            return node
        node = node.getparent()
    return None


def _mark_kind(node: etree._Element, names: dict[str, bool]) -> int:
    """`names` remembers which class and id values name a byline: a page repeats a few of them
    on many elements."""
    get = node.get
    rel, itemprop, name, ident = get("rel"), get("itemprop"), get("class"), get("id")
    if (rel and "author" in rel) or (itemprop and _AUTHOR_PROP.search(itemprop)):
        return _SEMANTIC
    for value in (name, ident):
        if value:
            named = names.get(value)
            if named is None:
                named = names[value] = _AUTHOR_MARK.search(value) is not None
            if named:
                return _NAMED
    return _UNMARKED


def _in_furniture(node: etree._Element, wrappers: frozenset[etree._Element]) -> bool:
    for ancestor in node.iterancestors():
        if ancestor.tag in ("body", "html") or ancestor in wrappers:
            return False
        if _AWAY_FROM_BYLINE.search(f"{ancestor.get('class', '')} {ancestor.get('id', '')}"):
            return True
    return False


def _with_coauthors(facts: PageFacts, node: etree._Element, name: str,
                    plausible: Callable[[str], bool]) -> list[str]:
    """Several writers sit in elements marked alike (<a rel=author>A</a> and <a rel=author>B</a>),
    side by side or each in a byline box of its own; the smallest box holding a twin holds them all."""
    box = node.getparent()
    for _ in range(_MARK_LEVELS):
        if box is None:
            break
        sizes = facts.measures.get(box)
        if sizes is not None and sizes.text > _COAUTHOR_BOX_CHARS:
            break
        twins = [twin for twin in box.iter(node.tag) if twin is not node and _alike(twin, node)]
        if twins:
            names = [name]
            for twin in twins:
                other = byline_name(normalise_space(text_of(twin)))
                if other and not any(other in known or known in other for known in names) and plausible(other):
                    names.append(other)
            return names[:_MAX_WRITERS]
        box = box.getparent()
    return [name]


def _has_twin(box: etree._Element, element: etree._Element) -> bool:
    return any(twin is not element and _alike(twin, element) for twin in box.iter(element.tag))


def _alike(one: etree._Element, other: etree._Element) -> bool:
    return (one.get("class") == other.get("class") and one.get("rel") == other.get("rel")
            and one.get("itemprop") == other.get("itemprop"))


def byline_name(text: str) -> str | None:
    """'Posted on May 2, 2020 by Adi Tzlil' → 'Adi Tzlil'; 'Janic Cathomen, 01.12.2021' → 'Janic Cathomen'."""
    by = _BY_WORD.search(text)
    value = text[by.end():] if by else _AUTHOR_WORD.sub("", text)
    value = _BYLINE_TAIL.split(value, maxsplit=1)[0]
    return clean_value(without_desk(value)) or None
