"""The article body: find the block that holds the story, clean it, render it as safe HTML and text.

Scoring follows the readability idea: every paragraph scores by its length and punctuation and
passes its score up to its ancestors; link-heavy or boilerplate-named blocks are discounted, and a
block inside reader comments or a cookie dialog barely counts. The page walk (extract_page) has
already measured text, link text and punctuation of every element, so no subtree is measured twice.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Final

from lxml import etree

from feedd.extract_page import NOTHING, Measure, PageWalk, text_of

BLOCK_TAGS: Final = frozenset({"p", "div", "section", "article", "main", "td", "th", "li", "ul", "ol", "table",
                         "tbody", "tr", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "figure",
                         "figcaption", "dl", "dd", "dt", "center", "form", "header", "footer", "aside",
                         "nav", "br", "hr", "font"})
_PARAGRAPH_TAGS: Final = frozenset({"p", "pre", "blockquote", "td", "div", "span", "font", "section", "li", "center"})
_CONTAINER_TAGS: Final = frozenset({"div", "article", "section", "main", "td", "body", "center", "font", "span"})
# Class/id words of page furniture, matched against whole words of the class ('related-news',
# 'commentList'), never inside other words ('marginbottom5').
_NEGATIVE_WORDS: Final = frozenset({
    "foot", "footer", "nav", "navbar", "navigation", "sidebar", "side", "aside", "ad", "ads", "advert",
    "promo", "crumb", "breadcrumb", "breadcrumbs", "menu", "widget", "hot", "hotnews", "rank", "copyright",
    "tag", "tags", "popup", "login", "subscribe", "newsletter", "toolbar", "print", "pager", "pagination",
    "social", "bottom", "top", "header", "masthead", "banner", "modal", "cookie", "cookies", "disclaimer",
    "keyword", "keywords", "xgyd", "xgxw", "tuijian", "morenews", "sponsor", "sponsored", "outbrain", "taboola",
    "consent", "onetrust", "gdpr", "adv", "references", "reflist", "footnotes", "bio", "biography",
})
_NEGATIVE_PREFIXES: Final = ("comment", "share", "sharing", "related", "recommend", "relevant", "advert", "footer",
                             "sidebar", "breadcrumb", "newsletter", "social", "kommentar", "comentario")
# Any word of a class/id (words are joined by '-' or '_') that is furniture or starts like it.
_FURNITURE_MARK: Final = re.compile(
    r"(?:^|[\s_-])(?:(?:" + "|".join(sorted(_NEGATIVE_WORDS, key=len, reverse=True)) + r")(?=$|[\s_-])|"
    r"(?:" + "|".join(_NEGATIVE_PREFIXES) + "))")
_WORD_JOINS: Final = re.compile(r"[_-]+")
_SLUG_GAPS: Final = re.compile(r"\W+")
_HEADING_TAGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Matched against lower-cased names: a case-blind pattern costs three times as much, on every element.
# The lookahead names each word's first letter, so the engine skips other positions at once.
_POSITIVE: Final = re.compile(
    r"(?=[abcdemnprstuz])(?:article|content|\bbody|entry|\bmain|post|story|detail|\btext\b|txt|zw\b|zhengwen|trs_editor|"
    r"unionstyle|rich_media|news_?con|con_?txt|artibody|endtext|post_?text)")
_FURNITURE_WEIGHT: Final = 0.4
_POSITIVE_WEIGHT: Final = 1.3
_MAX_WEIGHT: Final = 1.0 * _POSITIVE_WEIGHT * _POSITIVE_WEIGHT  # an <article> whose class says so
# Sections that hold prose but never the story, whatever is inside them.
_SIDE_SECTION_PREFIXES: Final = (
    "comment", "kommentar", "comentario", "disqus", "cookie", "consent", "onetrust", "gdpr")
_SIDE_SECTION_WEIGHT: Final = 0.1
# Climb at most this many levels, and only for this much more prose.
_WIDEN_LEVELS: Final = 6
_WIDEN_GAIN: Final = 1.6
_WIDEN_MIN_CHARS: Final = 250
# Share of the prose a parent adds that must come before the block, written like the block's own
# paragraphs, for it to count as the story's lead.
_LEAD_SHARE: Final = 0.75
# ... and it must be a real part of the story, in a parent that holds little but prose (no header
# lines, share bars or captions around it).
_LEAD_MIN: Final = 0.2
_LEAD_PROSE: Final = 0.8
# Blocks that split a story into parts; the rows of a table layout above a story are the page's
# masthead and section labels, printed like its paragraphs.
_LEAD_PARENTS: Final = frozenset({"div", "article", "section", "main"})


def measure(root: etree._Element) -> dict[etree._Element, Measure]:
    """Text length and link-text length of every element, in one bottom-up walk."""
    walk = PageWalk()
    walk.visit(root)
    return walk.measures


def find_content_node(root: etree._Element, measures: dict[etree._Element, Measure]) -> etree._Element:
    """The element that best holds the article's paragraphs."""
    candidates: dict[etree._Element, float] = {}
    paragraphs: list[tuple[etree._Element, int]] = []
    known: dict[str, tuple[bool, bool]] = {}
    for node in root.iter(*_PARAGRAPH_TAGS):
        sizes = measures.get(node)
        if sizes is None or sizes.text < 20:
            continue
        length = _paragraph_length(node, measures)
        if length < 20 or _inside_paragraph(node):
            continue
        points = 1 + sizes.marks + min(length / 100, 3)
        _credit_ancestors(node, points, candidates)
        if sizes.links < sizes.text * 0.3:
            paragraphs.append((node, length))
    best: etree._Element | None = None
    best_score = 0.0
    for node, points in candidates.items():
        sizes = measures.get(node, NOTHING)
        density = sizes.links / sizes.text if sizes.text else 1.0
        plain = points * (1 - density)
        if plain * _MAX_WEIGHT <= best_score:
            continue  # no class or tag weight could lift it past the best
        score = plain * _class_weight(node, known)
        # Checked only for a would-be winner.
        if score > best_score and _inside_side_section(node):
            score *= _SIDE_SECTION_WEIGHT
        if score > best_score:
            best, best_score = node, score
    if best is None:
        body = root.find("body")
        return body if body is not None else root
    chain = _widening_chain(best)
    return _widen(chain, _prose_held(chain, paragraphs, known), paragraphs, measures)


