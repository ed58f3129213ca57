"""The daemon loop with real threads, real signals, a real notify socket, real YAML and SQLite.

`run_daemon` runs in the main thread (so it installs its signal handlers); a driver
thread watches what happens and sends signals with os.kill, as systemd would.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
import yaml

from feedd.config import Config, SectionConfig, load_config
from feedd.daemon import (
    EXIT_CONFIG,
    Daemon,
    DaemonDeps,
    DueStore,
    Poller,
    SchedulePolicy,
    next_due_time,
    run_daemon,
)
from feedd.errors import ConfigError
from feedd.models import SectionReport
from feedd.notify import Notifier
from feedd.store import Store
from tests.portal.server import Portal

REPO = Path(__file__).resolve().parents[1]
FAST = SchedulePolicy(max_wait=0.2)
SAFETY_SECONDS = 10.0


def utc_now() -> datetime:
    return datetime.now(UTC)


def write_config(path: Path, sections: list[tuple[str, str, str]], *, interval: str = "1h",
                 concurrency: int = 4) -> Path:
    """A real feedd YAML file; `sections` are (source id, section id, url)."""
    by_source: dict[str, list[tuple[str, str]]] = {}
    for source_id, section_id, url in sections:
        by_source.setdefault(source_id, []).append((section_id, url))
    lines = ["output_dir: out", "state_path: state.db", f"concurrency: {concurrency}",
             f"defaults:\n  interval: {interval}", "sources:"]
    for source_id, items in by_source.items():
        lines += [f"  - id: {source_id}", "    sections:"]
        lines += [f"      - id: {sid}\n        url: {url}" for sid, url in items]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def shortened(config: Config, interval: timedelta) -> Config:
    """The same config with every section's interval replaced (YAML refuses under 1 s)."""
    return replace(config, sources=tuple(
        replace(src, sections=tuple(replace(s, interval=interval) for s in src.sections))
        for src in config.sources))


@dataclass
class PollCall:
    key: str
    host: str
    started: float
    ended: float = 0.0


@dataclass
class RecordingPoller:
    """Plays the lead's pipeline: `pages` pages of `page_seconds` each, checking the stop event."""

    stop_event: threading.Event
    page_seconds: float = 0.0
    pages: int = 1
    raise_for: frozenset[str] = frozenset()
    fail_for: frozenset[str] = frozenset()
    calls: list[PollCall] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, section: SectionConfig) -> SectionReport:
        call = PollCall(section.key, section.url.split("/")[2], time.monotonic())
        with self.lock:
            self.calls.append(call)
        try:
            if section.key in self.raise_for:
                raise RuntimeError(f"bug while polling {section.key}")
            for _page in range(self.pages):
                if self.stop_event.is_set():
                    break
                time.sleep(self.page_seconds)
            ok = section.key not in self.fail_for
            return SectionReport(key=section.key, listing_ok=ok, links_found=5, new_items=2,
                                 error=None if ok else "HTTP 503")
        finally:
            call.ended = time.monotonic()

    def keys(self) -> list[str]:
        with self.lock:
            return [c.key for c in self.calls]

    def count(self, key: str) -> int:
        return self.keys().count(key)


class DictDueStore:
    """Due times in a dict, remembering every write with the wall time it was made."""

    def __init__(self) -> None:
        self.due: dict[str, datetime] = {}
        self.writes: list[tuple[str, datetime, datetime]] = []

    def next_due(self, key: str) -> datetime | None:
        return self.due.get(key)

    def set_next_due(self, key: str, when: datetime) -> None:
        self.due[key] = when
        self.writes.append((key, utc_now(), when))

    def failures_in_a_row(self, key: str) -> int:
        return 0


