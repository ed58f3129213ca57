"""Article-extraction benchmark: feedd against trafilatura, htmldate and GNE on the shared corpus.

Run: .venv/bin/python benchmarks/extract.py [--only feedd] [--limit N]

feedd runs as its CLI (`feedd extract --manifest FILE`) in a subprocess, the peers in-process on the
same pages in the same run. Every tool is scored by the same rules (see `score`), and
tests/test_extract_corpus.py imports this module to gate feedd's scores against pinned floors.

Each page gets the time zone a user of its site would configure (`feedd extract --timezone`, YAML
`timezone`), taken only from what a user knows about the site, never from the ground truth:
1. the country-code domain of the page URL (.de, .co.uk, .jp, .com.br, .com.cn, .ru ...), a
   country spanning several zones taking its most populous one (.ca Toronto, .au Sydney, .br Sao
   Paulo, .ru Moscow, .mx Mexico City);
2. else the page language, where it is spoken in essentially one zone (zh, ja, ko, de, it, nl,
   pl, ru, tr, the Nordic and Central/East European languages ...); en, es, pt, fr and ar fix no
   zone this way;
3. else UTC (.com/.org/.net/.eu, and country domains sold as brands: .co .io .me .tv .fm .ai .gg .mg).
The same zone reads a truth written without one. A truth time at midnight is a day stored as a
datetime (postlight's 15:00Z on Japanese pages): that day is scored, not a time. A truth with no zone
is a wall clock, compared with the wall clock a tool prints. Peers that print no zone are read in the
page's zone, like the truth.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
PLACEHOLDER_SOURCES = {"转载", "转载文章", "本站原创", "原创", "互联网", "网络"}
# Country-code domains (second-level "co.uk", "com.br" are looked up by their last label).
_COUNTRY_ZONES = {
    "de": "Europe/Berlin", "at": "Europe/Vienna", "ch": "Europe/Zurich", "li": "Europe/Vaduz",
    "fr": "Europe/Paris", "be": "Europe/Brussels", "nl": "Europe/Amsterdam", "lu": "Europe/Luxembourg",
    "it": "Europe/Rome", "es": "Europe/Madrid", "cat": "Europe/Madrid", "pt": "Europe/Lisbon",
    "uk": "Europe/London", "ie": "Europe/Dublin", "pl": "Europe/Warsaw", "cz": "Europe/Prague",
    "sk": "Europe/Bratislava", "hu": "Europe/Budapest", "dk": "Europe/Copenhagen", "se": "Europe/Stockholm",
    "no": "Europe/Oslo", "fi": "Europe/Helsinki", "is": "Atlantic/Reykjavik", "ee": "Europe/Tallinn",
    "lv": "Europe/Riga", "lt": "Europe/Vilnius", "gr": "Europe/Athens", "ro": "Europe/Bucharest",
    "md": "Europe/Chisinau", "bg": "Europe/Sofia", "hr": "Europe/Zagreb", "si": "Europe/Ljubljana",
    "rs": "Europe/Belgrade", "ua": "Europe/Kyiv", "by": "Europe/Minsk", "ru": "Europe/Moscow",
    "tr": "Europe/Istanbul", "am": "Asia/Yerevan", "ge": "Asia/Tbilisi", "il": "Asia/Jerusalem",
    "ir": "Asia/Tehran", "ae": "Asia/Dubai", "sa": "Asia/Riyadh", "eg": "Africa/Cairo", "tn": "Africa/Tunis",
    "ma": "Africa/Casablanca", "za": "Africa/Johannesburg", "ng": "Africa/Lagos", "ke": "Africa/Nairobi",
    "tz": "Africa/Dar_es_Salaam", "in": "Asia/Kolkata", "pk": "Asia/Karachi", "bd": "Asia/Dhaka",
    "cn": "Asia/Shanghai", "hk": "Asia/Hong_Kong", "mo": "Asia/Macau", "tw": "Asia/Taipei", "jp": "Asia/Tokyo",
    "kr": "Asia/Seoul", "sg": "Asia/Singapore", "my": "Asia/Kuala_Lumpur", "th": "Asia/Bangkok",
    "vn": "Asia/Ho_Chi_Minh", "ph": "Asia/Manila", "id": "Asia/Jakarta", "au": "Australia/Sydney",
    "nz": "Pacific/Auckland", "ca": "America/Toronto", "us": "America/New_York", "mx": "America/Mexico_City",
    "br": "America/Sao_Paulo", "ar": "America/Argentina/Buenos_Aires", "cl": "America/Santiago",
    "pe": "America/Lima", "bo": "America/La_Paz", "uy": "America/Montevideo", "py": "America/Asuncion",
    "ve": "America/Caracas", "ec": "America/Guayaquil",
}
# Languages spoken in essentially one zone; en, es, pt, fr and ar span continents.
_LANGUAGE_ZONES = {
    "zh": "Asia/Shanghai", "ja": "Asia/Tokyo", "ko": "Asia/Seoul", "de": "Europe/Berlin", "it": "Europe/Rome",
    "nl": "Europe/Amsterdam", "pl": "Europe/Warsaw", "cs": "Europe/Prague", "sk": "Europe/Bratislava",
    "hu": "Europe/Budapest", "da": "Europe/Copenhagen", "sv": "Europe/Stockholm", "no": "Europe/Oslo",
    "nb": "Europe/Oslo", "fi": "Europe/Helsinki", "et": "Europe/Tallinn", "lv": "Europe/Riga",
    "lt": "Europe/Vilnius", "el": "Europe/Athens", "ro": "Europe/Bucharest", "bg": "Europe/Sofia",
    "hr": "Europe/Zagreb", "sl": "Europe/Ljubljana", "sq": "Europe/Tirane", "uk": "Europe/Kyiv",
    "ru": "Europe/Moscow", "tr": "Europe/Istanbul", "hy": "Asia/Yerevan", "he": "Asia/Jerusalem",
    "fa": "Asia/Tehran", "hi": "Asia/Kolkata", "th": "Asia/Bangkok", "vi": "Asia/Ho_Chi_Minh",
    "id": "Asia/Jakarta", "my": "Asia/Yangon",
}
_TRUTH_DATE = re.compile(
    r"(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?)?"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\.\d+)?)?\s*(?P<z>Z|[+-]\d{2}:?\d{2})?")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_KEY = re.compile(r"[\W_]+")


@dataclass
class Case:
    """One article page and what its labels say."""

    path: Path
    url: str
    lang: str
    corpus: str
    truth: dict[str, Any] = field(default_factory=dict)  # only fields that are ground truth
    snippets_in: list[str] = field(default_factory=list)
    snippets_out: list[str] = field(default_factory=list)
    utc_dates: bool = False

    @property
    def zone(self) -> str:
        return site_zone(self.url, self.lang)

    @property
    def chinese(self) -> bool:
        return self.lang == "zh"


def site_zone(url: str, lang: str) -> str:
    """The zone a user would configure for the site: country domain, else a one-zone language, else UTC."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    country = host.rsplit(".", 1)[-1] if "." in host else ""
    return _COUNTRY_ZONES.get(country) or _LANGUAGE_ZONES.get(lang) or "UTC"


