"""The composition root: parses the command line and wires the stages together. No logic of its own."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from feedd import __version__
from feedd.cli_pages import cmd_discover, cmd_extract, now_utc, worker_count
from feedd.errors import EXIT_CONFIG, ConfigError, StoreError
from feedd.models import SectionReport

# The polling stack (requests, SQLite, feedgen, the daemon) is imported by the commands that poll:
# `feedd extract` over a batch of pages is timed against other extractors, and those imports would
# more than double its start-up.
if TYPE_CHECKING:

    from feedd.config import Config, SectionConfig
    from feedd.daemon import Poller
    from feedd.fetch import Fetcher
    from feedd.pipeline import PipelineDeps
    from feedd.store import Store

log = logging.getLogger("feedd")


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
    extract.add_argument("--jobs", type=worker_count, default=1, metavar="N",
                         help="extract in N worker processes, printed in input order (0: one per CPU)")
    extract.set_defaults(handler=cmd_extract)

    discover = commands.add_parser("discover", help="print the article links found on a listing page")
    discover.add_argument("page", metavar="PAGE")
    discover.add_argument("--url", help="the page's URL, for resolving links")
    discover.add_argument("--timezone", default="Asia/Shanghai")
    discover.add_argument("--explain", action="store_true", help="show the runner-up lists too")
    discover.add_argument("--allow-private-networks", action="store_true")
    discover.set_defaults(handler=cmd_discover)
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


if __name__ == "__main__":
    sys.exit(main())
