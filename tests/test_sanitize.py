"""What reaches readers: the allowlist sanitiser against a corpus of known XSS payloads.

tests/xss_payloads.json holds classic filter evasions (encoded and split `javascript:` URLs, event handlers,
data: and vbscript: URLs, srcdoc, formaction) and the mutation cases that broke bleach, DOMPurify and ammonia
(noscript/style/svg/math namespace confusion, comment and raw-text tricks). Every output is parsed back and
must hold only allowlisted elements, no event handler, no style, and no URL outside http(s)/mailto/relative.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree, html

from feedd.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize_html, strip_xml_invalid

PAYLOADS: list[str] = json.loads((Path(__file__).parent / "xss_payloads.json").read_text(encoding="utf-8"))
FORBIDDEN_IN_TEXT = re.compile(
    r"<\s*/?\s*(script|style|iframe|frame|object|embed|form|svg|math|base|link|meta|noscript|template|input"
    r"|button|textarea|select|applet)\b", re.IGNORECASE)
URL_ATTRIBUTES = {"href", "src", "cite", "action", "formaction", "background", "srcset", "xlink:href", "data"}
SAFE_SCHEMES = ("http", "https", "mailto")
GENERIC_ATTRIBUTES = {"title", "lang"}  # nh3 keeps these on every element by default; both are inert
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def url_scheme(value: str) -> str | None:
    """The scheme a browser reads (WHATWG URL: C0 controls and spaces trimmed, tabs and newlines dropped
    anywhere; NUL dropped too, as old engines did); None for a relative URL."""
    squeezed = re.sub(r"[\t\n\r\x00]", "", value.strip(_C0_AND_SPACE)).lower()
    match = re.match(r"^([a-z][a-z0-9+.\-]*):", squeezed)
    return match.group(1) if match else None


def problems_in(output: str) -> list[str]:
    found = []
    if FORBIDDEN_IN_TEXT.search(output):
        found.append(f"forbidden tag in markup: {FORBIDDEN_IN_TEXT.search(output)!r}")
    if not output.strip():
        return found
    root = html.fragment_fromstring(output, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            found.append(f"comment or processing instruction survived: {element!r}")
            continue
        if element is not root and element.tag not in ALLOWED_TAGS:
            found.append(f"element <{element.tag}>")
        for name, value in element.attrib.items():
            allowed = ALLOWED_ATTRIBUTES.get(element.tag, set()) | GENERIC_ATTRIBUTES
            if element.tag == "a":
                allowed = allowed | {"rel"}
            if element is not root and name not in allowed:
                found.append(f"attribute {name} on <{element.tag}>")
            if name.lower().startswith("on") or name.lower() in ("style", "srcdoc", "formaction"):
                found.append(f"active attribute {name}")
            if name.lower() in URL_ATTRIBUTES:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    found.append(f"{name}={value!r} has scheme {scheme}")
    return found


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_sanitiser_leaves_nothing_active_from_known_xss_payloads(payload: str) -> None:
    output = sanitize_html(payload)
    assert problems_in(output) == [], output


def test_sanitiser_output_is_stable_when_sanitised_again() -> None:
    """A mutation XSS needs the output to parse differently the second time; a fixed point leaves it no room."""
    unstable = [p for p in PAYLOADS if sanitize_html(sanitize_html(p)) != sanitize_html(p)]
    print(f"XSS corpus: {len(PAYLOADS)} payloads, {len(unstable)} not stable under a second pass")
    assert unstable == []


def test_sanitiser_corpus_is_large_and_keeps_safe_markup() -> None:
    kept = sanitize_html('<p>新闻 <a href="https://www.gov.cn/x.htm">链接</a> <img src="https://a.cn/p.jpg" alt="图">'
                         "<strong>要点</strong></p>")
    root = html.fragment_fromstring(kept, create_parent="div")
    assert len(PAYLOADS) >= 100
    assert [e.tag for e in root.iter()][1:] == ["p", "a", "img", "strong"]
    assert root.find(".//a").get("href") == "https://www.gov.cn/x.htm"
    assert root.find(".//a").get("rel") == "noopener noreferrer"


@pytest.mark.parametrize("bad", ["\x00", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"])
def test_characters_xml_cannot_carry_are_removed(bad: str) -> None:
    text = f"前{bad}后"
    assert strip_xml_invalid(text) == "前后"
    assert bad not in sanitize_html(f"<p title='{bad}'>{text}</p>")


def _as_xml(fragment: str) -> etree._Element:
    return etree.fromstring(f"<content>{fragment}</content>".encode("utf-8", "surrogatepass"),
                            parser=etree.XMLParser(recover=False))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=200))
def test_sanitised_arbitrary_text_is_always_carryable_in_xml(text: str) -> None:
    output = sanitize_html(text)
    assert strip_xml_invalid(output) == output
    escaped = output.replace("&", "&amp;").replace("<", "&lt;")
    assert _as_xml(escaped).text in (None, output.replace("\r", "\n"), output)


_TAGS = st.sampled_from(["script", "style", "svg", "math", "noscript", "iframe", "a", "img", "p", "table",
                         "mglyph", "mtext", "title", "textarea", "xmp", "template", "form", "div"])
_ATTRS = st.sampled_from(['href="javascript:alert(1)"', "onerror=alert(1)", 'src="jav&#x09;ascript:x"',
                          'title="</style><img src onerror=alert(1)>"', 'style="x:expression(1)"', "", "id=x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_TAGS, _ATTRS, st.sampled_from(["", "x", "<!--", "-->", "</p>", "&lt;"])), max_size=8))
def test_sanitiser_holds_for_random_nestings_of_dangerous_tags(parts: list[tuple[str, str, str]]) -> None:
    payload = "".join(f"<{tag} {attr}>{text}" for tag, attr, text in parts)
    payload += "".join(f"</{tag}>" for tag, _, _ in reversed(parts))
    assert problems_in(sanitize_html(payload)) == []


@pytest.mark.parametrize("unsafe", [
    "<script>alert(1)</script>", '<a href=" jav&#x09;ascript:alert(1)">x</a>', '<img src=x onerror="alert(1)">',
    "<svg></svg>", '<p style="x:y">x</p>', '<a href="data:text/html,x">x</a>', "<!-- c -->",
])
def test_the_checker_itself_flags_unsanitised_markup(unsafe: str) -> None:
    assert problems_in(unsafe) != []
