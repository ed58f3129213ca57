"""DOM helpers for link discovery: parsing, hidden copies, URLs, markup signatures, class words."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import islice
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree, html

from feedd.errors import DiscoverError
from feedd.extract_page import drop_keeping_tail
from feedd.sanitize import strip_xml_invalid

# Elements whose text never belongs to a visible list.
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "head", "select", "option")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Utility classes that CSS frameworks and portal templates use for "not shown".
_HIDDEN_CLASSES = frozenset({"hidden", "hide", "d-none", "is-hidden", "invisible", "display-none", "sr-only",
                             "visually-hidden", "screen-reader-text"})
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "sms:", "weixin:")

# Second-level labels under which a country code forms one public suffix (news.sina.com.cn -> sina.com.cn).
_SECOND_LEVEL = frozenset({
    "com", "net", "org", "gov", "edu", "ac", "co", "mil", "ne", "or", "go", "gob", "nic",
})
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_DIGITS = re.compile(r"\d+")
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_CLASS_PART = re.compile(r"[-_]")
HEADLINE_UNITS = 16  # a Chinese headline of 8+ characters, a western one of 16+ letters
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HEADLINE_WORDS = frozenset({"title", "headline", "heading", "hed", "tit"})


def parse_document(markup: str, base_url: str) -> etree._Element:
    """The page's root element; raises DiscoverError when the text is not HTML at all."""
    # Control characters are not HTML; lxml would refuse them later, mid-tree.
    text = strip_xml_invalid(_XML_DECLARATION.sub("", markup, count=1))
    if not text.strip():
        raise DiscoverError(f"no credible list of article links on {base_url}: the page is empty")
    try:
        root = html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        why = f"unparsable HTML ({exc})"
        raise DiscoverError(f"no credible list of article links on {base_url}: {why}") from exc
    return root


def effective_base(root: etree._Element, base_url: str) -> str:
    """The URL relative links resolve against: `<base href>` wins over the page URL."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(base_url, href)
    return base_url


def drop_invisible(root: etree._Element) -> None:
    """Remove scripts, styles and hidden elements (stale copies kept for scripts) in place."""
    doomed = [element for element in root.iter(*_INVISIBLE_TAGS)]
    for element in root.iter():
        if not isinstance(element.tag, str) or _is_hidden(element):
            doomed.append(element)
    for element in doomed:
        drop_keeping_tail(element)


def trim_excess_links(root: etree._Element, limit: int) -> int:
    """Drop every link after the first `limit` (in page order); returns how many went.

    A main list sits among the first few thousand links of any real page, and XPath over
    a hostile page of 100,000 links would cost minutes (libxml2 merges node sets slowly)."""
    excess = list(islice(root.iter("a"), limit, None))
    for element in excess:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return len(excess)


def _is_hidden(element: etree._Element) -> bool:
    if element.get("hidden") is not None or _HIDDEN_STYLE.search(element.get("style") or ""):
        return True
    return bool(_HIDDEN_CLASSES.intersection((element.get("class") or "").lower().split()))


def absolute_link(href: str | None, base: str) -> str | None:
    """An absolute http(s) URL without fragment, or None when the href leads nowhere useful."""
    if href is None:
        return None
    value = href.strip()
    if not value or value.startswith("#") or value.lower().startswith(_SKIPPED_SCHEMES):
        return None
    if value.startswith(("http://", "https://")) and "/." not in value and " " not in value:
        # Already absolute: most links of a portal; urljoin would hand them back unchanged.
        return value.partition("#")[0]
    url = urldefrag(urljoin(base, value))[0]
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    return url


def registrable_domain(url: str) -> str:
    """The site a URL belongs to (last two labels, three under a second-level country suffix)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    labels = host.split(".")
    if len(labels) <= 2 or host.replace(".", "").isdigit():
        return host
    if len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(url: str, site: str) -> bool:
    return registrable_domain(url) == site


def text_of(element: etree._Element) -> str:
    """Visible text with whitespace collapsed."""
    return " ".join(etree.tostring(element, method="text", encoding="unicode", with_tail=False).split())