class NotifyListener:
    """A real AF_UNIX datagram socket standing in for systemd's notify socket."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.sock.settimeout(0.05)
        self.messages: list[str] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._closed.is_set():
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                continue

    def lines(self) -> list[str]:
        return [line for message in list(self.messages) for line in message.split("\n")]

    def close(self) -> None:
        self._closed.set()
        self._thread.join()
        self.sock.close()


def ready_after_reload(lines: list[str]) -> bool:
    return "RELOADING=1" in lines and "READY=1" in lines[lines.index("RELOADING=1"):]


def wait_until(condition: Callable[[], bool], timeout: float = 5.0,
               explain: Callable[[], str] = lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in time {explain()}")
        time.sleep(0.01)


@dataclass
class Driver:
    """Runs `script` beside the daemon; whatever happens, the daemon is stopped at the end."""

    script: Callable[[], None]
    stop_event: threading.Event
    error: list[BaseException] = field(default_factory=list)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        return thread

    def _run(self) -> None:
        try:
            self.script()
        except BaseException as exc:
            self.error.append(exc)
            self.stop_event.set()  # never signal a process whose handlers may be gone

    def check(self) -> None:
        if self.error:
            raise self.error[0]


def run_with_driver(deps: DaemonDeps, script: Callable[[], None]) -> tuple[int, float]:
    """run_daemon in this (main) thread while `script` drives it; returns status and seconds taken."""
    driver = Driver(script, deps.stop_event)
    safety = threading.Timer(SAFETY_SECONDS, deps.stop_event.set)
    safety.start()
    thread = driver.start()
    started = time.monotonic()
    try:
        status = run_daemon(deps)
    finally:
        safety.cancel()
    elapsed = time.monotonic() - started
    thread.join(timeout=2)
    driver.check()
    return status, elapsed


@pytest.fixture
def short_dir() -> Iterator[Path]:
    # AF_UNIX paths are limited to 108 bytes; pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="fd") as name:
        yield Path(name)


def make_deps(load: Callable[[], Config], poller: RecordingPoller, store: DueStore,
              notifier: Notifier | None = None, policy: SchedulePolicy = FAST) -> DaemonDeps:
    def make_poller(_config: Config) -> Poller:
        return poller

    return DaemonDeps(load_config=load, make_poller=make_poller, due_store=store,
                      notifier=notifier or Notifier(), clock=utc_now, stop_event=poller.stop_event,
                      random=lambda: 0.5, policy=policy)


def test_daemon_sends_ready_watchdog_status_and_stopping_to_notify_socket(short_dir: Path) -> None:
    config_path = write_config(short_dir / "feedd.yaml", [("xinhua", "politics", "http://a.test/p/")])
    listener = NotifyListener(str(short_dir / "notify.sock"))
    env = {"NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "200000"}
    poller = RecordingPoller(threading.Event())
    deps = make_deps(lambda: load_config(config_path), poller, DictDueStore(),
                     Notifier.from_environment(env))

    def script() -> None:
        wait_until(lambda: "READY=1" in listener.lines())
        wait_until(lambda: listener.lines().count("WATCHDOG=1") >= 2)
        wait_until(lambda: any(line.startswith("STATUS=") and "last: xinhua/politics ok, 2 new" in line
                               for line in listener.lines()))
        os.kill(os.getpid(), signal.SIGTERM)

    try:
        status, _ = run_with_driver(deps, script)
        wait_until(lambda: "STOPPING=1" in listener.lines(), timeout=1)
    finally:
        listener.close()
    lines = listener.lines()
    assert status == 0
    assert lines[0] == "READY=1"
    assert "STATUS=polling 1 sections; last: none yet" in lines
    assert lines.index("STOPPING=1") > max(i for i, line in enumerate(lines) if line == "WATCHDOG=1")


def test_watchdog_pings_stop_while_a_poll_hangs_and_resume_after_it(short_dir: Path) -> None:
    config_path = write_config(short_dir / "feedd.yaml", [("xinhua", "politics", "http://a.test/p/")])
    listener = NotifyListener(str(short_dir / "notify.sock"))
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "100000"})
    poller = RecordingPoller(threading.Event(), page_seconds=0.1, pages=8)
    deps = make_deps(lambda: load_config(config_path), poller, DictDueStore(), notifier,
                     policy=SchedulePolicy(max_wait=0.2, stuck_after=timedelta(seconds=0.2)))
    counts: dict[str, int] = {}

    def script() -> None:
        wait_until(lambda: poller.count("xinhua/politics") == 1)
        time.sleep(0.35)  # the poll is now "stuck"
        counts["stuck_from"] = listener.lines().count("WATCHDOG=1")
        time.sleep(0.3)
        counts["stuck_to"] = listener.lines().count("WATCHDOG=1")
        wait_until(lambda: poller.calls[0].ended > 0)
        wait_until(lambda: listener.lines().count("WATCHDOG=1") >= counts["stuck_to"] + 2, timeout=1)
        os.kill(os.getpid(), signal.SIGTERM)

    try:
        run_with_driver(deps, script)
    finally:
        listener.close()
    assert counts["stuck_from"] >= 1
    assert counts["stuck_to"] == counts["stuck_from"]


def test_notifier_reaches_abstract_namespace_socket() -> None:
    listener = NotifyListener(f"@feedd-test-{os.getpid()}-{time.monotonic_ns()}")
    try:
        notifier = Notifier.from_environment({"NOTIFY_SOCKET": listener.address})
        assert notifier.status("polling 2 sections\nsecond line")
        wait_until(lambda: listener.messages != [], timeout=1)
    finally:
        listener.close()
    assert listener.messages == ["STATUS=polling 2 sections second line"]


def test_notifier_is_silent_without_notify_socket() -> None:
    notifier = Notifier.from_environment({"WATCHDOG_USEC": "1000000"})
    assert not notifier.enabled
    assert notifier.watchdog_interval is None
    assert not notifier.ready()


def test_notifier_pings_watchdog_at_half_its_timeout_only_for_this_process() -> None:
    mine = {"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}
    other = {**mine, "WATCHDOG_PID": str(os.getpid() + 1)}
    assert Notifier.from_environment(mine).watchdog_interval == 15.0
    assert Notifier.from_environment(other).watchdog_interval is None


def test_notifier_survives_a_socket_nobody_listens_on(short_dir: Path) -> None:
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": str(short_dir / "gone.sock")})
    assert notifier.enabled
    assert not notifier.ready("nobody hears this")


def test_sighup_with_broken_config_keeps_the_running_config(
        short_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    config_path = write_config(short_dir / "feedd.yaml", [("xinhua", "politics", "http://a.test/p/"),
                                                          ("people", "world", "http://b.test/w/")])
    listener = NotifyListener(str(short_dir / "notify.sock"))
    poller = RecordingPoller(threading.Event())
    deps = make_deps(lambda: shortened(load_config(config_path), timedelta(seconds=0.1)), poller,
                     DictDueStore(), Notifier.from_environment({"NOTIFY_SOCKET": listener.address}))

    def script() -> None:
        wait_until(lambda: poller.count("people/world") >= 2)
        config_path.write_text("sources: [\n  - id: broken\n", encoding="utf-8")
        os.kill(os.getpid(), signal.SIGHUP)
        wait_until(lambda: "RELOADING=1" in listener.lines())
        seen = poller.count("people/world")
        wait_until(lambda: poller.count("people/world") >= seen + 3)
        os.kill(os.getpid(), signal.SIGTERM)

    caplog.set_level(logging.INFO, logger="feedd.daemon")
    try:
        status, _ = run_with_driver(deps, script)
    finally:
        listener.close()
    failures = [r.getMessage() for r in caplog.records if "config reload failed" in r.getMessage()]
    assert status == 0
    assert len(failures) == 1
    assert failures[0].startswith(f"config reload failed, keeping the running config: {config_path}:")
    assert ready_after_reload(listener.lines())
    assert poller.count("xinhua/politics") >= 3


def test_sighup_with_valid_config_polls_new_sections_and_drops_removed_ones(short_dir: Path) -> None:
    config_path = write_config(short_dir / "feedd.yaml", [("xinhua", "politics", "http://a.test/p/"),
                                                          ("people", "world", "http://b.test/w/")])
    poller = RecordingPoller(threading.Event())
    deps = make_deps(lambda: shortened(load_config(config_path), timedelta(seconds=0.1)), poller,
                     DictDueStore())
    dropped_count: list[int] = []

    def script() -> None:
        wait_until(lambda: poller.count("people/world") >= 1)
        write_config(config_path, [("xinhua", "politics", "http://a.test/p/"),
                                   ("cctv", "china", "http://c.test/c/")])
        os.kill(os.getpid(), signal.SIGHUP)
        wait_until(lambda: poller.count("cctv/china") >= 2)
        dropped_count.append(poller.count("people/world"))
        time.sleep(0.4)
        os.kill(os.getpid(), signal.SIGTERM)

    status, _ = run_with_driver(deps, script)
    assert status == 0
    assert poller.count("people/world") == dropped_count[0]
    assert poller.count("xinhua/politics") >= 3



def _stop_after_first_poll(poller: RecordingPoller, key: str) -> None:
    """A driver: SIGTERM once the section's first poll has ended."""
    wait_until(lambda: poller.count(key) == 1 and poller.calls[0].ended > 0)
    time.sleep(0.1)
    os.kill(os.getpid(), signal.SIGTERM)


