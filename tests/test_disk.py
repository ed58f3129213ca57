"""A full disk and a read-only output folder: old feeds stay intact, the error is logged once per poll,
polling goes on, and the feeds catch up once space returns.

The disk is a small tmpfs mounted for the test (root only; without root these tests are skipped and
tests/test_publish.py's read-only folder tests still run).
"""

from __future__ import annotations

import errno
import logging
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedd.config import Config, load_config
from feedd.fetch import Fetcher
from feedd.models import SectionReport
from feedd.pipeline import FEED_EXTENSIONS, PipelineDeps, feed_meta, poll_section, publish_overview
from feedd.render import render_feeds
from feedd.store import Store
from tests.portal.pages import SECTION_TITLES
from tests.portal.server import Portal
from tests.test_replay import write_config


def _mount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True, capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs of its own."""
    disk = tmp_path / "disk"
    disk.mkdir()
    try:
        _mount(disk, "size=8m,mode=0755")
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {exc}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False, capture_output=True)


def fill(disk: Path) -> Path:
    """Write until the disk refuses another byte: big blocks first, then single bytes."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


@dataclass
class Daemonish:
    """One process's worth of feedd: the polls a daemon would run, in this test's process."""

    config: Config
    store: Store
    fetcher: Fetcher

    def poll(self) -> list[SectionReport]:
        deps = PipelineDeps(config=self.config, fetcher=self.fetcher, store=self.store,
                            clock=lambda: datetime.now(UTC))
        reports = [poll_section(section, deps) for section in self.config.sections()]
        publish_overview(deps)
        return reports

    def feeds_on_disk(self) -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in self._paths() if p.exists()}

    def feeds_from_store(self) -> dict[Path, bytes]:
        result = {}
        for section in self.config.sections():
            feeds = render_feeds(feed_meta(section, self.config.base_url),
                                 self.store.recent_items(section.key, section.keep_items))
            for ext, data in zip(FEED_EXTENSIONS, (feeds.rss, feeds.atom, feeds.json), strict=True):
                result[self.config.output_dir / f"{section.key}.{ext}"] = data
        return result

    def _paths(self) -> list[Path]:
        return [self.config.output_dir / f"{s.key}.{ext}" for s in self.config.sections() for ext in FEED_EXTENSIONS]

    def close(self) -> None:
        self.fetcher.close()
        self.store.close()


def start(portal: Portal, workdir: Path, output_dir: Path, state_dir: Path) -> Daemonish:
    config_path = write_config(workdir, {s: portal.section_url(s) for s in SECTION_TITLES}, links=True)
    text = config_path.read_text(encoding="utf-8")
    text = text.replace(str(workdir / "public"), str(output_dir)).replace(str(workdir / "state"), str(state_dir))
    config_path.write_text(text, encoding="utf-8")
    config = load_config(config_path)
    return Daemonish(config, Store.open(config.state_path), Fetcher(config.fetch))


def section_errors(caplog: pytest.LogCaptureFixture, config: Config) -> dict[str, int]:
    counts = {s.key: 0 for s in config.sections()}
    for record in caplog.records:
        if record.levelno >= logging.ERROR:
            for key in counts:
                if record.getMessage().startswith(f"{key}:"):
                    counts[key] += 1
    return counts


def leftovers(output_dir: Path) -> list[str]:
    return [p.name for p in output_dir.rglob(".*") if p.is_file()]


def test_full_disk_keeps_old_feeds_logs_once_per_poll_and_catches_up(
        portal: Portal, tmp_path: Path, small_disk: Path, caplog: pytest.LogCaptureFixture) -> None:
    feedd = start(portal, tmp_path, small_disk / "public", tmp_path / "state")
    assert all(r.listing_ok for r in feedd.poll())
    before = feedd.feeds_on_disk()
    assert len(before) == 3 * len(SECTION_TITLES)
    filler = fill(small_disk)
    portal.advance()
    polls_while_full = []
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            reports = feedd.poll()  # must not raise
        polls_while_full.append((reports, section_errors(caplog, feedd.config)))
    still_there = feedd.feeds_on_disk()
    temp_left = leftovers(small_disk / "public")
    filler.unlink()
    caught_up = feedd.poll()
    after = feedd.feeds_on_disk()
    expected = feedd.feeds_from_store()
    new_items = sum(r.new_items for r in polls_while_full[0][0])
    feedd.close()
    print(f"full disk: {new_items} new items stored while full, errors per section per poll "
          f"{[errors for _, errors in polls_while_full]}, old feeds intact: {still_there == before}, "
          f"caught up: {after == expected}")
    assert new_items > 0
    for reports, errors in polls_while_full:
        assert all(not r.listing_ok and r.error and "No space left" in r.error for r in reports)
        assert set(errors.values()) == {1}, errors
    assert still_there == before
    assert temp_left == []
    assert all(r.listing_ok for r in caught_up)
    assert after == expected and after != before


def test_full_disk_under_the_store_too_keeps_feeds_and_recovers(
        portal: Portal, tmp_path: Path, small_disk: Path, caplog: pytest.LogCaptureFixture) -> None:
    feedd = start(portal, tmp_path, small_disk / "public", small_disk / "state")
    assert all(r.listing_ok for r in feedd.poll())
    before = feedd.feeds_on_disk()
    filler = fill(small_disk)
    portal.advance()
    raised: list[str] = []
    with caplog.at_level(logging.WARNING):
        try:
            feedd.poll()
        except Exception as exc:  # the daemon would only see "poller crashed"
            raised.append(repr(exc))
    still_there = feedd.feeds_on_disk()
    filler.unlink()
    caught_up = feedd.poll()
    after = feedd.feeds_on_disk()
    expected = feedd.feeds_from_store()
    integrity = feedd.store.integrity_ok()
    feedd.close()
    print(f"full disk under store and feeds: raised {raised}, old feeds intact {still_there == before}, "
          f"integrity ok {integrity}, caught up {after == expected}")
    assert still_there == before
    assert integrity
    assert all(r.listing_ok for r in caught_up) and after == expected and after != before
    assert raised == [], "a full disk under the store escapes poll_section"


def test_read_only_output_keeps_old_feeds_and_catches_up_when_writable(
        portal: Portal, tmp_path: Path, small_disk: Path, caplog: pytest.LogCaptureFixture) -> None:
    feedd = start(portal, tmp_path, small_disk / "public", tmp_path / "state")
    assert all(r.listing_ok for r in feedd.poll())
    before = feedd.feeds_on_disk()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True, capture_output=True)
    portal.advance()
    try:
        with caplog.at_level(logging.WARNING):
            reports = feedd.poll()
        errors = section_errors(caplog, feedd.config)
        still_there = feedd.feeds_on_disk()
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True, capture_output=True)
    caught_up = feedd.poll()
    after = feedd.feeds_on_disk()
    expected = feedd.feeds_from_store()
    feedd.close()
    print(f"read-only output: errors per section {errors}, old feeds intact {still_there == before}")
    assert all(not r.listing_ok and r.error and "Read-only" in r.error for r in reports)
    assert set(errors.values()) == {1}
    assert still_there == before
    assert all(r.listing_ok for r in caught_up) and after == expected and after != before


def test_disk_fixture_really_is_small(small_disk: Path) -> None:
    stats = os.statvfs(small_disk)
    assert stats.f_blocks * stats.f_frsize <= 8 * 1024 * 1024
