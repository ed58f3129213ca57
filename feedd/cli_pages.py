"""The page tools of the command line: `feedd extract` and `feedd discover` run the stages on pages
given by hand (files or URLs), one JSON object per line. Wired here, like the polling commands in
cli.py, and kept apart from them so a batch extraction never loads the polling stack."""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedd.decode import DecodedPage, decode_page
from feedd.errors import ConfigError, FeeddError
from feedd.extract import extract_article
from feedd.models import Article, Link, NotModified

if TYPE_CHECKING:
    from concurrent.futures import Future
    from multiprocessing.synchronize import Event as EventType

    from feedd.fetch import Fetcher
    from feedd.select import ArticleRules


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Job:
    input: str
    url: str | None
    timezone: str
    problem: str | None = None  # a manifest line that could not be read


def cmd_extract(args: argparse.Namespace) -> int:
    _tune_collector_for_a_batch()
    rules, section_zone = _extract_rules(args)
    zone = args.timezone or section_zone or "Asia/Shanghai"
    # Streamed, not listed: a manifest of 100,000 pages is never held whole.
    jobs = iter(_manifest_jobs(args.manifest, zone) if args.manifest else
                [_Job(page, args.url, zone) for page in args.pages])
    try:
        first = next(jobs, None)
    except FeeddError as exc:
        print(f"feedd extract: {exc}", file=sys.stderr)
        return 2
    if first is None:
        print("feedd extract: give PAGE arguments or --manifest FILE", file=sys.stderr)
        return 2
    workers = args.jobs or _cpu_count()
    if workers > 1:
        _extract_in_workers(chain([first], jobs), _WorkerSetup(rules, args.allow_private_networks), workers)
    else:
        _extract_here(chain([first], jobs), rules, args.allow_private_networks)
    sys.stdout.flush()
    return 0


def _tune_collector_for_a_batch() -> None:
    """A page's objects (tree proxies, segments, sizes) form no cycles and go by reference counting;
    the cycle collector would still walk every live object some 2,000 times per 800 pages, a few per
    cent of the run. What is imported is frozen out of its reach and it runs a tenth as often."""
    gc.freeze()
    first, second, third = gc.get_threshold()
    gc.set_threshold(first * 10, second, third)


def _extract_here(jobs: Iterator[_Job], rules: ArticleRules | None, allow_private: bool) -> None:
    reader = _PageReader(allow_private)
    try:
        for job in jobs:
            print(json.dumps(_extract_one(job, reader, rules), ensure_ascii=False), flush=False)
    finally:
        reader.close()


def _extract_rules(args: argparse.Namespace) -> tuple[ArticleRules | None, str | None]:
    """Site rules (and a zone) from --rules, or from the section named by --config/--section."""
    if (args.config is None) != (args.section is None):
        raise ConfigError("feedd extract: --config and --section go together")
    if args.rules is not None and args.config is not None:
        raise ConfigError("feedd extract: give --rules or --config/--section, not both")
    if args.rules is None and args.config is None:
        return None, None
    # The config reader (and YAML) is loaded only when asked for: a batch without rules starts faster.
    from feedd.config import load_article_rules, load_config

    if args.rules is not None:
        return load_article_rules(args.rules), None
    section = load_config(args.config).section(args.section)
    if section is None:
        raise ConfigError(f"no section {args.section!r}", path=str(args.config))
    return section.article, str(section.timezone)


def _manifest_jobs(path: Path, zone: str) -> Iterator[_Job]:
    try:
        # A stray byte spoils its own line (a bad-line report), not the rest of the manifest.
        handle = path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise FeeddError(f"{path}: cannot read the manifest: {exc.strerror or exc}") from exc
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                yield _Job(str(entry["path"]), entry.get("url"), entry.get("timezone") or zone)
            except (ValueError, KeyError, TypeError) as exc:
                yield _Job(f"{path}:{number}", None, "", problem=f"{path}:{number}: bad manifest line: {exc}")


def _extract_one(job: _Job, reader: _PageReader, rules: ArticleRules | None) -> dict[str, Any]:
    result: dict[str, Any] = {"input": job.input, "url": job.url}
    try:
        if job.problem:
            raise FeeddError(job.problem)
        zone = _zone(job.timezone)
        page, url = reader.read(job.input, job.url)
        article = extract_article(page.text, url, zone=zone, now=now_utc(), rules=rules, utf8=page.utf8)
        result.update(_article_json(article))
        result["error"] = None
    except FeeddError as exc:
        result.update(dict.fromkeys(_ARTICLE_KEYS))
        result["images"] = []
        result["error"] = str(exc)
    return result


_ARTICLE_KEYS = ("title", "published", "source", "author", "editor", "summary", "content_text", "content_html",
                 "lang")


def _article_json(article: Article) -> dict[str, Any]:
    return {
        "url": article.url, "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "source": article.source, "author": article.author, "editor": article.editor,
        "summary": article.summary, "content_text": article.content_text,
        "content_html": article.content_html, "images": list(article.images), "lang": article.lang,
    }


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FeeddError(f"unknown time zone {name!r}") from exc