def load_cases(corpus: Path = CORPUS) -> list[Case]:
    """Article records of every corpus, with zh_annotations.json overriding where it covers a page."""
    notes = {(item["corpus"], item["file"]): item for item in json.loads((corpus / "zh_annotations.json").read_text())}
    cases: list[Case] = []
    for truth_file in sorted(corpus.glob("*/ground_truth.json")):
        name = truth_file.parent.name
        for record in json.loads(truth_file.read_text()):
            kind = str(record.get("page_type") or "")
            if "list" in kind or "non-article" in kind:
                continue
            cases.append(_case(record, name, truth_file.parent, notes.get((name, record["file"]))))
    return cases


def _case(record: dict[str, Any], name: str, folder: Path, note: dict[str, Any] | None) -> Case:
    lang = str(record.get("lang") or "")[:2].lower()
    if note is not None and lang in ("zh", ""):
        lang = "zh"
    case = Case(path=folder / record["file"], url=record.get("url") or "http://example.invalid/article",
                lang=lang, corpus=name, utc_dates=name == "postlight-parser")
    fields = set(record.get("gt_fields") or ())
    for key in ("title", "author"):
        if key in fields:
            case.truth[key] = record.get(key)
    if "date" in fields and not record.get("date_conflict") and isinstance(record.get("date"), str | None):
        case.truth["date"] = record.get("date")
    if "content" in fields and record.get("content"):
        case.truth["content"] = record["content"]
    case.snippets_in = list(record.get("content_must_include") or [])
    case.snippets_out = list(record.get("content_must_exclude") or [])
    if record.get("content_first_words"):
        case.snippets_in.append(record["content_first_words"])
    if note is not None:
        case.truth.update(title=note["title"], date=note["published"], author=note["author"],
                          source=note["source"], editor=note["editor"])
        if case.truth["source"] in PLACEHOLDER_SOURCES:
            case.truth["source"] = None
    return case


