"""Profile feedd's in-process extraction (decode + extract_article) over every corpus article page.

Run: .venv/bin/python benchmarks/profile_extract.py [--profile] [--dump FILE] [--limit N] [--rounds N]

--dump writes every Article field of every page as JSON lines, so two runs (before/after a change)
can be compared with `diff`; --profile prints cProfile's heaviest functions; --slowest lists the
pages that cost the most.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
# The benchmark beside this file knows the corpus: its cases are profiled here.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract import load_cases  # noqa: E402

from feedd.decode import decode_page  # noqa: E402
from feedd.errors import FeeddError  # noqa: E402
from feedd.extract import extract_article  # noqa: E402

# A fixed clock, so relative dates ("3 hours ago") dump the same in every run.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def extract_one(body: bytes, url: str, zone: str) -> dict[str, Any]:
    try:
        page = decode_page(body, None)
        article = extract_article(page.text, url, zone=ZoneInfo(zone), now=NOW, utf8=page.utf8)
    except FeeddError as exc:
        return {"error": str(exc)}
    return {
        "title": article.title, "published": article.published.isoformat() if article.published else None,
        "source": article.source, "author": article.author, "editor": article.editor,
        "summary": article.summary, "content_text": article.content_text, "content_html": article.content_html,
        "images": list(article.images), "lang": article.lang,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--dump", type=Path, help="write every field of every page as JSON lines")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the timed pass, report the best")
    parser.add_argument("--slowest", type=int, default=0, help="list the N slowest pages")
    args = parser.parse_args(argv)
    cases = load_cases()[: args.limit or None]
    pages = [(case.path, case.path.read_bytes(), case.url, case.zone) for case in cases]
    best = best_cpu = float("inf")
    timings: list[tuple[float, Path]] = []
    results: dict[Path, dict[str, Any]] = {}
    profiler = cProfile.Profile() if args.profile else None
    for _ in range(args.rounds):
        timings.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        for path, body, url, zone in pages:
            began = time.perf_counter()
            results[path] = extract_one(body, url, zone)
            timings.append((time.perf_counter() - began, path))
        if profiler is not None:
            profiler.disable()
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    # CPU time is the steadier figure when other work shares the machine.
    print(f"{len(pages)} pages in {best:.2f} s: {len(pages) / best:.1f} pages/s "
          f"(CPU {best_cpu:.2f} s: {len(pages) / best_cpu:.1f} pages/s)")
    for spent, path in sorted(timings, reverse=True)[: args.slowest]:
        print(f"{spent * 1000:8.1f} ms  {path}")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for path, _, _, _ in pages:
                out.write(json.dumps({"page": str(path), **results[path]}, ensure_ascii=False, sort_keys=True) + "\n")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
