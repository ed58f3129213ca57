"""The long-running loop: when to poll which section, signals, and systemd notify.

Why the section loop is custom and not `schedule`: a section's next due time must
survive a restart (it lives in the store, so a restart does not re-poll every portal
at once), it moves with per-section backoff after failures, and polls run on a
bounded thread pool that never runs two sections of one host at once. `schedule`
keeps its jobs in memory on naive local wall-clock times and runs them inline, one
after another, so it fits none of that. It does fit the daemon's own housekeeping:
the periodic summary line runs as a `schedule` job on a private `Scheduler`.

Contract with the composition root (cli.py):
- `DaemonDeps.stop_event` is set when SIGTERM/SIGINT arrives (or `Daemon.request_stop`
  is called). The poller made by `make_poller` must check it between pages and return
  early, so a stop waits for the current page only.
- Every `DueStore` call happens on the thread that runs `run_daemon`; pollers run on
  worker threads (at most `Config.fetch.concurrency` at once, one per host).
- `run_daemon` installs signal handlers only when called from the main thread; other
  callers deliver signals with `Daemon.handle_signal`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import random
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Protocol
from urllib.parse import urlsplit

import schedule

from feedd.config import Config, SectionConfig
from feedd.errors import EXIT_CONFIG, ConfigError, FeeddError, StoreError
from feedd.models import SectionReport
from feedd.notify import Notifier

log = logging.getLogger(__name__)

EXIT_OK = 0
_MAX_POLL_THREADS = 256  # ceiling on fetch.concurrency in practice; threads only start when needed


class DueStore(Protocol):
    def next_due(self, key: str) -> datetime | None: ...  # aware UTC; None = never polled

    def set_next_due(self, key: str, when: datetime) -> None: ...

    def failures_in_a_row(self, key: str) -> int: ...  # failed polls since the last good one


class Poller(Protocol):
    def __call__(self, section: SectionConfig) -> SectionReport: ...  # never raises for a page failure


@dataclass(frozen=True)
class SchedulePolicy:
    """How polls are spread out and backed off; defaults suit news portals."""

    jitter: float = 0.1  # each delay is stretched or shrunk by up to this fraction
    backoff_cap: timedelta = timedelta(hours=6)  # longest wait for a failing section
    stuck_after: timedelta = timedelta(minutes=30)  # a poll running longer withholds the watchdog
    summary_every: int = 3600  # seconds between summary log lines
    max_wait: float = 30.0  # seconds; the loop re-reads the clock at least this often


@dataclass(frozen=True)
class DaemonDeps:
    load_config: Callable[[], Config]  # raises ConfigError on a bad file
    make_poller: Callable[[Config], Poller]  # called at start and after each successful reload
    due_store: DueStore
    notifier: Notifier
    clock: Callable[[], datetime]  # aware now
    stop_event: threading.Event = field(default_factory=threading.Event)
    random: Callable[[], float] = field(default_factory=lambda: random.Random().random)
    policy: SchedulePolicy = field(default_factory=SchedulePolicy)


def next_due_time(now: datetime, interval: timedelta, consecutive_failures: int,
                  policy: SchedulePolicy, random_value: float) -> datetime:
    """When to poll again: the interval, doubled per consecutive failure beyond the first
    (capped), stretched by a random factor in [1 - jitter, 1 + jitter) so sections drift apart."""
    delay = interval
    if consecutive_failures > 1:
        # One failure is often a blip; backing off starts when it repeats.
        doubled = interval * (2 ** min(consecutive_failures - 1, 30))
        delay = min(doubled, max(policy.backoff_cap, interval))
    factor = 1.0 + policy.jitter * (2.0 * random_value - 1.0)
    return now + delay * factor


def host_of(section: SectionConfig) -> str:
    return (urlsplit(section.url).hostname or section.url).lower()


@dataclass(frozen=True)
class PollOutcome:
    section: SectionConfig
    report: SectionReport
    seconds: float


def poll_section(poller: Poller, section: SectionConfig) -> PollOutcome:
    """Run one poll; a poller bug becomes a failed report so the other sections go on."""
    started = time.monotonic()
    try:
        report = poller(section)
    except Exception as exc:
        log.exception("poll of %s crashed; retrying it later", section.key)
        report = SectionReport(key=section.key, listing_ok=False, error=f"poller crashed: {exc!r}")
    return PollOutcome(section=section, report=report, seconds=time.monotonic() - started)


@dataclass(frozen=True)
class _InFlight:
    future: concurrent.futures.Future[PollOutcome]
    host: str
    started: float  # time.monotonic()


def _verdict(report: SectionReport) -> str:
    if not report.listing_ok:
        return f"failed: {report.error or 'listing not read'}"
    return "not modified" if report.not_modified else "ok"


def _describe(report: SectionReport) -> str:
    """The verdict with the news count, for STATUS= lines."""
    verdict = _verdict(report)
    return f"{verdict}, {report.new_items} new" if verdict == "ok" else verdict


def _format_delay(delay: timedelta) -> str:
    seconds = max(0, round(delay.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


class Daemon:
    """One run of the loop. Not reusable: make a new one per run."""

    def __init__(self, deps: DaemonDeps) -> None:
        self._deps = deps
        self._wake_read, self._wake_write = os.pipe()
        for fd in (self._wake_read, self._wake_write):
            os.set_blocking(fd, False)
        # Signal handlers only assign these; the loop acts on them (no locks in handlers).
        self._stop_reason: str | None = None
        self._reload_wanted = False
        self._config: Config | None = None
        self._poller: Poller | None = None
        self._sections: dict[str, SectionConfig] = {}
        self._due: dict[str, datetime] = {}
        self._failures: dict[str, int] = {}
        self._in_flight: dict[str, _InFlight] = {}
        self._last = "none yet"
        self._next_watchdog = 0.0
        # Threads start on demand; the loop itself keeps in-flight polls at fetch.concurrency,
        # so a reload can change that number without replacing the pool.
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=_MAX_POLL_THREADS, thread_name_prefix="feedd-poll")
        self._closed = False

    @property
    def wake_fd(self) -> int:
        """Writing end of the wake pipe; run_daemon hands it to signal.set_wakeup_fd."""
        return self._wake_write

    def handle_signal(self, signum: int, frame: FrameType | None = None) -> None:
        """SIGTERM/SIGINT: stop after the current pages. SIGHUP: reload the config."""
        if signum == signal.SIGHUP:
            self._reload_wanted = True
        elif signum in (signal.SIGTERM, signal.SIGINT):
            self._stop_reason = signal.Signals(signum).name
        self._wake()

    def request_stop(self, reason: str = "stop requested") -> None:
        self._stop_reason = reason
        self._wake()

    def _wake(self) -> None:
        if self._closed:
            return
        # A full pipe means a wake is already pending.
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"\0")

    def run(self) -> int:
        try:
            config = self._deps.load_config()
            poller = self._deps.make_poller(config)
        except ConfigError as exc:
            log.error("config invalid, not starting: %s", exc)
            return EXIT_CONFIG
        self._adopt(config, poller, starting=True)
        housekeeping = schedule.Scheduler()
        housekeeping.every(self._deps.policy.summary_every).seconds.do(self._log_summary)
        log.info("feedd running: %d sections, %d polls at once", len(self._sections),
                 config.fetch.concurrency)
        self._deps.notifier.ready(self._status_text())
        try:
            while self._stop_reason is None and not self._deps.stop_event.is_set():
                self._iterate(housekeeping)
        finally:
            self._shutdown()
        return EXIT_OK

    def _iterate(self, housekeeping: schedule.Scheduler) -> None:
        if self._reload_wanted:
            self._reload_wanted = False
            self._reload()
        self._collect_finished()
        self._start_due()
        housekeeping.run_pending()
        self._ping_watchdog()
        self._wait(self._seconds_to_next_event(housekeeping.idle_seconds))

    # --- configuration ------------------------------------------------------------

    def _adopt(self, config: Config, poller: Poller, *, starting: bool) -> None:
        """Switch to a config: new sections due now (or at their stored time on start),
        removed ones dropped, kept ones keep their due time unless their interval shrank."""
        now = self._deps.clock()
        sections = {s.key: s for s in config.sections()}
        due: dict[str, datetime] = {}
        for key, section in sections.items():
            old = self._sections.get(key)
            if old is not None and key in self._due:
                due[key] = self._due[key]
                if section.interval < old.interval:
                    due[key] = min(due[key], now + section.interval)
            else:
                due[key] = (self._stored_due(key) if starting else None) or now
        self._failures = {k: n for k, n in self._failures.items() if k in sections}
        if starting:
            # The store counts failed polls too, so a restart keeps a failing section backed off.
            self._failures.update({key: self._stored_failures(key) for key in sections})
        self._config, self._poller, self._sections, self._due = config, poller, sections, due

    def _stored_due(self, key: str) -> datetime | None:
        try:
            return self._deps.due_store.next_due(key)
        except StoreError as exc:
            log.warning("cannot read next due time of %s, polling it now: %s", key, exc)
            return None

    def _stored_failures(self, key: str) -> int:
        try:
            return self._deps.due_store.failures_in_a_row(key)
        except StoreError as exc:
            log.warning("cannot read the failure count of %s: %s", key, exc)
            return 0

    def _reload(self) -> None:
        notifier = self._deps.notifier
        notifier.reloading()
        try:
            config = self._deps.load_config()
            poller = self._deps.make_poller(config)
        except FeeddError as exc:
            log.error("config reload failed, keeping the running config: %s", exc)
            notifier.ready(self._status_text())
            return
        before = set(self._sections)
        self._adopt(config, poller, starting=False)
        after = set(self._sections)
        log.info("config reloaded: %d sections (%d added, %d removed)",
                 len(after), len(after - before), len(before - after))
        notifier.ready(self._status_text())

    # --- polling --------------------------------------------------------------------

    def _start_due(self) -> None:
        assert self._config is not None and self._poller is not None
        now = self._deps.clock()
        busy_hosts = {flight.host for flight in self._in_flight.values()}
        waiting = sorted((when, key) for key, when in self._due.items()
                         if when <= now and key not in self._in_flight)
        for _when, key in waiting:
            if len(self._in_flight) >= self._config.fetch.concurrency:
                break
            section = self._sections[key]
            host = host_of(section)
            if host in busy_hosts:
                continue  # the running poll's completion wakes the loop again
            future = self._executor.submit(poll_section, self._poller, section)
            future.add_done_callback(lambda _done: self._wake())
            self._in_flight[key] = _InFlight(future=future, host=host, started=time.monotonic())
            busy_hosts.add(host)

    def _collect_finished(self) -> None:
        for key, flight in list(self._in_flight.items()):
            if flight.future.done():
                del self._in_flight[key]
                self._record(flight.future.result())

    def _record(self, outcome: PollOutcome) -> None:
        report, key = outcome.report, outcome.section.key
        self._last = f"{key} {_describe(report)}"
        section = self._sections.get(key)
        if section is None:
            log.info("poll %s: %s (section removed by a reload meanwhile)", key, _describe(report))
            return
        failures = 0 if report.listing_ok else self._failures.get(key, 0) + 1
        self._failures[key] = failures
        now = self._deps.clock()
        when = next_due_time(now, section.interval, failures, self._deps.policy, self._deps.random())
        self._due[key] = when
        log.log(logging.INFO if report.listing_ok else logging.WARNING,
                "poll %s: %s; links=%d new=%d failed_articles=%d failures_in_a_row=%d in %.1fs; next in %s",
                key, _verdict(report), report.links_found, report.new_items, len(report.failed_articles),
                failures, outcome.seconds, _format_delay(when - now))
        try:
            self._deps.due_store.set_next_due(key, when)
        except StoreError as exc:
            log.warning("cannot store next due time of %s (kept in memory): %s", key, exc)
        self._deps.notifier.status(self._status_text())

    # --- waiting, watchdog, status --------------------------------------------------------

    def _seconds_to_next_event(self, housekeeping_idle: float | None) -> float:
        assert self._config is not None
        candidates = [self._deps.policy.max_wait]
        if housekeeping_idle is not None:
            candidates.append(housekeeping_idle)
        if self._deps.notifier.watchdog_interval is not None:
            candidates.append(self._next_watchdog - time.monotonic())
        if len(self._in_flight) < self._config.fetch.concurrency:
            now = self._deps.clock()
            busy_hosts = {flight.host for flight in self._in_flight.values()}
            candidates.extend((when - now).total_seconds() for key, when in self._due.items()
                              if key not in self._in_flight
                              and host_of(self._sections[key]) not in busy_hosts)
        return max(0.005, min(candidates))

    def _wait(self, seconds: float) -> None:
        readable, _, _ = select.select([self._wake_read], [], [], seconds)
        if readable:
            with contextlib.suppress(BlockingIOError):
                while os.read(self._wake_read, 512):
                    pass

    def _ping_watchdog(self) -> None:
        interval = self._deps.notifier.watchdog_interval
        if interval is None or time.monotonic() < self._next_watchdog:
            return
        limit = self._deps.policy.stuck_after.total_seconds()
        now = time.monotonic()
        stuck = [key for key, flight in self._in_flight.items() if now - flight.started > limit]
        if stuck:
            # No ping: if the poll never returns, systemd's watchdog restarts the service.
            log.warning("withholding watchdog ping: polls running too long: %s", ", ".join(stuck))
        else:
            self._deps.notifier.watchdog()
        self._next_watchdog = now + interval

    def _status_text(self) -> str:
        failing = sum(1 for n in self._failures.values() if n > 0)
        text = f"polling {len(self._sections)} sections; last: {self._last}"
        return f"{text}; {failing} failing" if failing else text

    def _log_summary(self) -> None:
        failing = sorted(f"{key} ({n}x)" for key, n in self._failures.items() if n > 0)
        log.info("summary: %d sections, %d polling now, failing: %s", len(self._sections),
                 len(self._in_flight), ", ".join(failing) or "none")

    # --- stopping ----------------------------------------------------------------------

    def _shutdown(self) -> None:
        self._deps.stop_event.set()
        reason = self._stop_reason or "stop event set"
        log.info("stopping (%s): waiting for %d running polls to end their current page",
                 reason, len(self._in_flight))
        self._deps.notifier.stopping(f"stopping ({reason})")
        concurrent.futures.wait([flight.future for flight in self._in_flight.values()])
        self._collect_finished()
        # Joining the workers also waits for their done-callbacks, which write to the wake pipe.
        self._executor.shutdown(wait=True)
        log.info("stopped")

    def close(self) -> None:
        """Release the wake pipe; call after run() and after signal handlers are restored."""
        if not self._closed:
            self._closed = True
            os.close(self._wake_read)
            os.close(self._wake_write)


def _install_signal_handlers(daemon: Daemon) -> Callable[[], None]:
    """Route SIGTERM/SIGINT/SIGHUP to the daemon; returns a function that restores the old setup."""
    signums: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    previous = {signum: signal.signal(signum, daemon.handle_signal) for signum in signums}
    # A signal may land on a worker thread while the main thread sleeps in select();
    # the wakeup fd makes the C-level handler wake the loop at once anyway.
    previous_fd = signal.set_wakeup_fd(daemon.wake_fd, warn_on_full_buffer=False)

    def restore() -> None:
        signal.set_wakeup_fd(previous_fd)
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)

    return restore


def run_daemon(deps: DaemonDeps) -> int:
    """Run until SIGTERM/SIGINT (or deps.stop_event); returns the process exit status."""
    daemon = Daemon(deps)
    try:
        if threading.current_thread() is not threading.main_thread():
            return daemon.run()
        restore = _install_signal_handlers(daemon)
        try:
            return daemon.run()
        finally:
            restore()
    finally:
        daemon.close()
