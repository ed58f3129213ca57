"""The evidence that a run of links is a page's article list: URL shapes, dates beside links, chrome words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

from lxml import etree

from feedd.dates import parse_date
from feedd.discover_dom import HEADLINE_UNITS, Anchor, name_words, text_of, text_units
from feedd.models import Timestamp

# A date or a long numeric id in the path is how portals and blogs name article pages.
_ARTICLE_PATH = re.compile(
    r"(?:19|20)\d{2}[-/_]?[01]\d[-/_]?[0-3]\d"  # /2026-04/20/, /20260420/, t20240520_
    r"|/(?:19|20)\d{2}/[01]?\d/"  # /2014/07/
    r"|\d{5,}"  # c_1131234567, thread-202823
    r"|[a-z0-9]+(?:-[a-z0-9]+){3,}",  # a-slug-of-four-words
    re.IGNORECASE,
)
_INDEX_PAGE = re.compile(r"/(?:index|default|home|list)[_\d]*\.\w+$|/$", re.IGNORECASE)

# A date printed beside a link: full dates, month-day, clock times, relative forms (Chinese and English).
_NEAR_DATE = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*日(?:\s*\d{1,2}:\d{2})?"
    r"|(?<![\d.])[0-3]?\d\.\s?[01]?\d\.\s?(?:19|20)\d{2}(?:[\s,•|·-]+\d{1,2}:\d{2})?"  # 20.04.2026 • 17:07
    r"|(?<![\d.])[01]?\d[-/][0-3]?\d(?:\s*[(（][^)）\d]{1,3}[)）])?(?:\s*\d{1,2}:\d{2})?(?![\d/-])"  # 4/20(月) 17:53
    r"|\d+\s*(?:秒|分钟|小时|天|周|个月)前|刚刚|(?:今天|昨天|前天)(?:\s*\d{1,2}:\d{2})?"
    r"|\d+\s+(?:second|minute|hour|day|week|month)s?\s+ago|yesterday|today"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?(?:\s+\d{4})?"
    r"|\d{1,2}\.?\s+(?:jan|feb|m[aä]r|apr|ma[iy]|jun|jul|aug|sep|o[ck]t|nov|de[cz])[a-zä]*\.?(?:\s+\d{4})?",
    re.IGNORECASE,
)

# Class/id words of page chrome: menus, footers, sidebars, rankings, sharing, paging, ads.
CHROME_WORDS = frozenset({
    "nav", "navbar", "navi", "navigation", "menu", "menus", "submenu", "topnav", "subnav", "mainnav",
    "footer", "foot", "copyright", "sidebar", "aside", "hot", "hots", "hotnews", "rank", "ranking",
    "paihang", "phb", "top10", "related", "relate", "breadcrumb", "breadcrumbs", "crumb", "crumbs",
    "location", "position", "share", "sharing", "social", "pager", "pagination", "paging", "pages",
    "ad", "ads", "advert", "advertisement", "sponsor", "sponsored", "promo", "recommend", "recommended",
    "popular", "mostread", "trending", "toolbar", "topbar", "login", "friendlink", "links", "tags",
    "tagcloud", "tag", "widget", "banner", "header", "masthead", "sitemap",
})
_CHROME_TAGS = {"nav": 0.1, "footer": 0.1, "aside": 0.2, "header": 0.25}
_CHROME_HEADINGS = re.compile(
    r"排行|热门|热榜|热读|推荐|相关|猜你喜欢|精彩图片|友情链接|"
    r"most\s+(?:read|popular|viewed|shared)|trending|related|popular|recommended|you\s+may\s+also",
    re.IGNORECASE,
)
_AD_WORDS = frozenset({"ad", "ads", "advert", "advertisement", "sponsor", "sponsored", "promo", "promoted",
                       "adv", "guanggao", "tuiguang"})
_AD_LABEL = re.compile(r"\s*[\[【(（〔]?\s*(?:广告|推广|赞助|sponsored\b|advertisement\b|promoted\b|ad\s*[:：|]|ad$)"
                       r"\s*[\]】)）〕]?\s*",
                       re.IGNORECASE)
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "span", "em", "div", "p")
# A pager or a load-more control right after a list marks the page's own list, the one that goes on.
_PAGER_TEXT = re.compile(r"下一?页|尾页|末页|上一?页|加载更多|共\s*\d+\s*页|第\s*\d+\s*页|\bnext\b|\bolder\b|"
                         r"\bload\s+more\b|\bmore\s+articles\b|weiter|nächste|次へ|もっと見る", re.IGNORECASE)
_PAGER_WORDS = frozenset({"pager", "pagination", "paging", "pagenav", "pagebox", "pagediv", "pagelist", "fy",
                          "fenye", "nextpage", "loadmore", "older", "page"})
_PAGER_MAX_TEXT = 120
_ANCESTOR_REACH = 6
PAGER_BONUS = 1.5
PAGE_NAME_BONUS = 2.0
PROSE_CHUNK_UNITS = 40
FOREIGN_SHARE = 0.8  # of a run's headlines leading off-site, for the run to be an off-site list
FOREIGN_TEXT_SHARE = 0.5  # of their items' text that those headlines make up
_INLINE_LEAD_UNITS = 12  # words before a link that make it part of a sentence


def url_looks_like_article(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_ARTICLE_PATH.search(parts.path + ("?" + parts.query if parts.query else "")))


def url_looks_like_section(url: str) -> bool:
    """A site root, a folder or an index page: where menus point, not articles."""
    parts = urlsplit(url)
    if url_looks_like_article(url):
        return False
    return parts.path in ("", "/") or (bool(_INDEX_PAGE.search(parts.path)) and not parts.query)


def looks_like_ad(item: etree._Element) -> bool:
    """An advert dressed as a list item: named so, or carrying a short "广告"/"Sponsored" label."""
    if name_words(item) & _AD_WORDS:
        return True
    return any(_AD_LABEL.fullmatch(text_of(element)) for element in item.iter()
               if isinstance(element.tag, str) and len(element) == 0 and element.tag != "a")


_MACHINE_STAMP = re.compile(r"\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_BRACKETED_WEEKDAY = re.compile(r"\s*[(（][^)）\d]{1,3}[)）]")
_SEPARATOR = re.compile(r"\s*[•|·]\s*")
_MONTH_SLASH_DAY = re.compile(r"[01]?\d/[0-3]?\d")


def find_date_text(text: str) -> str | None:
    found = _NEAR_DATE.search(text)
    return found.group(0) if found else None


def read_date(text: str, zone: tzinfo, now: datetime) -> Timestamp | None:
    if _MACHINE_STAMP.match(text):
        # A <time datetime> value keeps its clock time and offset.
        stamped = parse_date(text.strip(), zone, now)
        if stamped is not None:
            return stamped
    snippet = find_date_text(text)
    if snippet is None:
        return None
    # Weekdays in brackets and separators between date and time are decoration: 4/20(月) 17:53, 20.04.2026 • 17:07.
    snippet = _SEPARATOR.sub(" ", _BRACKETED_WEEKDAY.sub(" ", snippet))
    if _MONTH_SLASH_DAY.fullmatch(snippet.split()[0]):
        snippet = snippet.replace("/", "-", 1)
    return parse_date(snippet, zone, now)


def chrome_factor(container: etree._Element) -> tuple[float, tuple[str, ...]]:
    """How much page chrome surrounds a container: 1.0 clean, down to 0.05; with the reasons."""
    factor = 1.0
    reasons: list[str] = []
    element: etree._Element | None = container
    for depth in range(_ANCESTOR_REACH + 1):
        if element is None or element.tag in ("body", "html"):
            break
        tag_penalty = _CHROME_TAGS.get(str(element.tag))
        if tag_penalty is not None:
            factor *= tag_penalty
            reasons.append(f"inside <{element.tag}>")
        words = name_words(element) & CHROME_WORDS
        if words:
            # The container's own name counts most; a distant wrapper named "hot" says less.
            factor *= 0.15 if depth <= 2 else 0.4
            reasons.append(f"chrome word {sorted(words)[0]!r} at depth {depth}")
        element = element.getparent()
    heading = block_heading(container)
    if heading and _CHROME_HEADINGS.search(heading):
        factor *= 0.2
        reasons.append(f"block titled {heading[:20]!r}")
    return max(factor, 0.02), tuple(reasons)


def prose_chunks(root: etree._Element) -> list[tuple[etree._Element, float]]:
    """Runs of sentence-length text that no link carries: the body of an article, an about page."""
    chunks: list[tuple[etree._Element, float]] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag == "a":
            continue
        own = (element.text or "") + "".join(child.tail or "" for child in element)
        units = text_units(" ".join(own.split()))
        if units >= PROSE_CHUNK_UNITS and not any(parent.tag == "a" for parent in element.iterancestors()):
            chunks.append((element, units))
    return chunks


@dataclass(frozen=True)
class Prose:
    """The page's running text: how much in all, and how much inside each element (itself included)."""

    total: float
    below: dict[etree._Element, float]
    elements: frozenset[etree._Element]  # the elements that hold a chunk of prose themselves

    def outside(self, *elements: etree._Element) -> float:
        return self.total - sum(self.below.get(element, 0.0) for element in elements)