def test_due_times_survive_a_restart(short_dir: Path) -> None:
    config_path = write_config(short_dir / "feedd.yaml", [("xinhua", "politics", "http://a.test/p/")])
    store = Store.open(short_dir / "state.db")
    try:
        first = RecordingPoller(threading.Event())
        deps = make_deps(lambda: load_config(config_path), first, store)

        run_with_driver(deps, partial(_stop_after_first_poll, first, "xinhua/politics"))
        stored = store.next_due("xinhua/politics")
        assert stored is not None
        assert timedelta(minutes=59) < stored - utc_now() <= timedelta(hours=1)

        write_config(config_path, [("xinhua", "politics", "http://a.test/p/"),
                                   ("people", "world", "http://b.test/w/")])
        second = RecordingPoller(threading.Event())
        deps = make_deps(lambda: load_config(config_path), second, store)

        def stop_after_new_section_polled() -> None:
            wait_until(lambda: second.count("people/world") == 1)
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGTERM)

        run_with_driver(deps, stop_after_new_section_polled)
    finally:
        store.close()
    assert second.keys() == ["people/world"]


def test_backoff_of_a_failing_section_survives_a_restart(short_dir: Path) -> None:
    config_path = write_config(short_dir / "feedd.yaml", [("xinhua", "politics", "http://a.test/p/")])
    store = Store.open(short_dir / "state.db")
    try:
        for _ in range(3):  # what earlier runs' polls recorded
            store.record_poll("xinhua/politics", utc_now(), "HTTP 503")
        poller = RecordingPoller(threading.Event(), fail_for=frozenset({"xinhua/politics"}))
        deps = make_deps(lambda: load_config(config_path), poller, store)

        run_with_driver(deps, partial(_stop_after_first_poll, poller, "xinhua/politics"))
        stored = store.next_due("xinhua/politics")
    finally:
        store.close()
    assert stored is not None
    interval = timedelta(hours=1)
    expected = next_due_time(utc_now(), interval, 4, FAST, 0.5) - utc_now()
    print(f"4th failure in a row after a restart: next poll in {stored - utc_now()} (1st failure: {interval})")
    assert expected - timedelta(minutes=1) < stored - utc_now() <= expected
    assert expected > interval * 2


