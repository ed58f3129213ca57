"""JSON-LD is the one place a page hands extraction values of any type: a headline may be a list, an
author a number, a date an object. Whatever the types, extraction gives an article or a clear
ExtractError, never a bug of its own; this matters the more since make compiles the stages with mypyc,
whose code checks at run time the types it was declared with."""

from __future__ import annotations

import json
import random
import re
import zlib
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feedd.decode import decode_html
from feedd.errors import ExtractError
from feedd.extract import extract_article
from tests.pages import CORPUS

NOW = datetime(2026, 12, 1, tzinfo=UTC)
_LD_BLOCK = re.compile(r"(<script[^>]*application/ld\+json[^>]*>)(.*?)(</script>)", re.S | re.I)
# Pages of four corpora, most carrying JSON-LD articles with dates, authors and publishers.
PAGES = [path for folder in ("fundus", "scrapinghub-article-extraction-benchmark", "magic-html-benchmark", "gne")
         for path in sorted((CORPUS / folder / "html").glob("*.html"))[::8]]


def _odd(value: Any) -> list[Any]:
    return [[value], {"@value": value, "name": value}, 12345, None, True, [value, value], {"@list": [value]}, 1.5, ""]


def _mutated(data: Any, chance: random.Random) -> Any:
    if isinstance(data, dict):
        return {key: chance.choice(_odd(value)) if not key.startswith("@") and chance.random() < 0.5
                else _mutated(value, chance) for key, value in data.items()}
    if isinstance(data, list):
        return [_mutated(item, chance) for item in data]
    return data


def _with_odd_json_ld(html: str, seed: int) -> str:
    chance = random.Random(seed)

    def rewrite(match: re.Match[str]) -> str:
        try:
            data = json.loads(match.group(2).strip().rstrip(";"))
        except ValueError:
            return match.group(0)
        return match.group(1) + json.dumps(_mutated(data, chance), ensure_ascii=False) + match.group(3)

    return _LD_BLOCK.sub(rewrite, html)


def test_the_sample_holds_json_ld_pages() -> None:
    assert len(PAGES) >= 30
    assert sum(bool(_LD_BLOCK.search(path.read_text("utf-8", "replace"))) for path in PAGES) >= 20


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.name)
def test_json_ld_values_of_any_type_never_break_extraction(path: Any) -> None:
    html = decode_html(path.read_bytes(), None)
    for seed in range(4):
        odd = _with_odd_json_ld(html, zlib.crc32(path.name.encode()) + seed)
        try:
            article = extract_article(odd, "https://www.example.com/a/1.html", zone=ZoneInfo("UTC"), now=NOW)
        except ExtractError as exc:
            assert "unexpectedly" not in str(exc), f"seed {seed}: {exc}"
            continue
        assert article.title is None or isinstance(article.title, str)
        assert article.author is None or isinstance(article.author, str)
