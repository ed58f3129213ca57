"""kill -9 at random moments while `feedd once` polls the test portal and publishes, many times in a row.

After every kill: each feed file on disk parses and is byte-for-byte either the version from before that
run or the version rendered from the store as it now stands; the SQLite file passes integrity_check; no
stored item is lost and none is stored twice. After a completed run: no temporary file is left and the
feeds hold everything the portal lists.

FEEDD_CRASH_ITERATIONS sets the number of kills (15 in the default suite, 200 from `make crash-loop`).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
from lxml import etree

from feedd.config import Config, load_config
from feedd.pipeline import FEED_EXTENSIONS, feed_meta
from feedd.render import render_feeds
from feedd.store import Store
from tests.portal.pages import ROUNDS, SECTION_TITLES
from tests.portal.server import Portal
from tests.test_replay import REPO, run_once, write_config

ITERATIONS = int(os.environ.get("FEEDD_CRASH_ITERATIONS", "15"))
KILLS_PER_PORTAL = 8  # then a fresh portal and state, so every cycle has new articles to store and publish
# Kill moments, as fractions of the time an uninterrupted first poll takes on this machine right
# now (measured per cycle), so a loaded CI machine still sees kills during publishing.
KILL_WINDOW = (0.2, 0.9)


@dataclass
class Tally:
    kills: int = 0
    finished_before_kill: int = 0
    files_checked: int = 0
    files_new: int = 0
    temp_files_seen: int = 0
    items: int = 0
    problems: list[str] = field(default_factory=list)


def feed_files(config: Config) -> dict[Path, str]:
    """Every feed file and the section key it belongs to."""
    return {config.output_dir / f"{s.key}.{ext}": s.key for s in config.sections() for ext in FEED_EXTENSIONS}


def snapshot(config: Config) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in feed_files(config) if path.exists()}


def expected_feeds(config: Config) -> dict[Path, bytes]:
    """What a run would publish from the store as it stands now."""
    store = Store.open(config.state_path)
    try:
        result = {}
        for section in config.sections():
            items = store.recent_items(section.key, section.keep_items)
            feeds = render_feeds(feed_meta(section, config.base_url), items)
            for ext, data in zip(FEED_EXTENSIONS, (feeds.rss, feeds.atom, feeds.json), strict=True):
                result[config.output_dir / f"{section.key}.{ext}"] = data
        return result
    finally:
        store.close()


def parses(path: Path, data: bytes) -> str | None:
    try:
        if path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".html":
            lxml.html.document_fromstring(data)
        else:
            etree.fromstring(data, parser=etree.XMLParser(recover=False))
    except (ValueError, etree.XMLSyntaxError) as exc:
        return f"{path.name} does not parse: {exc}"
    return None


def stored_items(config: Config) -> tuple[str | None, set[tuple[str, str]], int]:
    with sqlite3.connect(config.state_path) as db:
        integrity = str(db.execute("PRAGMA integrity_check").fetchone()[0])
        created = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='items'").fetchone()
        # a kill during the very first Store.open leaves a file without tables: nothing was stored yet
        rows = db.execute("SELECT section_key, item_id, url FROM items").fetchall() if created else []
    distinct_urls = {(key, url) for key, _, url in rows}
    duplicates = len(rows) - len(distinct_urls)
    return (None if integrity == "ok" else integrity), {(k, i) for k, i, _ in rows}, duplicates


def temp_files(config: Config) -> list[Path]:
    return [p for p in config.output_dir.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")]


def kill_at_random(config_path: Path, rng: random.Random, run_seconds: float) -> bool:
    """Run `feedd once` and SIGKILL it at a random moment; True if it was still running."""
    process = subprocess.Popen([sys.executable, "-m", "feedd", "once", "--config", str(config_path)], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(*KILL_WINDOW) * run_seconds)
    running = process.poll() is None
    if running:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return running


def first_poll_seconds(portal: Portal, workdir: Path) -> float:
    """How long an uninterrupted first poll of this portal takes here and now."""
    config_path = write_config(workdir, {s: portal.section_url(s) for s in SECTION_TITLES}, links=True)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "feedd", "once", "--config", str(config_path)], cwd=REPO,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.monotonic() - started


def check_after_kill(config: Config, before: dict[Path, bytes], known: set[tuple[str, str]], tally: Tally,
                     label: str) -> set[tuple[str, str]]:
    integrity, items, duplicates = stored_items(config)
    if integrity is not None:
        tally.problems.append(f"{label}: integrity_check says {integrity}")
    if duplicates:
        tally.problems.append(f"{label}: {duplicates} items stored twice")
    lost = known - items
    if lost:
        tally.problems.append(f"{label}: {len(lost)} stored items lost")
    after = expected_feeds(config)
    for path, data in snapshot(config).items():
        tally.files_checked += 1
        problem = parses(path, data)
        if problem is None and data != before.get(path) and data != after[path]:
            problem = f"{path.name} is neither the previous nor the next version"
        tally.files_new += data != before.get(path)
        if problem:
            tally.problems.append(f"{label}: {problem}")
    for extra in ("feeds.opml", "index.html"):
        path = config.output_dir / extra
        if path.exists() and (problem := parses(path, path.read_bytes())):
            tally.problems.append(f"{label}: {problem}")
    tally.temp_files_seen += len(temp_files(config))
    return items


def crash_cycle(portal: Portal, workdir: Path, kills: int, rng: random.Random, tally: Tally) -> None:
    config_path = write_config(workdir, {s: portal.section_url(s) for s in SECTION_TITLES}, links=True)
    config = load_config(config_path)
    known: set[tuple[str, str]] = set()
    run_seconds = first_poll_seconds(portal, workdir.with_name(workdir.name + "-timing"))
    for number in range(kills):
        if number and number % max(1, kills // ROUNDS) == 0 and portal.round < ROUNDS:
            portal.advance()
        before = snapshot(config)
        tally.kills += 1
        if not kill_at_random(config_path, rng, run_seconds):
            tally.finished_before_kill += 1
        if config.state_path.exists():
            known = check_after_kill(config, before, known, tally, f"{workdir.name} kill {number}")
    while portal.round < ROUNDS:
        portal.advance()
    # feedd spares temporary files younger than a minute (another run may be writing them), so the
    # restart is taken to come a few minutes after the last kill, as a supervisor's would.
    for leftover in temp_files(config):
        os.utime(leftover, (time.time() - 180, time.time() - 180))
    code, output, _ = run_once(config_path)
    if code != 0:
        tally.problems.append(f"{workdir.name}: the completed run failed: {output[-500:]}")
    check_after_kill(config, snapshot(config), known, tally, f"{workdir.name} completed run")
    leftovers = temp_files(config)
    if leftovers:
        tally.problems.append(f"{workdir.name}: temporary files left after a completed run: "
                              f"{[p.name for p in leftovers]}")
    if snapshot(config) != expected_feeds(config):
        tally.problems.append(f"{workdir.name}: feeds after a completed run differ from the store")
    _, items, _ = stored_items(config)
    listed = {portal.url(a.path) for s in SECTION_TITLES for a in portal.listed(s)}
    store = Store.open(config.state_path)
    stored_urls = {i.url for s in config.sections() for i in store.recent_items(s.key, 1000)}
    store.close()
    missing = listed - stored_urls
    if missing - {portal.url(portal.catalogue.flaky.path)}:
        tally.problems.append(f"{workdir.name}: {len(missing)} listed articles never stored")
    tally.items += len(items)


def test_crash_loop_kill_9_never_breaks_feeds_or_store(corpus_dir: Path, tmp_path: Path) -> None:
    rng = random.Random(os.environ.get("FEEDD_CRASH_SEED", "feedd"))
    tally = Tally()
    started = time.monotonic()
    left = ITERATIONS
    cycle = 0
    while left > 0:
        kills = min(KILLS_PER_PORTAL, left)
        with Portal(corpus_dir) as portal:
            crash_cycle(portal, tmp_path / f"cycle{cycle}", kills, rng, tally)
        left -= kills
        cycle += 1
    print(f"crash loop: {tally.kills} kill -9 in {cycle} cycles ({tally.finished_before_kill} runs had already "
          f"finished), {tally.files_checked} feed files checked ({tally.files_new} changed by a killed run), "
          f"{tally.temp_files_seen} temp files seen after kills, {tally.items} items stored, "
          f"{len(tally.problems)} problems, {time.monotonic() - started:.1f}s")
    assert tally.problems == [], "\n".join(tally.problems)
    assert tally.files_new > 0, "no kill landed after a publish: the loop tested nothing"


def test_temporary_file_of_a_killed_run_is_removed_by_the_next_run(portal: Portal, tmp_path: Path) -> None:
    config_path = write_config(tmp_path, {"politics": portal.section_url("politics")}, links=True)
    config = load_config(config_path)
    stale = config.output_dir / "portal" / ".politics.xml.0123456789ab.tmp"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"<rss><channel><title>half writ")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    code, output, _ = run_once(config_path)
    assert code == 0, output
    assert (config.output_dir / "portal" / "politics.xml").exists()
    assert not stale.exists(), "a killed run's temporary file survives the next completed run"


def test_store_uses_wal_and_waits_for_a_busy_writer(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    with sqlite3.connect(tmp_path / "s.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    holder = sqlite3.connect(tmp_path / "s.sqlite3", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    store.record_page_failure("http://a.example/x", "boom", None)  # waits instead of failing at once
    waited = time.monotonic() - started
    release.join()
    holder.close()
    state = store.page_state("http://a.example/x")
    store.close()
    print(f"SQLite: WAL, a write waited {waited:.2f}s for another writer's transaction")
    assert state is not None and state.failures == 1
    assert 0.25 <= waited < 5