def test_a_raising_poller_does_not_stop_the_other_sections(
        short_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    config_path = write_config(short_dir / "feedd.yaml", [("xinhua", "politics", "http://a.test/p/"),
                                                          ("people", "world", "http://b.test/w/")])
    poller = RecordingPoller(threading.Event(), raise_for=frozenset({"xinhua/politics"}))
    deps = make_deps(lambda: shortened(load_config(config_path), timedelta(seconds=0.05)), poller,
                     DictDueStore())

    def script() -> None:
        wait_until(lambda: poller.count("people/world") >= 5)
        os.kill(os.getpid(), signal.SIGTERM)

    caplog.set_level(logging.INFO, logger="feedd.daemon")
    status, _ = run_with_driver(deps, script)
    crashes = [r for r in caplog.records if r.exc_info and "xinhua/politics" in r.getMessage()]
    assert status == 0
    assert crashes, "the crash is logged with the section key and traceback"
    assert poller.count("xinhua/politics") >= 1
    assert any("poll xinhua/politics: failed: poller crashed" in r.getMessage() for r in caplog.records)


def test_a_failing_section_backs_off_exponentially(short_dir: Path) -> None:
    config_path = write_config(short_dir / "feedd.yaml", [("xinhua", "politics", "http://a.test/p/")])
    poller = RecordingPoller(threading.Event(), fail_for=frozenset({"xinhua/politics"}))
    store = DictDueStore()
    deps = make_deps(lambda: shortened(load_config(config_path), timedelta(seconds=0.05)), poller, store)

    def script() -> None:
        wait_until(lambda: poller.count("xinhua/politics") >= 4)
        os.kill(os.getpid(), signal.SIGTERM)

    run_with_driver(deps, script)
    delays = [(when - written).total_seconds() for _key, written, when in store.writes]
    assert delays[0] == pytest.approx(0.05, abs=0.01)
    assert delays[1] == pytest.approx(0.10, abs=0.01)
    assert delays[2] == pytest.approx(0.20, abs=0.01)
    assert delays[3] == pytest.approx(0.40, abs=0.01)


def test_sigterm_stops_within_a_second_after_the_current_page(short_dir: Path) -> None:
    config_path = write_config(short_dir / "feedd.yaml", [("xinhua", "politics", "http://a.test/p/")])
    poller = RecordingPoller(threading.Event(), page_seconds=0.2, pages=50)
    deps = make_deps(lambda: load_config(config_path), poller, DictDueStore(),
                     policy=SchedulePolicy())  # the default 30 s wait: only the signal may wake it
    sent: list[float] = []

    def script() -> None:
        wait_until(lambda: poller.count("xinhua/politics") == 1)
        time.sleep(0.3)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGTERM)

    status, _ = run_with_driver(deps, script)
    returned = time.monotonic()
    assert status == 0
    assert returned - sent[0] < 1.0
    assert 0 < poller.calls[0].ended - poller.calls[0].started < 2.0  # cut short, not all 50 pages


