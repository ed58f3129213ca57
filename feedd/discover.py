"""Listing page to article links: configured selectors, else automatic detection of the page's main list.

Automatic detection looks for runs of sibling elements with the same markup (the items of a list),
keeps one headline link per item, and ranks the runs by headline-length text, dates beside the links,
article-shaped URLs and the absence of page chrome (menus, footers, sidebars, rankings); a pager after
a run, or a heading that names the page, marks the page's own list. A page whose running text outweighs
the run (an article with related links) has no list. When the HTML has no credible list and little
prose, data embedded in scripts (JSON-LD, __NEXT_DATA__, initial state) is tried.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from lxml import etree

from feedd.discover_dom import (
    HEADLINE_UNITS,
    Anchor,
    absolute_link,
    anchor_title,
    anchors_below,
    class_words,
    drop_invisible,
    effective_base,
    page_title,
    parse_document,
    path_of,
    registrable_domain,
    shared_prefix_parts,
    signature,
    text_of,
    text_units,
    trim_excess_links,
)
from feedd.discover_signals import (
    Prose,
    block_heading,
    chrome_factor,
    foreign_list,
    headline_of,
    inside_running_text,
    lead_item,
    looks_like_ad,
    own_list_bonus,
    prose_map,
    read_date,
    text_beside,
    url_looks_like_article,
    url_looks_like_section,
    with_summaries,
)
from feedd.errors import DiscoverError
from feedd.listing_data import embedded_links, script_texts
from feedd.models import Link, Timestamp
from feedd.select import Selector

MAX_ANCHORS = 4000
logger = logging.getLogger(__name__)

MIN_ITEMS = 3
MIN_CREDIBLE_SCORE = 4.0
CHROME_FLOOR_FOR_CREDIBILITY = 0.3
MIN_MEAN_UNITS = 14.0
ARTICLE_PROSE_UNITS = 500.0  # about 250 Chinese characters or 500 Latin letters of running text
LEAD_BLOCK_SHARE = 0.3  # of the best section's score, for top stories set before a homepage's sections


@dataclass(frozen=True)
class Candidate:
    """One candidate list: where it sits, how it scored, why, and the links it would publish."""

    container: str
    score: float
    links: tuple[Link, ...]
    item_signature: str
    reasons: tuple[str, ...] = ()
    credible: bool = False  # strong enough to publish, even when a wrapper's name sounds like chrome


@dataclass(frozen=True)
class _PageFacts:
    """What scoring needs to know about the whole page."""

    below: dict[etree._Element, list[Anchor]]
    prose: Prose
    zone: tzinfo
    now: datetime
    title: str
    items: dict[etree._Element, _Item] = field(default_factory=dict)  # an item sits in several runs: once each


@dataclass(frozen=True)
class _Item:
    """One list item as read once: its headline, whether it is an advert, its date and its worth."""

    headline: Anchor
    advert: bool
    published: Timestamp | None
    value: float
    inline: bool


@dataclass(frozen=True)
class _Group:
    container: etree._Element
    items: tuple[etree._Element, ...]
    item_signature: str
    sections: tuple[etree._Element, ...] = ()  # blocks under headings of their own, merged into this one


def discover_links(html: str, base_url: str, *, selector: Selector | None = None, zone: tzinfo,
                   now: datetime, max_links: int = 500) -> list[Link]:
    """The article links of a listing page, in page order; DiscoverError when there is no credible list."""
    root = parse_document(html, base_url)
    if trimmed := trim_excess_links(root, MAX_ANCHORS):
        logger.warning("%s: %d links beyond the first %d ignored", base_url, trimmed, MAX_ANCHORS)
    base = effective_base(root, base_url)
    if selector is not None:
        selected = _selected_links(root, base, selector, zone, now, max_links)
        if not selected:
            # The site changed its markup: say so instead of publishing an empty section.
            raise DiscoverError(f"no credible list of article links on {base_url}: "
                                f"selector {selector.expression!r} matched no links")
        return selected
    scripts = script_texts(root)
    title = page_title(root)
    drop_invisible(root)
    prose = prose_map(root)
    ranked = _rank(root, base, base_url, zone, now, title, prose)
    if ranked and ranked[0].credible:
        best = ranked[0]
        logger.debug("main list of %s at %s (score %.1f)", base_url, best.container, best.score)
        return list(best.links[:max_links])
    # A page rendered by scripts has little text of its own; one with an article's prose is an article.
    from_data = [] if prose.total >= ARTICLE_PROSE_UNITS else embedded_links(
        scripts, base, registrable_domain(base_url), zone, now)
    if from_data:
        return from_data[:max_links]
    why = "no repeated run of headline links" if not ranked else (
        f"best run {ranked[0].container} is too weak (score {ranked[0].score:.1f}"
        f"{'; ' + '; '.join(ranked[0].reasons) if ranked[0].reasons else ''})")
    raise DiscoverError(f"no credible list of article links on {base_url}: {why}")


def explain_candidates(html: str, base_url: str, *, zone: tzinfo, now: datetime,
                       limit: int = 5) -> list[Candidate]:
    """The best-ranked candidate lists, best first, for `feedd discover --explain`."""
    root = parse_document(html, base_url)
    base = effective_base(root, base_url)
    title = page_title(root)
    drop_invisible(root)
    return _rank(root, base, base_url, zone, now, title, prose_map(root))[:limit]


def _selected_links(root: etree._Element, base: str, selector: Selector, zone: tzinfo,
                    now: datetime, max_links: int) -> list[Link]:
    links: list[Link] = []
    seen: set[str] = set()
    paths: dict[etree._Element, str] = {}  # getpath is linear in the siblings: once per container
    for element in selector.select(root):
        if len(links) >= max_links:
            break
        anchor = element if element.tag == "a" and element.get("href") else next(
            (a for a in element.iter("a") if a.get("href")), None)
        if anchor is None:
            continue
        url = absolute_link(anchor.get("href"), base)
        if url is None or url in seen:
            continue
        seen.add(url)
        title = anchor_title(anchor)
        parent = element.getparent()
        container = parent if parent is not None else element
        published = read_date(text_beside(element, title), zone, now)
        if container not in paths:
            paths[container] = path_of(container)
        links.append(Link(url=url, title=title, published=published, container=paths[container]))
    return links


def _rank(root: etree._Element, base: str, base_url: str, zone: tzinfo, now: datetime,
          title: str, prose: Prose) -> list[Candidate]:
    site = registrable_domain(base_url)
    below = anchors_below(root, base, site, base_url)
    facts = _PageFacts(below, prose, zone, now, title)
    groups = list(_sibling_groups(root, below))
    groups.extend(_merged_groups(groups))
    scored = [(group, c) for group, c in ((group, _score(group, facts)) for group in groups) if c is not None]
    scored.sort(key=lambda pair: pair[1].score, reverse=True)
    if scored:
        _put_lead_block_first(root, scored)
    return [candidate for _, candidate in scored]


def _put_lead_block_first(root: etree._Element, scored: list[tuple[_Group, Candidate]]) -> None:
    """A homepage's titled sections (UK, World, Business), joined or one alone, give way to the untitled
    block of top stories set before them, when that block outweighs a section or is a fair share of the best."""
    best_group, best = scored[0]
    sections = best_group.sections or next(
        (group.sections for group, _ in scored if best_group.container in group.sections), ())
    if not sections:
        return
    strongest_section = max((c.score for group, c in scored if group.container in sections), default=0.0)
    needed = min(strongest_section, LEAD_BLOCK_SHARE * best.score)
    order = {element: index for index, element in enumerate(root.iter())}
    first_section = min(order.get(section, 0) for section in sections)
    for position, (group, candidate) in enumerate(scored[1:], start=1):
        if candidate.score < needed:
            return
        ahead = order.get(group.container, first_section) < first_section
        if ahead and candidate.credible and not group.sections and block_heading(group.container) is None \
                and best_group.container not in group.container.iterancestors():
            scored.insert(0, scored.pop(position))
            return


def _sibling_groups(root: etree._Element, below: dict[etree._Element, list[Anchor]]) -> Iterable[_Group]:
    """Runs of children of one tag whose class words agree with the run's majority, each holding a link.

    Variants of one item (a photo item among text items) share most class words; a pager or an ad
    slotted between the items shares none.
    """
    for parent in root.iter():
        if parent not in below or len(parent) < MIN_ITEMS:
            continue
        by_tag: dict[str, list[etree._Element]] = defaultdict(list)
        for child in parent:
            if isinstance(child.tag, str) and child in below:
                by_tag[child.tag].append(child)
        for children in by_tag.values():
            if len(children) < MIN_ITEMS:
                continue
            counts = Counter(signature(child) for child in children)
            majority = counts.most_common(1)[0][0]
            words = class_words(majority)
            items = tuple(child for child in children if _agrees(signature(child), words))
            if len(items) >= MIN_ITEMS:
                yield _Group(parent, items, majority)
            # Rows of two kinds (a title row, then a row of points and comments) make two runs.
            for kind, count in counts.items():
                if kind != majority and count >= MIN_ITEMS and class_words(kind):
                    yield _Group(parent, tuple(child for child in children if signature(child) == kind), kind)


def _agrees(child_signature: str, majority_words: set[str]) -> bool:
    words = class_words(child_signature)
    if not majority_words or words & majority_words:
        return True
    # Generated class names (CSS modules, BEM) name item variants by suffix: news-item-has-image
    # and news-item-without-image are one list; list-item and page-link are not.
    return any(shared_prefix_parts(word, other) >= 2 for word in words for other in majority_words)


def _merged_groups(groups: list[_Group]) -> list[_Group]:
    """Sibling blocks of the same kind (several <ul> of one column) joined into one list.

    Only blocks free of chrome take part, so a ranking box beside the main column never joins it.
    """
    by_kind: dict[tuple[str, str, str, int], list[_Group]] = defaultdict(list)
    for group in groups:
        parent = group.container.getparent()
        grandparent = parent.getparent() if parent is not None else None
        if parent is None or grandparent is None or chrome_factor(group.container)[0] < 1.0:
            continue
        kind = (group.item_signature, signature(group.container), signature(parent), id(grandparent))
        by_kind[kind].append(group)
    merged: list[_Group] = []
    for family in by_kind.values():
        if len(family) < 2:
            continue
        sections = tuple(group.container for group in family) if _separately_titled(family) else ()
        items = tuple(item for group in family for item in group.items)
        common = family[0].container.getparent()
        if any(group.container.getparent() is not common for group in family):
            common = common.getparent() if common is not None else None
        if common is not None:
            merged.append(_Group(common, items, family[0].item_signature, sections))
    return merged


def _separately_titled(family: list[_Group]) -> bool:
    """Blocks under headings of their own ("UK", "World", "Business") are sections of a homepage, not one list."""
    headings = {block_heading(group.container) for group in family} - {None}
    return len(headings) >= 2


@dataclass(frozen=True)
class _Tally:
    """What the items of a run add up to, before the run as a whole is judged."""

    links: tuple[Link, ...]
    total: float
    mean_units: float
    short_ratio: float
    inline_ratio: float  # headlines set inside running text: links of an article's paragraphs


def _score(group: _Group, facts: _PageFacts) -> Candidate | None:
    tally = _tally(group, facts)
    if tally is None:
        return None
    links = list(tally.links)
    chrome, reasons = chrome_factor(group.container)
    members = with_summaries(group.container, group.items, facts.prose)
    quality, more_reasons, doubtful = _quality(members, tally, facts)
    # A "related" or "recommended" box on a page carrying an article's prose is that article's extras.
    doubtful = doubtful or (chrome < 1.0 and facts.prose.outside(*members) >= ARTICLE_PROSE_UNITS)
    reasons += more_reasons
    total = tally.total * own_list_bonus(group.container, facts.title)
    # A hero story above a homepage's titled sections belongs to none of them.
    lead = None if group.sections else lead_item(group.container, facts.below, {link.url for link in links})
    if lead is not None:
        links.insert(0, Link(url=lead.url, title=lead.text, published=None, container=links[0].container))
    score = round(total * quality * chrome, 3)
    # A clean run of headlines stays publishable inside a wrapper named "hot" or "side": the chrome
    # words rank candidates against each other, they do not alone make a page list-less.
    credible = not doubtful and total * quality * max(chrome, CHROME_FLOOR_FOR_CREDIBILITY) >= MIN_CREDIBLE_SCORE
    scored = tuple(Link(url=link.url, title=link.title, published=link.published, container=link.container,
                        score=score) for link in links)
    return Candidate(path_of(group.container), score, scored, group.item_signature, reasons, credible)


def _tally(group: _Group, facts: _PageFacts) -> _Tally | None:
    links: list[Link] = []
    seen: set[str] = set()
    total = units_sum = 0.0
    short = inline = 0
    container_path = path_of(group.container)
    read = [_read_item(item, facts) for item in group.items]
    # Another site's links are ads or partners beside a site's own list; a list made mostly of them is
    # the page's own (an aggregator, or a portal whose stories live on a sister domain).
    foreign = foreign_list(group.items, [entry.headline for entry in read])
    for entry in read:
        headline = entry.headline
        if headline.url in seen or (headline.offsite and not foreign) or entry.advert:
            continue
        seen.add(headline.url)
        total += entry.value
        units_sum += headline.units
        short += headline.units < HEADLINE_UNITS
        inline += entry.inline
        links.append(Link(url=headline.url, title=headline.text, published=entry.published,
                          container=container_path))
    if len(links) < MIN_ITEMS:
        return None
    count = len(links)
    return _Tally(tuple(links), total, units_sum / count, short / count, inline / count)



def _read_item(item: etree._Element, facts: _PageFacts) -> _Item:
    known = facts.items.get(item)
    if known is None:
        anchors = facts.below[item]
        headline = headline_of(anchors)
        published = read_date(text_beside(item, headline.text), facts.zone, facts.now)
        known = _Item(headline, looks_like_ad(item), published, _item_value(headline, anchors, published is not None),
                      inside_running_text(headline.element, facts.prose.elements))
        facts.items[item] = known
    return known


def _quality(items: tuple[etree._Element, ...], tally: _Tally,
             facts: _PageFacts) -> tuple[float, tuple[str, ...], bool]:
    """How much a run of links looks like a list of headlines rather than a menu or an article's extras;
    with the reasons, and whether the page is rather an article that this run merely accompanies."""
    reasons: tuple[str, ...] = ()
    quality = (1.0 - tally.short_ratio) ** 2
    if tally.mean_units < MIN_MEAN_UNITS:
        quality *= 0.2
        reasons += (f"short link texts (mean {tally.mean_units:.0f} units)",)
    if tally.inline_ratio > 0.5:
        quality *= 0.05
        reasons += ("links inside running text",)
    # Prose between the items counts too: "read also" boxes set among an article's paragraphs.
    prose = facts.prose.outside(*items)
    doubtful = False
    own = sum(text_units(text_of(item)) for item in items) if prose >= ARTICLE_PROSE_UNITS else prose
    if prose >= ARTICLE_PROSE_UNITS and prose > own:
        # The page exists for the running text beside this list: an article with related links.
        quality *= 0.1
        reasons += (f"page carries {prose:.0f} units of prose outside the list",)
        doubtful = prose > 2 * own
    return quality, reasons, doubtful


def _item_value(headline: Anchor, anchors: list[Anchor], dated: bool) -> float:
    value = min(headline.units / 24.0, 2.5)
    if dated:
        value += 0.6
    if url_looks_like_article(headline.url):
        value += 0.5
    elif url_looks_like_section(headline.url):
        value -= 0.5
    headlines = {a.url for a in anchors if a.units >= HEADLINE_UNITS}
    if len(headlines) > 2:
        # A block holding several headlines is a section of the page, not one item of a list.
        value *= 2.0 / len(headlines)
    return max(value, 0.0)