def prose_map(root: etree._Element) -> Prose:
    below: dict[etree._Element, float] = {}
    chunks = prose_chunks(root)
    for element, units in chunks:
        node: etree._Element | None = element
        while node is not None:
            below[node] = below.get(node, 0.0) + units
            node = node.getparent()
    return Prose(sum(units for _, units in chunks), below, frozenset(element for element, _ in chunks))


def block_heading(container: etree._Element) -> str | None:
    """The short title just above a block (its previous sibling, or its parent's), if any."""
    element: etree._Element | None = container
    for _ in range(3):
        if element is None:
            return None
        previous = element.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()
        if previous is not None:
            text = text_of(previous)
            if 0 < len(text) <= 30 and previous.tag in _HEADING_TAGS:
                return text
            return None
        element = element.getparent()
    return None


def followed_by_pager(container: etree._Element) -> bool:
    """Whether a pager or a load-more control comes right after the block (or one of its two wrappers)."""
    element: etree._Element | None = container
    for _ in range(3):
        if element is None or element.tag in ("body", "html"):
            return False
        following = [sibling for sibling in element.itersiblings() if isinstance(sibling.tag, str)][:2]
        if any(_is_pager(sibling) for sibling in following):
            return True
        element = element.getparent()
    return False


def _is_pager(element: etree._Element) -> bool:
    text = text_of(element)
    if len(text) > _PAGER_MAX_TEXT:
        return False
    if name_words(element) & _PAGER_WORDS:
        return True
    return bool(text) and bool(_PAGER_TEXT.search(text))