def _widening_chain(best: etree._Element) -> list[etree._Element]:
    """The best block and the ancestors it may widen to, nearest first."""
    chain = [best]
    for depth, ancestor in enumerate(best.iterancestors()):
        if depth >= _WIDEN_LEVELS or ancestor.tag in ("html", "body"):
            break
        chain.append(ancestor)
    return chain


def _prose_held(chain: list[etree._Element], paragraphs: list[tuple[etree._Element, int]],
                known: dict[str, tuple[bool, bool]]) -> dict[etree._Element, list[tuple[int, int]]]:
    """The prose each chain block holds, as (paragraph number, length) in page order: a paragraph
    counts for the blocks above it up to the first furniture block (comments, sidebars), so a
    block's prose is only its story-like text. Each node's share of the chain is worked out once,
    not once per paragraph."""
    members = set(chain)
    top = chain[-1]
    reach: dict[etree._Element, tuple[etree._Element, ...]] = {}
    held: dict[etree._Element, list[tuple[int, int]]] = {}
    layout = _layout_marks(chain, known)
    for number, (paragraph, length) in enumerate(paragraphs):
        for block in _chain_above(paragraph, top, members, reach, known, layout):
            held.setdefault(block, []).append((number, length))
    return held


def _layout_marks(chain: list[etree._Element], known: dict[str, tuple[bool, bool]]) -> frozenset[str]:
    """Furniture-named class/id strings that wrap the best block itself: there they name the page's
    layout grid ('sidebar-grid__container'), and a sibling block with the same name holds more of
    the same story, not furniture."""
    return frozenset(marks_of(block) for block in chain[1:] if marks_say(block, known)[1])


def _chain_above(node: etree._Element, top: etree._Element, members: set[etree._Element],
                 reach: dict[etree._Element, tuple[etree._Element, ...]],
                 known: dict[str, tuple[bool, bool]], layout: frozenset[str]) -> tuple[etree._Element, ...]:
    """The chain blocks a paragraph at `node` counts for; `reach` remembers every node's answer."""
    path: list[etree._Element] = []
    found: tuple[etree._Element, ...] = ()
    current: etree._Element | None = node
    while current is not None:
        remembered = reach.get(current)
        if remembered is not None:
            found = remembered
            break
        positive, negative = marks_say(current, known)
        if negative and not positive and marks_of(current) not in layout:
            reach[current] = ()
            break
        path.append(current)
        if current is top:
            break
        current = current.getparent()
    for step in reversed(path):
        if step in members:
            found = (step, *found)
        reach[step] = found
    return found


def _widen(chain: list[etree._Element], prose: dict[etree._Element, list[tuple[int, int]]],
           paragraphs: list[tuple[etree._Element, int]], measures: dict[etree._Element, Measure]) -> etree._Element:
    """A story split over sibling blocks (pages of a story stack, text around an embed): climb while
    the parent holds clearly more prose and stays prose, not navigation. Prose set before the block
    is the story's lead split off ('read more' folds, a first text widget) and needs no more than
    its length; prose after it could be an author's bio or a teaser, and must outweigh it."""
    node = chain[0]
    for ancestor in chain[1:]:
        sizes = measures.get(ancestor, NOTHING)
        items = prose.get(ancestor, [])
        held = sum(length for _, length in items)
        if sizes.links > sizes.text * 0.2 or held < sizes.text * 0.6:
            break
        own = prose.get(node, [])
        have = sum(length for _, length in own)
        gain = held - have
        if gain < _WIDEN_MIN_CHARS:
            continue
        if held >= have * _WIDEN_GAIN or (ancestor.tag in _LEAD_PARENTS and held >= sizes.text * _LEAD_PROSE
                                          and _lead_found(items, own, paragraphs, gain)):
            node = ancestor
    return node