# ---------------------------------------------------------------- comparing


def key(text: str | None) -> str:
    return _KEY.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def same_title(predicted: str | None, truth: str) -> bool:
    ours, theirs = key(predicted), key(truth)
    if not ours or not theirs:
        return ours == theirs
    return ours == theirs or SequenceMatcher(None, ours, theirs).ratio() >= 0.9


def _name_tokens(text: str | None) -> set[str]:
    normal = unicodedata.normalize("NFKC", text or "").lower()
    cleaned = re.sub(r"\b(by|and|von|und)\b|和|[(（][^)）]*[)）]", " ", normal)
    return {token for token in re.split(r"[\s,;、/&|·]+", cleaned) if token}


def same_names(predicted: str | None, truth: str | None) -> bool:
    """Same set of name tokens; an editor's staff code (SF099, _NN2587) is ignored."""
    def tokens(text: str | None) -> set[str]:
        return {re.sub(r"_?[a-z]{1,3}\d{2,6}$", "", token) for token in _name_tokens(text)} - {""}
    ours, theirs = tokens(predicted), tokens(truth)
    if not theirs:
        return not ours
    if not ours:
        return False
    overlap = len(ours & theirs)
    return 2 * overlap / (len(ours) + len(theirs)) >= 0.8 or key(predicted) == key(truth)


def same_source(predicted: str | None, truth: str | None) -> bool:
    ours, theirs = key(predicted), key(truth)
    if not theirs:
        return not ours
    return ours == theirs


@dataclass(frozen=True)
class When:
    """A date as written: its local day (or month/year), and an instant when a time is given."""

    year: int
    month: int | None
    day: int | None
    instant: datetime | None
    stated_zone: tzinfo | None


def read_when(text: str | None, zone: tzinfo) -> When | None:
    match = _TRUTH_DATE.search(text or "")
    if match is None:
        return None
    groups = match.groupdict()
    stated = _offset(groups["z"])
    instant = None
    if groups["H"] is not None and groups["d"] is not None:
        naive = datetime(int(groups["y"]), int(groups["m"]), int(groups["d"]), int(groups["H"]), int(groups["M"]))
        instant = naive.replace(tzinfo=stated or zone)
    return When(int(groups["y"]), int(groups["m"]) if groups["m"] else None,
                int(groups["d"]) if groups["d"] else None, instant, stated)


