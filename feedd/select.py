"""User-given selectors (CSS, or XPath with an `xpath:` prefix), compiled once at config load."""

from __future__ import annotations

from dataclasses import dataclass, field

from cssselect import GenericTranslator
from cssselect.parser import SelectorError as CssSyntaxError
from lxml import etree

from feedd.errors import SelectorError

XPATH_PREFIX = "xpath:"


@dataclass(frozen=True)
class Selector:
    """A compiled selector; `expression` is the text the user wrote."""

    expression: str
    xpath: etree.XPath = field(compare=False, repr=False)

    def select(self, node: etree._Element) -> list[etree._Element]:
        """Elements matched below `node`; text or attribute results are dropped."""
        found = self.xpath(node)
        if not isinstance(found, list):
            return []
        return [item for item in found if isinstance(item, etree._Element)]


def compile_selector(expression: str) -> Selector:
    """Compile CSS (default) or XPath (`xpath:` prefix); raise SelectorError naming the problem."""
    text = expression.strip()
    if not text:
        raise SelectorError("empty selector")
    if text.startswith(XPATH_PREFIX):
        source = text[len(XPATH_PREFIX):].strip()
    else:
        try:
            source = GenericTranslator().css_to_xpath(text, prefix="descendant-or-self::")
        except CssSyntaxError as exc:
            raise SelectorError(f"bad CSS selector {text!r}: {exc}") from exc
    try:
        return Selector(expression=text, xpath=etree.XPath(source))
    except etree.XPathSyntaxError as exc:
        raise SelectorError(f"bad XPath {source!r}: {exc}") from exc


@dataclass(frozen=True)
class ArticleRules:
    """Per-site extraction rules from the YAML `article:` block; each is tried before the automatic path."""

    title: Selector | None = None
    published: Selector | None = None
    source: Selector | None = None
    author: Selector | None = None
    content: Selector | None = None
    remove: tuple[Selector, ...] = ()