class _PageReader:
    """Reads a page given as a file path or an http(s) URL, decoded to text. The fetcher is built at
    the first URL, so a batch of files never loads the HTTP stack."""

    def __init__(self, allow_private: bool) -> None:
        self._allow_private = allow_private
        self._fetcher: Fetcher | None = None

    def read(self, page: str, url: str | None) -> tuple[DecodedPage, str]:
        if page.startswith(("http://", "https://")):
            return self._fetch(page, url)
        try:
            body = Path(page).read_bytes()
        except OSError as exc:
            raise FeeddError(f"{page}: cannot read: {exc.strerror or exc}") from exc
        return decode_page(body, None), url or Path(page).resolve().as_uri()

    def _fetch(self, page: str, url: str | None) -> tuple[DecodedPage, str]:
        from feedd.config import DEFAULT_USER_AGENT, FetchSettings
        from feedd.fetch import Fetcher
        from feedd.fetch_guard import Access

        if self._fetcher is None:
            self._fetcher = Fetcher(FetchSettings(
                user_agent=DEFAULT_USER_AGENT, timeout=30, max_bytes=10_000_000, max_redirects=5, host_gap=0.0,
                concurrency=1, respect_robots=True, use_env_proxy=False, max_links=1000))
        fetched = self._fetcher.fetch(page, Access(allow_private=self._allow_private))
        if isinstance(fetched, NotModified):
            raise FeeddError(f"{page}: unexpected 304")
        return decode_page(fetched.body, fetched.content_type), url or fetched.url

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()


def worker_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if count < 0:
        raise argparse.ArgumentTypeError(f"expected 0 (one per CPU) or more, got {count}")
    return count


def _cpu_count() -> int:
    if sys.version_info >= (3, 13):
        return os.process_cpu_count() or 1  # honours the CPU affinity (taskset, cgroup cpusets)
    return os.cpu_count() or 1


@dataclass(frozen=True)
class _WorkerSetup:
    rules: ArticleRules | None
    allow_private: bool


@dataclass(frozen=True)
class _WorkerState:
    rules: ArticleRules | None
    reader: _PageReader
    stop: EventType


# Pages per task: enough that queueing and pickling cost little beside extraction; tasks queued per
# worker: enough to keep every worker busy while a slow page holds the head of the line. Together
# they bound how many results wait in memory to be printed in order.
_CHUNK = 8
_CHUNKS_PER_WORKER = 4

# One per worker process, set by _start_worker; the parent process never sets it.
_worker_state: _WorkerState | None = None


def _extract_in_workers(jobs: Iterator[_Job], setup: _WorkerSetup, workers: int) -> None:
    """The pages in worker processes, printed in input order as they come."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Forked, the workers inherit the extraction code already imported (start-up is timed) and the
    # compiled rules, whose lxml XPath objects cannot be pickled.
    fork = multiprocessing.get_context("fork")
    stop = fork.Event()
    # A forked worker inherits unwritten output and would write it a second time when it exits.
    sys.stdout.flush()
    pool = ProcessPoolExecutor(workers, mp_context=fork, initializer=_start_worker, initargs=(setup, stop))
    waiting: deque[Future[list[str]]] = deque()
    try:
        for chunk in _chunks(jobs, _CHUNK):
            waiting.append(pool.submit(_extract_chunk, chunk))
            if len(waiting) >= workers * _CHUNKS_PER_WORKER:
                print("\n".join(waiting.popleft().result()), flush=False)
        while waiting:
            print("\n".join(waiting.popleft().result()), flush=False)
    except BaseException:
        # The reader went away, or Ctrl-C: drop the queued chunks and let each worker stop after its
        # current page. Killing them instead could cut a result in half on its way back, and the pool
        # would wait for the rest of it forever.
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _chunks(jobs: Iterator[_Job], size: int) -> Iterator[list[_Job]]:
    while chunk := list(islice(jobs, size)):
        yield chunk


def _start_worker(setup: _WorkerSetup, stop: EventType) -> None:
    global _worker_state
    # Ctrl-C reaches the whole process group; the parent alone answers it, through `stop`.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_state = _WorkerState(setup.rules, _PageReader(setup.allow_private), stop)


def _extract_chunk(chunk: list[_Job]) -> list[str]:
    if _worker_state is None:
        raise RuntimeError("_extract_chunk runs in a worker started by _start_worker")
    state = _worker_state
    lines = []
    for job in chunk:
        if state.stop.is_set():
            break
        lines.append(json.dumps(_extract_one(job, state.reader, state.rules), ensure_ascii=False))
    return lines


def cmd_discover(args: argparse.Namespace) -> int:
    from feedd.discover import discover_links, explain_candidates

    reader = _PageReader(args.allow_private_networks)
    try:
        zone = _zone(args.timezone)
        page, url = reader.read(args.page, args.url)
        html = page.text
        now = now_utc()
        if args.explain:
            for rank, candidate in enumerate(explain_candidates(html, url, zone=zone, now=now), 1):
                print(json.dumps({"rank": rank, "container": candidate.container, "score": candidate.score,
                                  "reasons": list(candidate.reasons), "links": len(candidate.links),
                                  "sample": [_link_json(link) for link in candidate.links[:5]]},
                                 ensure_ascii=False))
            return 0
        for link in discover_links(html, url, zone=zone, now=now):
            print(json.dumps(_link_json(link), ensure_ascii=False))
        return 0
    except FeeddError as exc:
        print(f"feedd discover: {exc}", file=sys.stderr)
        return 1
    finally:
        reader.close()


def _link_json(link: Link) -> dict[str, Any]:
    return {"url": link.url, "title": link.title,
            "published": link.published.isoformat() if link.published else None,
            "container": link.container, "score": round(link.score, 3)}