def anchor_title(anchor: etree._Element) -> str:
    """A link's headline: its text, or its title attribute when the text is cut short ("…") or absent.

    A card whose one link wraps kicker, headline, summary and time gives the headline element's text."""
    text = _headline_inside(anchor) or text_of(anchor)
    full = " ".join((anchor.get("title") or "").split())
    if not text:
        image = next(anchor.iter("img"), None)
        return full or (" ".join((image.get("alt") or "").split()) if image is not None else "")
    if full and len(full) > len(text) and text.rstrip(".…。 ").strip() and text.endswith(("...", "…", "..")):
        return full
    return text


def _in_heading(anchor: etree._Element) -> bool:
    node: etree._Element | None = anchor
    for _ in range(3):
        if node is None:
            return False
        if node.tag in _HEADING_TAGS or (_may_name_headline(node) and name_words(node) & _HEADLINE_WORDS):
            return True
        node = node.getparent()
    return any(isinstance(element.tag, str) and element.tag in _HEADING_TAGS for element in anchor.iterdescendants())


def _may_name_headline(element: etree._Element) -> bool:
    """A cheap look at class and id before splitting them into words: most elements have neither."""
    raw = f"{element.get('class') or ''}{element.get('id') or ''}".lower()
    return "tit" in raw or "he" in raw


def _headline_inside(anchor: etree._Element) -> str | None:
    if len(anchor) == 0:
        return None
    for element in anchor.iterdescendants():
        if not isinstance(element.tag, str):
            continue
        if element.tag in _HEADING_TAGS or name_words(element) & _HEADLINE_WORDS:
            text = text_of(element)
            if text:
                return text
    return None


def text_units(text: str) -> float:
    """Headline weight: a CJK character counts like two Latin letters, so menus stay short in both scripts."""
    cjk = len(_CJK.findall(text))
    return cjk * 2.0 + (len(text) - cjk) * 1.0


def signature(element: etree._Element) -> str:
    """Tag plus class words with digits removed: siblings of one list share it."""
    classes = sorted({_DIGITS.sub("", word) for word in (element.get("class") or "").split()} - {""})
    return f"{element.tag}.{'.'.join(classes)}" if classes else str(element.tag)


def class_words(element_signature: str) -> set[str]:
    """The class words of a signature made by `signature`."""
    return set(element_signature.split(".")[1:])


def name_words(element: etree._Element) -> set[str]:
    """The words of an element's class and id, split on punctuation and camelCase."""
    raw = f"{element.get('class') or ''} {element.get('id') or ''}"
    return {word for word in _WORD_SPLIT.split(_CAMEL.sub(" ", raw).lower()) if word}


def path_of(element: etree._Element) -> str:
    return str(element.getroottree().getpath(element))


def shared_prefix_parts(word: str, other: str) -> int:
    """How many leading hyphen/underscore parts two class words share (news-item-a, news-item-b: 2)."""
    shared = 0
    for mine, theirs in zip(_CLASS_PART.split(word), _CLASS_PART.split(other), strict=False):
        if mine != theirs or not mine:
            break
        shared += 1
    return shared


def page_title(root: etree._Element) -> str:
    """The document's <title>, read before the head is dropped with the other invisible parts."""
    element = next(root.iter("title"), None)
    return text_of(element) if element is not None else ""


@dataclass(frozen=True)
class Anchor:
    """A usable link: its element, absolute URL, headline text and weight, and whether it leaves the site."""

    element: etree._Element
    url: str
    text: str
    units: float
    offsite: bool
    in_heading: bool  # set in a heading (h1-h6, a "title"/"headline" element), or wrapping one


def anchors_below(root: etree._Element, base: str, site: str, page_url: str
                   ) -> dict[etree._Element, list[Anchor]]:
    """For every element, the usable anchors inside it, in page order (other sites' marked as such)."""
    below: dict[etree._Element, list[Anchor]] = defaultdict(list)
    page = page_url.rstrip("/")
    offsite_hosts: dict[str, bool] = {}  # a portal's thousands of links share a few hosts
    for element in root.iter("a"):
        url = absolute_link(element.get("href"), base)
        if url is None or url.rstrip("/") == page:
            continue
        host = url.split("/", 3)[2]
        if host not in offsite_hosts:
            offsite_hosts[host] = not same_site(url, site)
        text = anchor_title(element)
        anchor = Anchor(element, url, text, text_units(text), offsite_hosts[host], _in_heading(element))
        node: etree._Element | None = element
        while node is not None:
            below[node].append(anchor)
            node = node.getparent()
    return below