def names_the_page(heading: str | None, page_title: str) -> bool:
    """Whether a block's heading is the page's own name (the column a section page is about)."""
    if not heading or not page_title:
        return False
    words = heading.strip(" :：>»")
    return text_units(words) >= 4 and words in page_title


def inside_running_text(anchor: etree._Element, prose_elements: frozenset[etree._Element]) -> bool:
    """A link set mid-sentence in a paragraph: words before it, and the paragraph is prose of its own."""
    parent = anchor.getparent()
    if parent is None or parent not in prose_elements:
        return False
    before = " ".join((parent.text or "").split())
    for sibling in parent:
        if text_units(before) >= _INLINE_LEAD_UNITS:
            return True
        if sibling is anchor:
            break
        before += " ".join(f"{text_of(sibling)} {sibling.tail or ''}".split())
    return text_units(before) >= _INLINE_LEAD_UNITS


def text_beside(item: etree._Element, title: str) -> str:
    """The item's text without its headline, where a printed date would be; <time datetime> first."""
    for time in item.iter("time"):
        stamp = (time.get("datetime") or "").strip()
        if stamp:
            return stamp
    text = text_of(item)
    return text.replace(title, " ", 1) if title else text


def foreign_list(items: tuple[etree._Element, ...], headlines: list[Anchor]) -> bool:
    """Nearly all headlines lead to other sites and make up most of their items' text: not a
    reference list or a run of citations, whose links sit in longer text."""
    if sum(headline.offsite for headline in headlines) < FOREIGN_SHARE * len(headlines):
        return False
    shares = [headline.units / max(text_units(text_of(item)), 1.0)
              for item, headline in zip(items, headlines, strict=True)]
    return sum(shares) / len(shares) >= FOREIGN_TEXT_SHARE


def headline_of(anchors: list[Anchor]) -> Anchor:
    """The item's headline: its first headline-long link unless a later one is twice as long (a kicker
    before the title), so a row's document wins over the longer "《…》解读" link after it; links set in
    a heading, then links to article pages, before bylines and tags; the site's own links before
    another site's, unless those are twice as long (an aggregator's titles)."""
    longest = max(anchors, key=lambda anchor: anchor.units)
    own = [anchor for anchor in anchors if not anchor.offsite and anchor.units >= HEADLINE_UNITS]
    pool = own if own and max(anchor.units for anchor in own) * 2 >= longest.units else anchors
    long_enough = [anchor for anchor in pool if anchor.units >= HEADLINE_UNITS]
    pool = [anchor for anchor in long_enough if anchor.in_heading] or [
        anchor for anchor in long_enough if url_looks_like_article(anchor.url)] or pool
    widest = max(anchor.units for anchor in pool)
    return next(anchor for anchor in pool if anchor.units * 2 >= widest)


def own_list_bonus(container: etree._Element, title: str) -> float:
    """The list a section page exists for is named by the page's title and goes on behind a pager."""
    bonus = PAGER_BONUS if followed_by_pager(container) else 1.0
    if names_the_page(block_heading(container), title):
        bonus *= PAGE_NAME_BONUS
    return bonus


def lead_item(container: etree._Element, below: dict[etree._Element, list[Anchor]], seen: set[str]) -> Anchor | None:
    """A featured story set just before the list (a lead promo): one headline to an article page."""
    previous = container.getprevious()
    while previous is not None and not isinstance(previous.tag, str):
        previous = previous.getprevious()
    if previous is None or previous not in below:
        return None
    headlines = {a.url: a for a in below[previous] if a.units >= HEADLINE_UNITS}
    if len(headlines) != 1:
        return None
    lead = next(iter(headlines.values()))
    if lead.url in seen or lead.offsite or not url_looks_like_article(lead.url):
        return None
    return lead


def with_summaries(container: etree._Element, items: tuple[etree._Element, ...],
                   prose: Prose) -> tuple[etree._Element, ...]:
    """The items plus the prose siblings between them when there is about one per item: the summaries of
    a flat list (dt/dd, h2/p). Many paragraphs around a few items are an article's, not summaries."""
    if container is not items[0].getparent():
        return items
    members = set(items)
    between = [child for child in container if child not in members and prose.below.get(child, 0.0) > 0]
    return items + tuple(between) if len(between) <= len(items) else items
