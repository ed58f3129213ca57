"""The composition root: parses the command line and wires the stages together. No logic of its own."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedd import __version__
from feedd.decode import decode_html
from feedd.errors import EXIT_CONFIG, ConfigError, FeeddError, StoreError
from feedd.extract import extract_article
from feedd.models import Article, Link, NotModified, SectionReport

# The polling stack (requests, SQLite, feedgen, the daemon) is imported by the commands that poll:
# `feedd extract` over a batch of pages is timed against other extractors, and those imports would
# more than double its start-up.
if TYPE_CHECKING:
    from concurrent.futures import Future
    from multiprocessing.synchronize import Event as EventType

    from feedd.config import Config, SectionConfig
    from feedd.daemon import Poller
    from feedd.fetch import Fetcher
    from feedd.pipeline import PipelineDeps
    from feedd.select import ArticleRules
    from feedd.store import Store

log = logging.getLogger("feedd")


def now_utc() -> datetime:
    return datetime.now(UTC)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=getattr(logging, args.log_level.upper()), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"feedd: config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreError as exc:
        print(f"feedd: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`feedd extract ... | head`): stop quietly, as other filters do.
        # Python would still flush stdout at exit and print a second traceback: point it at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a filter killed by the pipe


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="feedd", description="News-portal pages to RSS, Atom and JSON feeds.")
    parser.add_argument("--version", action="version", version=f"feedd {__version__}")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="the daemon: poll every section on its interval")
    run.add_argument("--config", type=Path, required=True)
    run.set_defaults(handler=_cmd_run)

    once = commands.add_parser("once", help="poll every section (or one) once and exit")
    once.add_argument("--config", type=Path, required=True)
    once.add_argument("--section", metavar="SOURCE/SECTION")
    once.set_defaults(handler=_cmd_once)

    check = commands.add_parser("check", help="validate the config and print what would be polled")
    check.add_argument("--config", type=Path, required=True)
    check.set_defaults(handler=_cmd_check)

    extract = commands.add_parser("extract", help="extract articles from pages (files or URLs) as JSON lines")
    extract.add_argument("pages", nargs="*", metavar="PAGE")
    extract.add_argument("--url", help="the page's URL, for resolving links (one PAGE only)")
    extract.add_argument("--timezone", help="zone of times printed without one (default: the section's, "
                         "else Asia/Shanghai)")
    extract.add_argument("--manifest", type=Path, help='JSON lines {"path", "url", "timezone"}')
    extract.add_argument("--rules", type=Path, help="a YAML file of site rules: title, published, source, "
                         "author, content, remove (a section's `article:` block)")
    extract.add_argument("--config", type=Path, help="take site rules and time zone from a section of this config")
    extract.add_argument("--section", metavar="SOURCE/SECTION", help="the section of --config")
    extract.add_argument("--allow-private-networks", action="store_true")
    extract.add_argument("--jobs", type=_worker_count, default=1, metavar="N",
                         help="extract in N worker processes, printed in input order (0: one per CPU)")
    extract.set_defaults(handler=_cmd_extract)

    discover = commands.add_parser("discover", help="print the article links found on a listing page")
    discover.add_argument("page", metavar="PAGE")
    discover.add_argument("--url", help="the page's URL, for resolving links")
    discover.add_argument("--timezone", default="Asia/Shanghai")
    discover.add_argument("--explain", action="store_true", help="show the runner-up lists too")
    discover.add_argument("--allow-private-networks", action="store_true")
    discover.set_defaults(handler=_cmd_discover)
    return parser


# ---------------------------------------------------------------- daemon and polls

@dataclass
class _Runtime:
    store: Store
    fetcher: Fetcher
    stop: threading.Event


def _open_runtime(config: Config) -> _Runtime:
    from feedd.fetch import Fetcher
    from feedd.pipeline import prepare_output
    from feedd.store import Store

    prepare_output(config)
    return _Runtime(store=Store.open(config.state_path), fetcher=Fetcher(config.fetch), stop=threading.Event())


def _pipeline_deps(runtime: _Runtime, config: Config, on_article: Callable[[str], None]) -> PipelineDeps:
    from feedd.pipeline import PipelineDeps

    return PipelineDeps(config=config, fetcher=runtime.fetcher, store=runtime.store, clock=now_utc,
                        should_stop=runtime.stop.is_set, on_article=on_article)


def _poller(runtime: _Runtime, config: Config,
            on_article: Callable[[str], None] = lambda _url: None, *, publish_each: bool = True) -> Poller:
    from feedd.pipeline import poll_section, publish_overview

    deps = _pipeline_deps(runtime, config, on_article)

    def poll(section: SectionConfig) -> SectionReport:
        report = poll_section(section, deps)
        if publish_each:
            publish_overview(deps)
        return report

    return poll


def _cmd_run(args: argparse.Namespace) -> int:
    from feedd.config import load_config
    from feedd.daemon import DaemonDeps, run_daemon
    from feedd.notify import Notifier

    config = load_config(args.config)
    runtime = _open_runtime(config)
    try:
        deps = DaemonDeps(
            load_config=partial(load_config, args.config),
            make_poller=lambda cfg: _poller(runtime, cfg),
            due_store=runtime.store, notifier=Notifier.from_environment(), clock=now_utc,
            stop_event=runtime.stop)
        return run_daemon(deps)
    finally:
        runtime.fetcher.close()
        runtime.store.close()


def _cmd_once(args: argparse.Namespace) -> int:
    from feedd.config import load_config
    from feedd.pipeline import poll_section, publish_overview

    config = load_config(args.config)
    sections = list(config.sections())
    if args.section:
        sections = [s for s in sections if s.key == args.section]
        if not sections:
            print(f"feedd: no section {args.section!r} in {args.config}", file=sys.stderr)
            return 2
    runtime = _open_runtime(config)
    progress = _Progress(sys.stderr, total_sections=len(sections))
    try:
        deps = _pipeline_deps(runtime, config, progress.article_done)
        reports = _poll_by_host(sections, partial(poll_section, deps=deps), config.fetch.concurrency, progress)
        publish_overview(deps)
    finally:
        progress.finish()
        runtime.fetcher.close()
        runtime.store.close()
    _print_summary(reports, config, sys.stdout)
    return 0 if all(r.listing_ok for r in reports) else 1


def _poll_by_host(sections: list[SectionConfig], poll: Callable[[SectionConfig], SectionReport],
                  concurrency: int, progress: _Progress) -> list[SectionReport]:
    """Hosts in parallel, the sections of one host one after another."""
    from feedd.daemon import host_of

    by_host: dict[str, list[SectionConfig]] = {}
    for section in sections:
        by_host.setdefault(host_of(section), []).append(section)

    def poll_host(group: list[SectionConfig]) -> list[SectionReport]:
        reports = []
        for section in group:
            reports.append(poll(section))
            progress.section_done(section.key)
        return reports

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(poll_host, by_host.values()))
    order = {s.key: i for i, s in enumerate(sections)}
    return sorted((r for group in results for r in group), key=lambda r: order[r.key])


class _Progress:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, stream: TextIO, total_sections: int) -> None:
        self._stream = stream
        self._enabled = stream.isatty()
        self._total = total_sections
        self._sections = 0
        self._articles = 0
        self._lock = threading.Lock()

    def article_done(self, _url: str) -> None:
        with self._lock:
            self._articles += 1
            self._draw()

    def section_done(self, _key: str) -> None:
        with self._lock:
            self._sections += 1
            self._draw()

    def _draw(self) -> None:
        if not self._enabled:
            return
        width = 30
        filled = int(width * self._sections / max(1, self._total))
        bar = "#" * filled + "-" * (width - filled)
        self._stream.write(f"\r[{bar}] {self._sections}/{self._total} sections, {self._articles} articles")
        self._stream.flush()

    def finish(self) -> None:
        if self._enabled:
            self._stream.write("\n")


def _print_summary(reports: list[SectionReport], config: Config, out: TextIO) -> None:
    for report in reports:
        if not report.listing_ok:
            state = "FAILED"
        elif report.not_modified:
            state = "unchanged (304)"
        else:
            state = f"{report.links_found} links, {report.new_items} new"
        print(f"{report.key}: {state}", file=out)
        if report.error:
            print(f"  error: {report.error}", file=out)
        for failure in report.failed_articles:
            print(f"  article failed (retried next poll): {failure}", file=out)
    failed = sum(1 for r in reports if not r.listing_ok)
    new = sum(r.new_items for r in reports)
    print(f"{len(reports)} sections polled, {failed} failed, {new} new items; feeds in {config.output_dir}",
          file=out)


def _cmd_check(args: argparse.Namespace) -> int:
    from feedd.config import load_config

    config = load_config(args.config)
    print(f"config {config.path} is valid")
    print(f"output_dir: {config.output_dir}\nstate_path: {config.state_path}\nbase_url: {config.base_url}")
    for section in config.sections():
        how = f"links {section.links.expression!r}" if section.links else "automatic discovery"
        print(f"{section.key}: {section.url} every {section.interval}, {section.timezone}, {how}, "
              f"keep {section.keep_items}")
    return 0


# ---------------------------------------------------------------- extraction as a tool

@dataclass(frozen=True)
class _Job:
    input: str
    url: str | None
    timezone: str
    problem: str | None = None  # a manifest line that could not be read


def _cmd_extract(args: argparse.Namespace) -> int:
    rules, section_zone = _extract_rules(args)
    zone = args.timezone or section_zone or "Asia/Shanghai"
    # Streamed, not listed: a manifest of 100,000 pages is never held whole.
    jobs = iter(_manifest_jobs(args.manifest, zone) if args.manifest else
                [_Job(page, args.url, zone) for page in args.pages])
    first = next(jobs, None)
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


def _extract_here(jobs: Iterator[_Job], rules: ArticleRules | None, allow_private: bool) -> None:
    reader = _PageReader(allow_private)
    try:
        for job in jobs:
            print(json.dumps(_extract_one(job, reader, rules), ensure_ascii=False), flush=False)
    finally:
        reader.close()


def _extract_rules(args: argparse.Namespace) -> tuple[ArticleRules | None, str | None]:
    """Site rules (and a zone) from --rules, or from the section named by --config/--section."""
    from feedd.config import load_article_rules, load_config

    if (args.config is None) != (args.section is None):
        raise ConfigError("feedd extract: --config and --section go together")
    if args.rules is not None and args.config is not None:
        raise ConfigError("feedd extract: give --rules or --config/--section, not both")
    if args.rules is not None:
        return load_article_rules(args.rules), None
    if args.config is None:
        return None, None
    section = load_config(args.config).section(args.section)
    if section is None:
        raise ConfigError(f"no section {args.section!r}", path=str(args.config))
    return section.article, str(section.timezone)


def _manifest_jobs(path: Path, zone: str) -> Iterator[_Job]:
    with path.open(encoding="utf-8") as handle:
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
        html, url = reader.read(job.input, job.url)
        article = extract_article(html, url, zone=zone, now=now_utc(), rules=rules)
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

    def read(self, page: str, url: str | None) -> tuple[str, str]:
        if page.startswith(("http://", "https://")):
            return self._fetch(page, url)
        try:
            body = Path(page).read_bytes()
        except OSError as exc:
            raise FeeddError(f"{page}: cannot read: {exc.strerror or exc}") from exc
        return decode_html(body, None), url or Path(page).resolve().as_uri()

    def _fetch(self, page: str, url: str | None) -> tuple[str, str]:
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
        return decode_html(fetched.body, fetched.content_type), url or fetched.url

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()


def _worker_count(text: str) -> int:
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


def _cmd_discover(args: argparse.Namespace) -> int:
    from feedd.discover import discover_links, explain_candidates

    reader = _PageReader(args.allow_private_networks)
    try:
        zone = _zone(args.timezone)
        html, url = reader.read(args.page, args.url)
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


if __name__ == "__main__":
    sys.exit(main())
