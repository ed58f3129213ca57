"""Cleaning the chosen body block: what is not the story goes (scripts, hidden blocks, share bars,
link lists, editor and pager lines, "read also" pointers, the repeated headline), lazy images get
their real address, and the text is read one line per block."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from lxml import etree

from feedd.content import BLOCK_TAGS, marks_of, marks_say
from feedd.extract_page import INVISIBLE_TAGS, NOTHING, Measure, collect_visible_text, drop_keeping_tail, text_of
from feedd.sanitize import strip_xml_invalid

_SLIDE_TAGS: Final = frozenset({"div", "section", "li", "figure", "article"})
# Only display:none: galleries and sliders set visibility:hidden until their script lays them out.
_NO_DISPLAY: Final = re.compile(r"display\s*:\s*none", re.IGNORECASE)
# A hidden block this big a share of the body is the story a script reveals (a paywall's fold).
_HIDDEN_STORY_SHARE: Final = 0.4
_BOILERPLATE_LINE: Final = re.compile(
    r"^\s*[\[【(（]?\s*(?:责任编辑|责编|编辑|纠错|分享到|打印|关闭窗口|扫一扫|返回顶部|相关(?:新闻|阅读|文章)|"
    r"版权(?:声明|所有)|阅读下一篇|上一篇|下一篇|点击(?:进入|查看)|推荐阅读|延伸阅读|相关报道)", re.IGNORECASE)
# A pager line: page numbers and previous/next links only ('第1页/共1页', '|<<1234下一页>>|').
_PAGER_LINE: Final = re.compile(
    r"^[\s|<>«»\[\]()/\d.…-]*(?:(?:上一页|下一页|首页|尾页|末页|第\s*\d+\s*页|共\s*\d+\s*页)[\s|<>«»\[\]()/\d.…-]*)+$")
# Whole lines that label page furniture rather than say anything: ad markers, the heading of a
# related-stories or comments block, share and like prompts (the languages of the corpus pages).
_FURNITURE_LABEL: Final = re.compile(
    r"^\W*(?:advertisements?|anzeige|werbung|reklama|publicidad|publicité|pubblicità|"
    r"related(?: (?:posts|articles|stories|content))?|you (?:may|might) also like|ähnliche (?:beiträge|artikel)|"
    r"das könnte (?:dich|sie) auch interessieren|mehr zum thema|zum weiterlesen|notas relacionadas|"
    r"noticias relacionadas|leia também|(?:à )?lire aussi|"
    r"\d*\s*comments?|kommentare?(?: geschlossen)?|kommentieren sie|leave a (?:comment|reply)|"
    r"share this(?: article| story)?|(?:gefällt mir\W*)?wird geladen|loading)\W*$", re.IGNORECASE)
# "Read also: <another headline>" set between the paragraphs, linked or not: the label and its colon
# say it points elsewhere (the labels of the corpus languages).
_READ_ALSO: Final = re.compile(
    r"^\W*(?:read (?:more|also)|see also|also read|lesen sie (?:auch|mehr)|mehr dazu|lea también|lee también|"
    r"mir[ae]|puedes ver|te puede interesar|leer más|leia também|(?:à )?lire aussi|czytaj (?:też|także|również)|"
    r"zobacz (?:też|także|również)|leggi anche)\s*[:：]", re.IGNORECASE)
_LIST_TAGS: Final = frozenset({"ul", "ol", "div", "table", "section", "dl"})
# Link share of a block opened by a furniture label: its links carry dates or sources beside them.
_LABELLED_LIST_LINKS: Final = 0.3
_POINTER_TAGS: Final = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "blockquote"})
_LINK_LINE_CHARS: Final = 200
_LINK_HEADLINE_CHARS: Final = 15
_DROPPED_TAGS: Final = frozenset({"form", "input", "nav", "aside", "footer"})
_LINE_TAGS: Final = frozenset({"p", "div", "span", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "font", "td",
                               "figcaption"})
_LAZY_SRC: Final = ("data-src", "data-original", "data-lazy-src", "data-actualsrc", "data-url", "data-echo",
                    "data-lazyload", "original", "file", "data-original-src")
_PLACEHOLDER_SRC: Final = re.compile(r"^data:|blank|spacer|loading|lazy|placeholder|grey\.gif|pixel", re.I)


def clean_content(node: etree._Element, measures: dict[etree._Element, Measure], title: str) -> None:
    """Drop what is not the story from inside the chosen block: scripts, share bars, link lists,
    editor lines, the repeated headline."""
    total = max(measures.get(node, NOTHING).text, 1)
    known: dict[str, tuple[bool, bool]] = {}
    story = _Story(measures, total, title, known, _layout_rows(node, measures, total * 0.5, known))
    doomed: list[etree._Element] = []
    _find_doomed(node, story, doomed)
    for element in doomed:
        drop_keeping_tail(element)


@dataclass(frozen=True)
class _Story:
    """What judging one element of the body needs: sizes, the body's text length, the headline,
    the class/id verdicts so far and the layout rows kept whole."""

    measures: dict[etree._Element, Measure]
    total: int
    title: str
    known: dict[str, tuple[bool, bool]]
    layout: set[etree._Element]


def _find_doomed(parent: etree._Element, story: _Story, doomed: list[etree._Element]) -> None:
    """The elements below `parent` that are not the story, in page order. What lies inside a doomed
    element goes with it, so it is not judged (a third of a body's elements, on share bars and lists)."""
    for element in parent:
        if _not_story(element, story):
            doomed.append(element)
        else:
            _find_doomed(element, story, doomed)


def _not_story(element: etree._Element, story: _Story) -> bool:
    tag = element.tag
    if not isinstance(tag, str) or tag in INVISIBLE_TAGS or tag in _DROPPED_TAGS:
        return True
    if _hidden(element) and story.measures.get(element, NOTHING).text < story.total * _HIDDEN_STORY_SHARE:
        return True
    if element in story.layout:
        return False
    sizes = story.measures.get(element)
    return sizes is not None and _is_boilerplate(element, tag, sizes, story.total * 0.5, story.title, story.known)


def _hidden(element: etree._Element) -> bool:
    """Markup the page keeps out of sight until a script shows it (a paywall's offer, a sign-in
    prompt, a second copy of the story for crawlers), unless it is one slide of a gallery. A class
    'hidden' beside a screen-size variant ('hidden md:block') is shown on a desktop."""
    style = element.get("style")
    marks = element.get("class") or ""
    tokens = marks.split() if "hidden" in marks else []
    if not (element.get("hidden") is not None or (style and _NO_DISPLAY.search(style))
            or ("hidden" in tokens and not any(":" in token for token in tokens))):
        return False
    return not _gallery_slide(element, marks)


def _gallery_slide(element: etree._Element, marks: str) -> bool:
    """A block among siblings of the same name: a slideshow or a paged list shows one at a time and
    hides the rest, which are as much the story."""
    parent = element.getparent()
    name = _unhidden_name(marks)
    if parent is None or element.tag not in _SLIDE_TAGS or not name:
        return False
    return any(sibling is not element and sibling.tag == element.tag
               and _unhidden_name(sibling.get("class") or "") == name for sibling in parent)


def _unhidden_name(marks: str) -> str:
    return " ".join(token for token in marks.split() if token != "hidden")


def _layout_rows(node: etree._Element, measures: dict[etree._Element, Measure], minor: float,
                 known: dict[str, tuple[bool, bool]]) -> set[etree._Element]:
    """Children of the body that share one furniture-like name ('sidebar-grid__container') and
    together hold half its text or more: the rows of the page's layout grid that the story is split
    over, each too small alone to escape the furniture rule."""
    rows: dict[str, list[etree._Element]] = {}
    for child in node:
        if isinstance(child.tag, str) and marks_say(child, known) == (False, True):
            rows.setdefault(marks_of(child), []).append(child)
    kept: set[etree._Element] = set()
    for group in rows.values():
        if len(group) >= 2 and sum(measures.get(row, NOTHING).text for row in group) >= minor:
            kept.update(group)
    return kept


def _is_boilerplate(element: etree._Element, tag: str, sizes: Measure, minor: float, title: str,
                    known: dict[str, tuple[bool, bool]]) -> bool:
    """Furniture by name or by link density, or a short editor/share/headline line; never a block
    holding `minor` (half the body's text) or more."""
    positive, negative = marks_say(element, known)
    if negative and not positive and sizes.text < minor:
        return True
    if tag in _LIST_TAGS and sizes.text > 0 and sizes.text < minor:
        density = sizes.links / sizes.text
        if density > 0.6 or (density > _LABELLED_LIST_LINKS and _opens_with_label(element)):
            return True
    # "Read also: <a>another story</a>" between the paragraphs: one headline-long link, little else.
    if (tag == "p" and 0 < sizes.text < _LINK_LINE_CHARS and sizes.links / sizes.text > 0.6
            and sizes.links >= _LINK_HEADLINE_CHARS and len(element.findall(".//a")) == 1):
        return True
    if tag in _POINTER_TAGS and 0 < sizes.text < _LINK_LINE_CHARS and _READ_ALSO.match(text_of(element)):
        return True
    # An element without visible text can match neither a boilerplate line nor the title.
    if tag in _LINE_TAGS and 0 < sizes.text < 80:
        text = text_of(element).strip()
        if _BOILERPLATE_LINE.match(text) or _FURNITURE_LABEL.match(text) or _PAGER_LINE.match(text):
            return True
        if title and tag in ("h1", "h2", "h3") and text == title:
            return True
    return False


def _opens_with_label(element: etree._Element) -> bool:
    """A block whose first line labels furniture ('相关报道：', 'Related stories'): the links under
    it, each with its date or source beside it, point elsewhere."""
    first = next((line for line in content_text(element).split("\n", 2)[:2] if line), "")
    return bool(_BOILERPLATE_LINE.match(first) or _FURNITURE_LABEL.match(first))


def resolve_images(node: etree._Element) -> None:
    """Lazy images: the real address sits in data-src / data-original while src is a placeholder."""
    for image in node.iter("img"):
        source = (image.get("src") or "").strip()
        if source and not _PLACEHOLDER_SRC.search(source):
            continue
        for attribute in _LAZY_SRC:
            lazy = (image.get(attribute) or "").strip()
            if lazy and not lazy.startswith("data:"):
                image.set("src", strip_xml_invalid(lazy))  # lxml refuses what XML cannot carry
                break


def content_text(node: etree._Element) -> str:
    """Visible text with one line per block, without what XML cannot carry (a '&#1;' in the page)."""
    parts: list[str] = []
    collect_visible_text(node, parts, BLOCK_TAGS)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return strip_xml_invalid("\n".join(line for line in lines if line))
