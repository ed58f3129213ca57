"""Recall and precision of automatic link discovery on the hand-labelled listing pages.

Usage: .venv/bin/python benchmarks/discover.py [-v]

Pages come from ../shared/corpus/ (read in place) and tests/listings/ (hand-written portal imitations);
the expected article links of each page's main list are in tests/listings/labels.json, the page URL and
kind in tests/listings/pages.json. A page labelled with no links must raise DiscoverError. When
gerapy_auto_extractor is installed, its extract_list runs on the same pages for comparison.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from feedd.discover import discover_links  # noqa: E402
from feedd.errors import DiscoverError  # noqa: E402

LISTINGS = REPO / "tests" / "listings"
CORPUS = REPO.parent / "shared" / "corpus"
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 20, 18, 0, tzinfo=ZONE)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    found: int


def page_path(name: str) -> Path:
    own = LISTINGS / name
    return own if own.exists() else CORPUS / name


def score(found: list[str], expected: list[str]) -> Score:
    """A page labelled with no links scores 1/1 only when nothing was published."""
    if not expected:
        return Score(1.0 if not found else 0.0, 1.0 if not found else 0.0, len(found))
    hits = len(set(found) & set(expected))
    return Score(hits / len(set(found)) if found else 0.0, hits / len(set(expected)), len(found))


def run_feedd(html: str, base_url: str) -> list[str]:
    try:
        return [link.url for link in discover_links(html, base_url, zone=ZONE, now=NOW)]
    except DiscoverError:
        return []


def gerapy_runner() -> Callable[[str, str], list[str]] | None:
    try:
        from gerapy_auto_extractor import extract_list  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None

    def run(html: str, base_url: str) -> list[str]:
        try:
            return [str(item.get("url")) for item in extract_list(html, base_url=base_url) if item.get("url")]
        except Exception:  # a foreign tool: any failure counts as "found nothing"
            return []

    return run


def print_article_refusals() -> None:
    """Article pages should raise DiscoverError: their related-news boxes are not a listing."""
    all_refused = all_pages = 0
    for truth in sorted(CORPUS.glob("*/ground_truth.json")):
        corpus = truth.parent.name
        records = [r for r in json.loads(truth.read_text(encoding="utf-8"))
                   if str(r.get("page_type", "")).startswith("article")]
        if not records:
            continue
        refused = 0
        for record in records:
            raw = (CORPUS / corpus / record["file"]).read_bytes()
            try:
                html = raw.decode(record.get("encoding") or "utf-8", "replace")
            except LookupError:
                html = raw.decode("utf-8", "replace")
            url = record.get("url") or ""
            refused += not run_feedd(html, url if url.startswith("http") else "https://www.example.com/")
        print(f"article pages refused in {corpus}: {refused}/{len(records)}")
        all_refused += refused
        all_pages += len(records)
    if all_pages:
        print(f"article pages refused in all corpora: {all_refused}/{all_pages} = {all_refused / all_pages:.3f}")
    print()


def main(verbose: bool) -> int:
    labels: dict[str, list[str]] = json.loads((LISTINGS / "labels.json").read_text(encoding="utf-8"))
    pages: dict[str, dict[str, str]] = json.loads((LISTINGS / "pages.json").read_text(encoding="utf-8"))
    gerapy = gerapy_runner()
    if gerapy is None:
        print("note: gerapy_auto_extractor is not installed; its column is left empty\n")
    print(f"{'page':58} {'kind':14} {'exp':>4} | {'feedd P':>7} {'R':>5} {'n':>4} {'ms':>5} | {'gerapy P':>8} {'R':>5}")
    totals: dict[str, list[Score]] = {"feedd": [], "gerapy": [], "feedd zh": [], "gerapy zh": []}
    for name, expected in labels.items():
        meta = pages[name]
        html = page_path(name).read_bytes().decode("utf-8", "replace")
        started = time.perf_counter()
        found = run_feedd(html, meta["base_url"])
        elapsed = (time.perf_counter() - started) * 1000
        ours = score(found, expected)
        totals["feedd"].append(ours)
        if meta["lang"] == "zh" and expected:
            totals["feedd zh"].append(ours)
        theirs_text = f"{'-':>8} {'-':>5}"
        if gerapy is not None:
            theirs = score(gerapy(html, meta["base_url"]), expected)
            totals["gerapy"].append(theirs)
            if meta["lang"] == "zh" and expected:
                totals["gerapy zh"].append(theirs)
            theirs_text = f"{theirs.precision:8.2f} {theirs.recall:5.2f}"
        print(f"{name[-58:]:58} {meta['kind']:14} {len(expected):4} | {ours.precision:7.2f} {ours.recall:5.2f} "
              f"{ours.found:4} {elapsed:5.0f} | {theirs_text}")
        if verbose:
            for url in sorted(set(found) - set(expected))[:10]:
                print(f"    extra   {url}")
            for url in sorted(set(expected) - set(found))[:10]:
                print(f"    missing {url}")
    print()
    print_article_refusals()
    for label, scores in totals.items():
        if scores:
            precision = sum(s.precision for s in scores) / len(scores)
            recall = sum(s.recall for s in scores) / len(scores)
            print(f"average {label:9} precision {precision:.3f}  recall {recall:.3f}  over {len(scores)} pages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main("-v" in sys.argv[1:]))
