"""Make text and HTML safe to put in a feed that other people's readers render."""

from __future__ import annotations

import re

import nh3

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start"},
}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})

# Built once: handing nh3 the allowlists on every call rebuilds them on its side each time.
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(ALLOWED_SCHEMES),
    link_rel="noopener noreferrer",
    strip_comments=True,
)

# XML 1.0 forbids C0 controls but tab/newline/CR, lone surrogates and U+FFFE/U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# A character reference to what XML cannot carry: C0 controls but tab, newline and CR, and
# U+FFFE/U+FFFF, with or without its ';' (libxml2 already turns NUL and surrogates into U+FFFD).
_INVALID_REFERENCE = (r"&#(?:[xX]0*(?:[1-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])(?![0-9a-fA-F])"
                      r"|0*(?:[1-8]|1[1-24-9]|2\d|3[01]|6553[45])(?!\d));?")
_INVALID_REFERENCE_TEXT = re.compile(_INVALID_REFERENCE)
_INVALID_REFERENCE_BYTES = re.compile(_INVALID_REFERENCE.encode("ascii"))


def strip_invalid_references(markup: str) -> str:
    """Markup without character references to what XML cannot carry ('&#1;', '&#xFFFE;'). libxml2
    decodes them into the tree, and lxml then refuses every edit of a text or attribute that holds
    one (ValueError)."""
    return _INVALID_REFERENCE_TEXT.sub("", markup) if "&#" in markup else markup


def strip_invalid_reference_bytes(markup: bytes) -> bytes:
    """strip_invalid_references for markup still in bytes."""
    return _INVALID_REFERENCE_BYTES.sub(b"", markup) if b"&#" in markup else markup


def strip_xml_invalid(text: str) -> str:
    """Remove characters that XML 1.0 cannot carry, so one odd page never breaks a feed."""
    return _XML_INVALID.sub("", text)


def sanitize_html(fragment: str) -> str:
    """Allowlist-sanitise an HTML fragment: no scripts, styles, frames, forms, event handlers or
    dangerous URL schemes. Links are expected to be absolute already."""
    return strip_xml_invalid(_CLEANER.clean(strip_xml_invalid(fragment)))
