"""The article body: find the block that holds the story, clean it, render it as safe HTML and text.

Scoring follows the readability idea: every paragraph scores by its length and punctuation and
passes its score up to its ancestors; link-heavy or boilerplate-named blocks are discounted, and a
block inside reader comments or a cookie dialog barely counts. The page walk (extract_page) has
already measured text, link text and punctuation of every element, so no subtree is measured twice.
"""

from __future__ import annotations

import re
from itertools import islice

from lxml import etree

from feedd.extract_page import INVISIBLE_TAGS, Measure, PageWalk, collect_visible_text, text_of

_BLOCK_TAGS = frozenset({"p", "div", "section", "article", "main", "td", "th", "li", "ul", "ol", "table",
                         "tbody", "tr", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "figure",
                         "figcaption", "dl", "dd", "dt", "center", "form", "header", "footer", "aside",
                         "nav", "br", "hr", "font"})
_PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote", "td", "div", "span", "font", "section", "li", "center"})
_CONTAINER_TAGS = frozenset({"div", "article", "section", "main", "td", "body", "center", "font", "span"})
# Class/id words of page furniture, matched against whole words of the class ('related-news',
# 'commentList'), never inside other words ('marginbottom5').
_NEGATIVE_WORDS = frozenset({
    "foot", "footer", "nav", "navbar", "navigation", "sidebar", "side", "aside", "ad", "ads", "advert",
    "promo", "crumb", "breadcrumb", "breadcrumbs", "menu", "widget", "hot", "hotnews", "rank", "copyright",
    "tag", "tags", "popup", "login", "subscribe", "newsletter", "toolbar", "print", "pager", "pagination",
    "social", "bottom", "top", "header", "masthead", "banner", "modal", "cookie", "cookies", "disclaimer",
    "keyword", "keywords", "xgyd", "xgxw", "tuijian", "morenews", "sponsor", "sponsored", "outbrain", "taboola",
    "consent", "onetrust", "gdpr", "adv", "references", "reflist", "footnotes", "bio", "biography",
})
_NEGATIVE_PREFIXES = ("comment", "share", "sharing", "related", "recommend", "relevant", "advert", "footer",
                      "sidebar", "breadcrumb", "newsletter", "social", "kommentar", "comentario")
# Any word of a class/id (words are joined by '-' or '_') that is furniture or starts like it.
_FURNITURE_MARK = re.compile(
    r"(?:^|[\s_-])(?:(?:" + "|".join(sorted(_NEGATIVE_WORDS, key=len, reverse=True)) + r")(?=$|[\s_-])|"
    r"(?:" + "|".join(_NEGATIVE_PREFIXES) + "))")
_WORD_JOINS = re.compile(r"[_-]+")
_SLIDE_TAGS = frozenset({"div", "section", "li", "figure", "article"})
# Only display:none: galleries and sliders set visibility:hidden until their script lays them out.
_NO_DISPLAY = re.compile(r"display\s*:\s*none", re.IGNORECASE)
# A hidden block this big a share of the body is the story a script reveals (a paywall's fold).
_HIDDEN_STORY_SHARE = 0.4
_SLUG_GAPS = re.compile(r"\W+")
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Matched against lower-cased names: a case-blind pattern costs three times as much, on every element.
_POSITIVE = re.compile(
    r"article|content|\bbody|entry|\bmain|post|story|detail|\btext\b|txt|zw\b|zhengwen|trs_editor|"
    r"unionstyle|rich_media|news_?con|con_?txt|artibody|endtext|post_?text")
_BOILERPLATE_LINE = re.compile(
    r"^\s*[\[【(（]?\s*(?:责任编辑|责编|编辑|纠错|分享到|打印|关闭窗口|扫一扫|返回顶部|相关(?:新闻|阅读|文章)|"
    r"版权(?:声明|所有)|阅读下一篇|上一篇|下一篇|点击(?:进入|查看)|推荐阅读|延伸阅读|相关报道)", re.IGNORECASE)
# A pager line: page numbers and previous/next links only ('第1页/共1页', '|<<1234下一页>>|').
_PAGER_LINE = re.compile(
    r"^[\s|<>«»\[\]()/\d.…-]*(?:(?:上一页|下一页|首页|尾页|末页|第\s*\d+\s*页|共\s*\d+\s*页)[\s|<>«»\[\]()/\d.…-]*)+$")
# Whole lines that label page furniture rather than say anything: ad markers, the heading of a
# related-stories or comments block, share and like prompts (the languages of the corpus pages).
_FURNITURE_LABEL = re.compile(
    r"^\W*(?:advertisements?|anzeige|werbung|reklama|publicidad|publicité|pubblicità|"
    r"related(?: (?:posts|articles|stories|content))?|you (?:may|might) also like|ähnliche (?:beiträge|artikel)|"
    r"das könnte (?:dich|sie) auch interessieren|mehr zum thema|zum weiterlesen|notas relacionadas|"
    r"noticias relacionadas|leia também|(?:à )?lire aussi|"
    r"\d*\s*comments?|kommentare?(?: geschlossen)?|kommentieren sie|leave a (?:comment|reply)|"
    r"share this(?: article| story)?|(?:gefällt mir\W*)?wird geladen|loading)\W*$", re.IGNORECASE)
# "Read also: <another headline>" set between the paragraphs, linked or not: the label and its colon
# say it points elsewhere (the labels of the corpus languages).
_READ_ALSO = re.compile(
    r"^\W*(?:read (?:more|also)|see also|also read|lesen sie (?:auch|mehr)|mehr dazu|lea también|lee también|"
    r"mir[ae]|puedes ver|te puede interesar|leer más|leia também|(?:à )?lire aussi|czytaj (?:też|także|również)|"
    r"zobacz (?:też|także|również)|leggi anche)\s*[:：]", re.IGNORECASE)