def test_polls_run_concurrently_but_never_two_on_one_host(short_dir: Path) -> None:
    urls = [("s1", "a", "http://one.test/a/"), ("s1", "b", "http://one.test/b/"),
            ("s2", "a", "http://two.test/a/"), ("s2", "b", "http://two.test/b/"),
            ("s3", "a", "http://three.test/a/")]
    config_path = write_config(short_dir / "feedd.yaml", urls, concurrency=2)
    poller = RecordingPoller(threading.Event(), page_seconds=0.05)
    deps = make_deps(lambda: shortened(load_config(config_path), timedelta(seconds=0.05)), poller,
                     DictDueStore())

    def script() -> None:
        wait_until(lambda: all(poller.count(f"{s}/{i}") >= 3 for s, i, _ in urls))
        os.kill(os.getpid(), signal.SIGTERM)

    run_with_driver(deps, script)
    calls = list(poller.calls)
    overlapping = [(a, b) for i, a in enumerate(calls) for b in calls[i + 1:]
                   if a.started < b.ended and b.started < a.ended]
    assert overlapping, "different hosts were polled at the same time"
    assert all(a.host != b.host for a, b in overlapping)
    assert max(sum(1 for c in calls if c.started <= t.started < c.ended) for t in calls) <= 2


def test_daemon_in_a_worker_thread_stops_through_handle_signal(short_dir: Path) -> None:
    config_path = write_config(short_dir / "feedd.yaml", [("xinhua", "politics", "http://a.test/p/")])
    poller = RecordingPoller(threading.Event())
    daemon = Daemon(make_deps(lambda: load_config(config_path), poller, DictDueStore(),
                              policy=SchedulePolicy()))
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(daemon.run()))
    thread.start()
    wait_until(lambda: poller.count("xinhua/politics") == 1)
    daemon.handle_signal(signal.SIGTERM)
    thread.join(timeout=1)
    daemon.close()
    assert result == [0]
    assert poller.stop_event.is_set()


