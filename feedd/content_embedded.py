"""Article bodies carried JSON-escaped inside a script or the page text (\\u003cp\\u003e…), as
app-style portals ship them: the longest run that decodes to prose paragraphs is the body."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Final

from lxml import etree

from feedd.extract_page import parse_fragment, text_of

# A JSON-escaped run of markup: an escaped '<', then plain characters and escape pairs. Possessive,
# so a long run is read once; runs of under 200 characters or pairs are skipped after matching.
_ESCAPED_RUN: Final = re.compile(r"(?:\\u003[cC]|\\x3[cC])(?:[^\"\\\n]++|\\.)*+")
_ESCAPE_PAIR: Final = re.compile(r"\\.")
_RUN_MIN_UNITS: Final = 200
_ESCAPE: Final = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_SIMPLE_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "", "/": "/", '"': '"', "'": "'", "\\": "\\"}


def embedded_body(raw: str) -> etree._Element | None:
    """Body HTML carried JSON-escaped in a script or text (\\u003cp\\u003e…): the longest such run."""
    best: etree._Element | None = None
    best_length = 0
    for run in _escaped_runs(raw):
        if run.count("\\u003c") + run.count("\\x3c") + run.count("\\u003C") < 3:
            continue
        try:
            fragment = parse_fragment(_unescape(run))
        except (etree.ParserError, ValueError):
            continue
        if fragment is None:
            continue
        text = text_of(fragment)
        length = len(text.strip())
        if length > best_length and _reads_as_prose(text) and len(fragment.findall(".//p")) >= 2:
            best, best_length = fragment, length
    return best


def _escaped_runs(raw: str) -> Iterator[str]:
    for match in _ESCAPED_RUN.finditer(raw):
        start = match.start() + (6 if raw.startswith("\\u", match.start()) else 4)
        chars = match.end() - start
        # Each unit is one character or a two-character escape pair.
        if chars < _RUN_MIN_UNITS or (
                chars < 2 * _RUN_MIN_UNITS
                and chars - len(_ESCAPE_PAIR.findall(raw, start, match.end())) < _RUN_MIN_UNITS):
            continue
        yield match.group(0)


def _reads_as_prose(text: str) -> bool:
    """Escaped script templates decode to code; an article body has almost no braces or semicolons."""
    code = sum(text.count(char) for char in "{}[];=<>\\")
    return code <= max(3, len(text) * 0.01)


def _unescape(run: str) -> str:
    try:
        decoded = json.loads(f'"{run}"')
        if isinstance(decoded, str):
            return decoded
    except ValueError:
        pass
    return _ESCAPE.sub(_one_escape, run)


def _one_escape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code[0] in "ux" and len(code) > 1:
        return chr(int(code[1:], 16))
    return _SIMPLE_ESCAPES.get(code, code)