def _offset(label: str | None) -> tzinfo | None:
    if not label:
        return None
    if label == "Z":
        return UTC
    sign = -1 if label[0] == "-" else 1
    digits = label[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def day_matches(predicted: When | None, truth: When, zone: tzinfo, utc_truth: bool = False) -> bool:
    """Days as the page shows them. A UTC-instant truth (postlight) is an instant: it and a predicted
    instant are both moved into the page's zone before their days are compared."""
    if predicted is None:
        return False
    expected = (truth.year, truth.month, truth.day)
    if truth.instant is not None and utc_truth:
        local_truth = truth.instant.astimezone(zone)
        expected = (local_truth.year, local_truth.month, local_truth.day)
    if predicted.instant is not None and truth.instant is not None and utc_truth:
        local = predicted.instant.astimezone(zone)
        shown = (local.year, local.month, local.day)
    elif predicted.instant is not None and truth.stated_zone is not None and not utc_truth:
        local = predicted.instant.astimezone(truth.stated_zone)
        shown = (local.year, local.month, local.day)
    else:
        shown = (predicted.year, predicted.month or 1, predicted.day or 1)
    if expected[1] is None:
        return shown[0] == expected[0]
    if expected[2] is None:
        return shown[:2] == expected[:2]
    return shown == expected


def minute_matches(predicted: When | None, truth: When) -> bool:
    """Same instant; a truth written without a zone is a wall clock, matched by the wall clock shown."""
    if predicted is None or predicted.instant is None or truth.instant is None:
        return False
    if truth.stated_zone is None:
        wall_clock = predicted.instant.replace(tzinfo=None) - truth.instant.replace(tzinfo=None)
        return abs(wall_clock) < timedelta(seconds=60)
    return abs(predicted.instant - truth.instant) < timedelta(seconds=60)


def day_only_truth(truth: When, zone: tzinfo) -> When:
    """A truth time at midnight (in its own offset or the page's zone) is a day stored as a datetime:
    that local day is scored, and no time, so no tool is asked for a time the page never gave."""
    if truth.instant is None:
        return truth
    for local, stated in ((truth.instant, truth.stated_zone), (truth.instant.astimezone(zone), zone)):
        if (local.hour, local.minute, local.second) == (0, 0, 0):
            return When(local.year, local.month, local.day, None, stated)
    return truth


def tokens(text: str) -> Counter[str]:
    """Characters for CJK text, lower-cased words otherwise."""
    normal = unicodedata.normalize("NFKC", text).lower()
    if len(_CJK.findall(normal[:2000])) > len(normal[:2000]) * 0.1:
        return Counter(char for char in normal if char.isalnum())
    return Counter(re.findall(r"\w+", normal))


def content_f1(predicted: str | None, truth: str) -> float:
    ours, theirs = tokens(predicted or ""), tokens(truth)
    common = sum((ours & theirs).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ours.values()), common / sum(theirs.values())
    return 2 * precision * recall / (precision + recall)


def _flat(text: str | None) -> str:
    return " ".join((text or "").split())


# ---------------------------------------------------------------- scoring


class Tally:
    def __init__(self) -> None:
        self.hits: dict[str, float] = defaultdict(float)
        self.counts: Counter[str] = Counter()

    def add(self, name: str, value: float) -> None:
        self.hits[name] += value
        self.counts[name] += 1

    def scores(self) -> dict[str, float]:
        return {name: self.hits[name] / count for name, count in self.counts.items() if count}


def score(cases: Iterable[Case], results: dict[Path, dict[str, Any]]) -> dict[str, float]:
    """Per-field scores of one tool's results ({path: {title, published, ...}})."""
    tally = Tally()
    for case in cases:
        result = results.get(case.path) or {}
        _score_case(case, result, tally)
    return tally.scores()


def _score_case(case: Case, result: dict[str, Any], tally: Tally) -> None:
    zone = ZoneInfo(case.zone)
    truth = case.truth
    if truth.get("date"):
        expected = read_when(truth["date"], zone)
        predicted = read_when(result.get("published"), zone)
        if expected is not None:
            expected = day_only_truth(expected, zone)
            tally.add("date_day", day_matches(predicted, expected, zone, case.utc_dates))
            if expected.instant is not None:
                tally.add("date_minute", minute_matches(predicted, expected))
        if case.chinese and predicted is not None and predicted.instant is not None:
            tally.add("zone_+08", predicted.instant.utcoffset() == timedelta(hours=8))
    if truth.get("title"):
        tally.add("title", same_title(result.get("title"), truth["title"]))
        if case.chinese:
            tally.add("title_zh", same_title(result.get("title"), truth["title"]))
    if case.chinese and "source" in truth:
        if truth["source"]:
            tally.add("source_zh", same_source(result.get("source"), truth["source"]))
        else:
            tally.add("source_none_kept", not result.get("source"))
    if "author" in truth:
        tally.add("author", same_names(result.get("author"), truth["author"]))
    if case.chinese and "editor" in truth:
        tally.add("editor_zh", same_names(result.get("editor"), truth["editor"]))
    if truth.get("content"):
        tally.add("content_f1", content_f1(result.get("content_text"), truth["content"]))
    text = _flat(result.get("content_text"))
    for snippet in case.snippets_in:
        tally.add("snippets", _flat(snippet) in text)
    for snippet in case.snippets_out:
        tally.add("snippets", _flat(snippet) not in text)


# ---------------------------------------------------------------- tools


def run_feedd_cli(cases: list[Case], extra: Sequence[str] = ()) -> tuple[dict[Path, dict[str, Any]], float]:
    """feedd as a user runs it: one `feedd extract --manifest` process over all pages (`extra`: more options)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as manifest:
        for case in cases:
            manifest.write(json.dumps({"path": str(case.path), "url": case.url, "timezone": case.zone}) + "\n")
    started = time.perf_counter()
    done = subprocess.run([str(REPO / ".venv" / "bin" / "feedd"), "extract", "--manifest", manifest.name, *extra],
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    Path(manifest.name).unlink()
    results: dict[Path, dict[str, Any]] = {}
    for line in done.stdout.splitlines():
        item = json.loads(line)
        results[Path(item["input"])] = item
    return results, elapsed


def run_feedd_inprocess(cases: list[Case]) -> tuple[dict[Path, dict[str, Any]], float]:
    from feedd.decode import decode_page
    from feedd.errors import FeeddError
    from feedd.extract import extract_article

    results: dict[Path, dict[str, Any]] = {}
    now = datetime.now(UTC)
    started = time.perf_counter()
    for case in cases:
        try:
            page = decode_page(case.path.read_bytes(), None)
            article = extract_article(page.text, case.url, utf8=page.utf8,
                                      zone=ZoneInfo(case.zone), now=now)
        except FeeddError:
            continue
        results[case.path] = {
            "title": article.title, "published": article.published.isoformat() if article.published else None,
            "source": article.source, "author": article.author, "editor": article.editor,
            "content_text": article.content_text,
        }
    return results, time.perf_counter() - started


def _peer(cases: list[Case], read: Callable[[str, str], dict[str, Any]]) -> tuple[dict[Path, dict[str, Any]], float]:
    from feedd.decode import decode_html
    from feedd.errors import DecodeError

    pages: list[tuple[Case, str]] = []
    for case in cases:
        try:
            pages.append((case, decode_html(case.path.read_bytes(), None)))
        except DecodeError:
            continue
    results: dict[Path, dict[str, Any]] = {}
    started = time.perf_counter()
    for case, text in pages:
        try:
            results[case.path] = read(text, case.url)
        except Exception:
            results[case.path] = {}
    return results, time.perf_counter() - started


def _trafilatura(text: str, url: str) -> dict[str, Any]:
    import trafilatura

    document = trafilatura.bare_extraction(text, url=url, with_metadata=True)
    if document is None:
        return {}
    data = document if isinstance(document, dict) else document.as_dict()
    return {"title": data.get("title"), "published": data.get("date"), "author": data.get("author"),
            "source": data.get("sitename"), "content_text": data.get("text")}


def _htmldate(text: str, url: str) -> dict[str, Any]:
    from htmldate import find_date

    return {"published": find_date(text, url=url, outputformat="%Y-%m-%d %H:%M:%S", original_date=True)}


def _gne(text: str, url: str) -> dict[str, Any]:
    from gne import GeneralNewsExtractor  # type: ignore[import-untyped,import-not-found,unused-ignore]

    data = GeneralNewsExtractor().extract(text)
    return {"title": data.get("title"), "published": data.get("publish_time"), "author": data.get("author"),
            "content_text": data.get("content")}


_ROWS = (
    ("date_day", "date, to the day"), ("date_minute", "date, to the minute (truth has a time)"),
    ("zone_+08", "+08:00 on Chinese pages (times given)"), ("title", "title"), ("title_zh", "title, Chinese"),
    ("source_zh", "source, Chinese pages naming one"), ("source_none_kept", "no source invented (Chinese)"),
    ("author", "author (incl. absent)"), ("editor_zh", "editor, Chinese"), ("content_f1", "content F1"),
    ("snippets", "content snippets in/out"),
)


def print_table(scores: dict[str, dict[str, float]], speeds: dict[str, float]) -> None:
    tools = list(scores)
    print(f"{'field':44}" + "".join(f"{tool:>13}" for tool in tools))
    for name, label in _ROWS:
        cells = "".join(f"{scores[tool][name]:13.3f}" if name in scores[tool] else f"{'-':>13}" for tool in tools)
        print(f"{label:44}{cells}")
    print(f"{'pages/second':44}" + "".join(f"{speeds[tool]:13.1f}" for tool in tools))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=("feedd",), help="skip the peers")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N pages")
    parser.add_argument("--inprocess", action="store_true", help="run feedd in-process, not as its CLI")
    parser.add_argument("--rounds", type=int, default=3,
                        help="timed rounds, every tool once per round in turn; speeds are the median (default 3)")
    args = parser.parse_args(argv)
    cases = load_cases()[: args.limit or None]
    tools: dict[str, Callable[[], tuple[dict[Path, dict[str, Any]], float]]] = {
        "feedd": (lambda: run_feedd_inprocess(cases)) if args.inprocess else (lambda: run_feedd_cli(cases)),
    }
    if not args.only:
        try:
            import gne  # noqa: F401
            import htmldate  # noqa: F401
            import trafilatura  # noqa: F401
        except ImportError:
            print("peers missing: install the `bench` extra (pip install -e '.[bench]') to compare", file=sys.stderr)
        else:
            tools.update(trafilatura=lambda: _peer(cases, _trafilatura), htmldate=lambda: _peer(cases, _htmldate),
                         gne=lambda: _peer(cases, _gne))
    scores: dict[str, dict[str, float]] = {}
    rounds: dict[str, list[float]] = {name: [] for name in tools}
    # The tools take turns round after round: a shared machine's speed drifts within minutes, and a
    # tool timed only early or only late would carry that drift into the comparison.
    for _ in range(max(1, args.rounds)):
        for name, run in tools.items():
            results, elapsed = run()
            if name not in scores:  # the results are the same every round; scored once
                scores[name] = score(cases, results)
            rounds[name].append(len(cases) / elapsed if elapsed else 0.0)
    speeds = {name: statistics.median(figures) for name, figures in rounds.items()}
    print(f"{len(cases)} article pages from {CORPUS}")
    print(feedd_build())
    if __doc__:
        print(__doc__[__doc__.index("Each page gets"):].strip(), end="\n\n")
    print_table(scores, speeds)
    print_rounds(rounds)
    if not args.inprocess:
        print_workers_line(cases)
    return 0


def feedd_build() -> str:
    """Whether feedd runs its extraction stages compiled (`make` builds them with mypyc) or as plain Python."""
    built = sorted(library.name.split(".")[0] for library in (REPO / "feedd").glob("*.so")
                   if not library.name.startswith("native__"))
    if built:
        return f"feedd: {len(built)} extraction modules compiled with mypyc ({', '.join(built)})"
    return "feedd: plain Python (no compiled modules; `make` compiles them with mypyc)"


def print_rounds(rounds: dict[str, list[float]]) -> None:
    """Every round's pages/second, and feedd's speed over trafilatura's round by round (the two
    timed minutes apart, not hours)."""
    print(f"\npages/second by round ({len(next(iter(rounds.values())))} rounds, the table gives the median):")
    for name, figures in rounds.items():
        print(f"  {name:12}" + "".join(f"{figure:9.1f}" for figure in figures))
    if "trafilatura" in rounds:
        ratios = [mine / theirs for mine, theirs in zip(rounds["feedd"], rounds["trafilatura"], strict=True) if theirs]
        print("  feedd ÷ trafilatura: " + " ".join(f"{ratio:.2f}" for ratio in ratios)
              + f" (median {statistics.median(ratios):.2f})")


def print_workers_line(cases: list[Case]) -> None:
    """feedd's own figure with a worker process per CPU, for information only: the table above runs every
    tool in a single process, and this one does not compare with it."""
    # The count `--jobs 0` takes (feedd.cli_pages): the CPUs this process may run on, from 3.13 on.
    if sys.version_info >= (3, 13):
        cpus = os.process_cpu_count() or 1
    else:
        cpus = os.cpu_count() or 1
    _results, elapsed = run_feedd_cli(cases, ("--jobs", "0"))
    speed = len(cases) / elapsed if elapsed else 0.0
    print(f"\ninformational, NOT comparable with the single-process figures above: feedd extract --jobs 0 "
          f"({cpus} CPUs, one worker each): {speed:.1f} pages/second")


if __name__ == "__main__":
    sys.exit(main())