def test_daemon_refuses_to_start_on_a_bad_config(short_dir: Path) -> None:
    bad = short_dir / "feedd.yaml"
    bad.write_text("output_dir: out\nsources: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(bad)
    poller = RecordingPoller(threading.Event())
    assert run_daemon(make_deps(lambda: load_config(bad), poller, DictDueStore())) == EXIT_CONFIG
    assert poller.calls == []


@pytest.mark.parametrize(("failures", "random_value", "expected_minutes"), [
    (0, 0.5, 15.0),     # plain interval
    (1, 0.5, 15.0),     # one failure: no backoff yet
    (2, 0.5, 30.0),
    (4, 0.5, 120.0),
    (40, 0.5, 360.0),   # capped at six hours
    (0, 0.0, 13.5),     # jitter -10 %
    (0, 1.0, 16.5),     # jitter +10 %
])
def test_next_due_time_backs_off_with_jitter_and_cap(failures: int, random_value: float,
                                                      expected_minutes: float) -> None:
    now = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    when = next_due_time(now, timedelta(minutes=15), failures, SchedulePolicy(), random_value)
    assert (when - now).total_seconds() / 60 == pytest.approx(expected_minutes)


def test_next_due_time_never_backs_off_below_a_long_interval() -> None:
    now = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    when = next_due_time(now, timedelta(days=1), 5, SchedulePolicy(), 0.5)
    assert when - now == timedelta(days=1)


def test_feedd_run_under_a_notify_socket_reloads_and_stops_like_a_systemd_service(
        short_dir: Path, portal: Portal) -> None:
    """The real `feedd run` in a child process, against the replayed portal on 127.0.0.1."""
    config_path = short_dir / "feedd.yaml"
    config_path.write_text(yaml.safe_dump({
        "output_dir": str(short_dir / "public"), "state_path": str(short_dir / "feedd.sqlite3"),
        "allow_private_networks": True, "host_gap": 0.0, "defaults": {"interval": "1h"},
        "sources": [{"id": "portal", "timezone": "Asia/Shanghai", "sections": [
            {"id": "politics", "url": portal.section_url("politics")},
            {"id": "world", "url": portal.section_url("world")}]}],
    }), encoding="utf-8")
    (short_dir / "public").mkdir()  # feedd expects its output folder; the unit's StateDirectory= makes it
    listener = NotifyListener(str(short_dir / "notify.sock"))
    log_path = short_dir / "stderr.log"
    env = {**os.environ, "NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "1000000"}
    with log_path.open("w") as stderr:
        child = subprocess.Popen([sys.executable, "-m", "feedd", "run", "--config", str(config_path)],
                                 cwd=REPO, env=env, stderr=stderr, stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: "READY=1" in listener.lines(), timeout=10)
        feeds = [short_dir / "public" / "portal" / f"{s}.xml" for s in ("politics", "world")]
        wait_until(lambda: all(f.exists() for f in feeds), timeout=20,
                   explain=lambda: f"feedd's log:\n{log_path.read_text()[-3000:]}")
        wait_until(lambda: "WATCHDOG=1" in listener.lines())

        config_path.write_text("sources:\n  - id: [broken\n", encoding="utf-8")
        child.send_signal(signal.SIGHUP)
        wait_until(lambda: "config reload failed, keeping the running config" in log_path.read_text())
        wait_until(lambda: ready_after_reload(listener.lines()))

        child.send_signal(signal.SIGTERM)
        status = child.wait(timeout=1.0)
        wait_until(lambda: "STOPPING=1" in listener.lines(), timeout=1)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        listener.close()
    log_text = log_path.read_text()
    assert status == 0, log_text
    assert "poll portal/politics: ok" in log_text and "poll portal/world: ok" in log_text
    store = Store.open(short_dir / "feedd.sqlite3")
    try:
        due = [store.next_due(key) for key in ("portal/politics", "portal/world")]
    finally:
        store.close()
    assert all(when is not None and when > utc_now() + timedelta(minutes=50) for when in due)