def _lead_found(items: list[tuple[int, int]], own: list[tuple[int, int]],
                paragraphs: list[tuple[etree._Element, int]], gain: int) -> bool:
    """Whether most of the prose a parent adds comes before the block, written like its paragraphs."""
    start = own[0][0] if own else len(paragraphs)
    kinds = {_kind(paragraphs[number][0]) for number, _ in own}
    lead = sum(length for number, length in items if number < start and _kind(paragraphs[number][0]) in kinds)
    return lead >= gain * _LEAD_SHARE and lead >= sum(length for _, length in own) * _LEAD_MIN


def _kind(paragraph: etree._Element) -> tuple[str, str]:
    """How a paragraph is written: a story's lead set apart is written like its other paragraphs,
    a standfirst or a header line is not."""
    return paragraph.tag, paragraph.get("class", "")


def _inside_paragraph(node: etree._Element) -> bool:
    """A <span> or <font> within a <p> is part of that paragraph, already counted whole with it."""
    return next(node.iterancestors("p", "pre"), None) is not None


def _paragraph_length(node: etree._Element, measures: dict[etree._Element, Measure]) -> int:
    """Text the node holds itself, not through nested blocks (a <div> of <p>s is not a paragraph)."""
    if node.tag in ("p", "pre", "blockquote"):
        sizes = measures[node]
        return sizes.text - sizes.links
    own = len((node.text or "").strip())
    for child in node:
        if isinstance(child.tag, str) and child.tag not in BLOCK_TAGS and child.tag != "a":
            own += measures.get(child, NOTHING).text
        own += len((child.tail or "").strip())
    return own


def _credit_ancestors(node: etree._Element, points: float, candidates: dict[etree._Element, float]) -> None:
    ancestor = node if node.tag in _CONTAINER_TAGS and node.tag not in ("span", "font") else node.getparent()
    level = 0
    while ancestor is not None and level < 3:
        if isinstance(ancestor.tag, str) and ancestor.tag not in ("html",):
            share = points if level == 0 else points / (level * 2)
            candidates[ancestor] = candidates.get(ancestor, 0.0) + share
        ancestor = ancestor.getparent()
        level += 1


def _furniture_word(word: str) -> bool:
    return word in _NEGATIVE_WORDS or word.startswith(_NEGATIVE_PREFIXES)


def _read_marks(marks: str) -> tuple[bool, bool]:
    """(names story, names furniture). A furniture word names no story, whatever it holds
    ('jp-relatedposts' is not a post); the other words of its token still can ('sr-body-share')."""
    lowered = marks.lower()
    if not _FURNITURE_MARK.search(lowered):
        # Most names hold no furniture word: one search over the whole string says the same.
        return bool(_POSITIVE.search(lowered)), False
    positive = negative = False
    for token in lowered.split():
        words = _WORD_JOINS.split(token)
        kept = [word for word in words if not _furniture_word(word)]
        if len(kept) < len(words):
            negative = True
            token = "-".join(kept)
        positive = positive or bool(_POSITIVE.search(token))
    return positive, negative


def marks_say(node: etree._Element, known: dict[str, tuple[bool, bool]]) -> tuple[bool, bool]:
    """Whether the node's class/id words name story content and whether they name furniture;
    `known` remembers each class/id string, as a page repeats the same few many times."""
    marks = marks_of(node)
    said = known.get(marks)
    if said is None:
        said = _read_marks(marks)
        if said[1] and _anchors_its_heading(node):
            said = _read_marks(node.get("class", ""))
        known[marks] = said
    return said


def _anchors_its_heading(node: etree._Element) -> bool:
    """An id that is its section's heading turned into a slug (documentation generators and
    Markdown write 'sharing-with-a-single-developer' over 'Sharing with a single developer'): the
    heading's words, not a name for furniture."""
    anchor = node.get("id", "")
    if "-" not in anchor:
        return False
    for child in islice(node, 2):
        if isinstance(child.tag, str) and child.tag in _HEADING_TAGS:
            return _SLUG_GAPS.sub("-", text_of(child).lower()).strip("-") == anchor.lower()
    return False


def marks_of(node: etree._Element) -> str:
    return f"{node.get('class', '')} {node.get('id', '')}"


def _inside_side_section(node: etree._Element) -> bool:
    """A block within reader comments or a cookie/consent dialog. Only these: words like 'sidebar'
    also name the layout grids that wrap a whole story."""
    for ancestor in node.iterancestors():
        if ancestor.tag in ("body", "html"):
            return False
        marks = f"{ancestor.get('class', '')} {ancestor.get('id', '')}".lower()
        if any(word in marks for word in _SIDE_SECTION_PREFIXES) and any(
                word.startswith(_SIDE_SECTION_PREFIXES) for word in re.split(r"[\s_-]+", marks)):
            return True
    return False


def _class_weight(node: etree._Element, known: dict[str, tuple[bool, bool]]) -> float:
    positive, negative = marks_say(node, known)
    weight = 1.0
    if node.tag in ("article", "main"):
        weight *= _POSITIVE_WEIGHT
    if positive:
        weight *= _POSITIVE_WEIGHT
    if negative:
        weight *= _FURNITURE_WEIGHT
    return weight