_LIST_TAGS = frozenset({"ul", "ol", "div", "table", "section", "dl"})
# Link share of a block opened by a furniture label: its links carry dates or sources beside them.
_LABELLED_LIST_LINKS = 0.3
_POINTER_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "blockquote"})
_FURNITURE_WEIGHT = 0.4
_POSITIVE_WEIGHT = 1.3
_MAX_WEIGHT = 1.0 * _POSITIVE_WEIGHT * _POSITIVE_WEIGHT  # an <article> whose class says so
_LINK_LINE_CHARS = 200
_LINK_HEADLINE_CHARS = 15
# Sections that hold prose but never the story, whatever is inside them.
_SIDE_SECTION_PREFIXES = ("comment", "kommentar", "comentario", "disqus", "cookie", "consent", "onetrust", "gdpr")
_SIDE_SECTION_WEIGHT = 0.1
_DROPPED_TAGS = frozenset({"form", "input", "nav", "aside", "footer"})
_LINE_TAGS = frozenset({"p", "div", "span", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "font", "td",
                        "figcaption"})
# Climb at most this many levels, and only for this much more prose.
_WIDEN_LEVELS = 6
_WIDEN_GAIN = 1.6
_WIDEN_MIN_CHARS = 250
# Share of the prose a parent adds that must come before the block, written like the block's own
# paragraphs, for it to count as the story's lead.
_LEAD_SHARE = 0.75
# ... and it must be a real part of the story, in a parent that holds little but prose (no header
# lines, share bars or captions around it).
_LEAD_MIN = 0.2
_LEAD_PROSE = 0.8
# Blocks that split a story into parts; the rows of a table layout above a story are the page's
# masthead and section labels, printed like its paragraphs.
_LEAD_PARENTS = frozenset({"div", "article", "section", "main"})
_LAZY_SRC = ("data-src", "data-original", "data-lazy-src", "data-actualsrc", "data-url", "data-echo",
             "data-lazyload", "original", "file", "data-original-src")
_PLACEHOLDER_SRC = re.compile(r"^data:|blank|spacer|loading|lazy|placeholder|grey\.gif|pixel", re.I)


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
        sizes = measures.get(node, Measure())
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
    return frozenset(_marks(block) for block in chain[1:] if _marks_say(block, known)[1])


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
        positive, negative = _marks_say(current, known)
        if negative and not positive and _marks(current) not in layout:
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
        sizes = measures.get(ancestor, Measure())
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
        if isinstance(child.tag, str) and child.tag not in _BLOCK_TAGS and child.tag != "a":
            own += measures.get(child, Measure()).text
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


def _marks_say(node: etree._Element, known: dict[str, tuple[bool, bool]]) -> tuple[bool, bool]:
    """Whether the node's class/id words name story content and whether they name furniture;
    `known` remembers each class/id string, as a page repeats the same few many times."""
    marks = _marks(node)
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


def _marks(node: etree._Element) -> str:
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
    positive, negative = _marks_say(node, known)
    weight = 1.0
    if node.tag in ("article", "main"):
        weight *= _POSITIVE_WEIGHT
    if positive:
        weight *= _POSITIVE_WEIGHT
    if negative:
        weight *= _FURNITURE_WEIGHT
    return weight


def clean_content(node: etree._Element, measures: dict[etree._Element, Measure], title: str) -> None:
    """Drop what is not the story from inside the chosen block: scripts, share bars, link lists,
    editor lines, the repeated headline."""
    total = max(measures.get(node, Measure()).text, 1)
    doomed: list[etree._Element] = []
    known: dict[str, tuple[bool, bool]] = {}
    layout = _layout_rows(node, measures, total * 0.5, known)
    for element in node.iterdescendants():
        tag = element.tag
        if not isinstance(tag, str) or tag in INVISIBLE_TAGS or tag in _DROPPED_TAGS:
            doomed.append(element)
            continue
        if _hidden(element) and measures.get(element, Measure()).text < total * _HIDDEN_STORY_SHARE:
            doomed.append(element)
            continue
        if element in layout:
            continue
        sizes = measures.get(element)
        if sizes is not None and _is_boilerplate(element, tag, sizes, total * 0.5, title, known):
            doomed.append(element)
    for element in doomed:
        _drop(element)


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
        if isinstance(child.tag, str) and _marks_say(child, known) == (False, True):
            rows.setdefault(_marks(child), []).append(child)
    kept: set[etree._Element] = set()
    for group in rows.values():
        if len(group) >= 2 and sum(measures.get(row, Measure()).text for row in group) >= minor:
            kept.update(group)
    return kept


def _is_boilerplate(element: etree._Element, tag: str, sizes: Measure, minor: float, title: str,
                    known: dict[str, tuple[bool, bool]]) -> bool:
    """Furniture by name or by link density, or a short editor/share/headline line; never a block
    holding `minor` (half the body's text) or more."""
    positive, negative = _marks_say(element, known)
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


def _drop(element: etree._Element) -> None:
    """Remove an element but keep its tail text, which belongs to the parent."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail and tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def resolve_images(node: etree._Element) -> None:
    """Lazy images: the real address sits in data-src / data-original while src is a placeholder."""
    for image in node.iter("img"):
        source = (image.get("src") or "").strip()
        if source and not _PLACEHOLDER_SRC.search(source):
            continue
        for attribute in _LAZY_SRC:
            lazy = (image.get(attribute) or "").strip()
            if lazy and not lazy.startswith("data:"):
                image.set("src", lazy)
                break


def content_text(node: etree._Element) -> str:
    """Visible text with one line per block."""
    parts: list[str] = []
    collect_visible_text(node, parts, _BLOCK_TAGS)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


