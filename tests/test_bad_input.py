"""Bad input at the edges: every stage either returns or raises a typed FeeddError, within 5 seconds,
and one bad page never stops the rest of a poll.

Config errors (file, line, key before READY=1) are covered by tests/test_config.py and
tests/test_daemon.py::test_daemon_refuses_to_start_on_a_bad_config; a broken config on SIGHUP by
tests/test_daemon.py::test_sighup_with_broken_config_keeps_the_running_config. Here: what those miss.
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feedd.config import load_config
from feedd.dates import parse_date
from feedd.decode import decode_html
from feedd.discover import discover_links
from feedd.errors import ConfigError, FeeddError
from feedd.extract import extract_article
from feedd.fetch import Fetcher
from feedd.pipeline import PipelineDeps, poll_section
from feedd.select import compile_selector
from feedd.store import Store
from tests.portal.server import Portal, Response
from tests.test_replay import write_config

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
LIMIT = 5.0
URL = "http://portal.example.cn/news/2024-05/01/c_1.htm"


def nested_divs(megabytes: int = 5) -> bytes:
    depth = megabytes * 1_000_000 // 11
    return b"<html><body>" + b"<div>" * depth + "正文内容。".encode() * 20 + b"</div>" * depth + b"</body></html>"


def many_links(count: int = 100_000) -> bytes:
    rows = "".join(f'<li><a href="/news/2024-05/01/c_{i}.htm">新闻标题第{i}条</a><span>2024-05-01</span></li>'
                   for i in range(count))
    return f'<html><body><ul class="list">{rows}</ul></body></html>'.encode()


def malformed() -> bytes:
    return ("<html><head><title>标题</title><body><div><p>未闭合<b><i>交错</b></i><table><tr><td>"
            "<<<>>><a href='x\x00y'>链</a><p " + "a=" * 5000 + ">" + "</div>" * 300 + "<!-- 未结束注释"
            ).encode()


def binary_as_html() -> bytes:
    rng = random.Random(5)
    return b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(200_000))


def long_date_page() -> bytes:
    digits = "9" * 10_000
    return (f"<html><head><title>日期测试</title><meta name='pubdate' content='{digits}'></head><body>"
            f"<h1>日期测试标题</h1><p>发布时间：{digits}-{digits}-{digits} {digits}:{digits}</p>"
            f"<p>{'正文内容很长。' * 40}</p></body></html>").encode()


BAD_PAGES: dict[str, tuple[bytes, str]] = {
    "nested-divs-5mb": (nested_divs(), "text/html; charset=utf-8"),
    "links-100k": (many_links(), "text/html; charset=utf-8"),
    "malformed": (malformed(), "text/html; charset=utf-8"),
    "binary": (binary_as_html(), "text/html"),
    "gzip-bytes-as-html": (gzip.compress(b"<html>" * 10_000), "text/html; charset=utf-8"),
    "unknown-charset": ("<html><body><h1>标题</h1><p>正文。</p></body></html>".encode("gb18030"),
                        "text/html; charset=x-klingon-9"),
    "utf7-declared": (b"<html><body>+ADw-script+AD4-alert(1)+ADw-/script+AD4-</body></html>",
                      "text/html; charset=utf-7"),
    "long-date": (long_date_page(), "text/html; charset=utf-8"),
    "empty": (b"", "text/html"),
    "nul-bytes": (b"<html>\0\0\0<body>\0<p>x\0y</p></body></html>", "text/html; charset=utf-8"),
    # a stray control character passes decoding; lxml refuses it when a hidden element's tail is moved
    "controls-beside-hidden": (('<html><body><ul class="list">' + "".join(
        f'<li><a href="/n/{i}.htm">新闻标题第{i}条新闻</a></li>' for i in range(20)) + "</ul>"
        '<div style="display:none">x</div>\x01\x02尾<span hidden>y</span>\x0b</body></html>').encode(),
        "text/html; charset=utf-8"),
}


def timed(call: Callable[[], Any]) -> tuple[str, float]:
    """Run a stage in a forked child, so a hang costs LIMIT seconds and not the whole suite: 'ok', the
    FeeddError subclass it raised, 'CRASH ...' for any other exception, or 'HANG' past the limit."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def run() -> None:
        started = time.monotonic()
        try:
            call()
            outcome = "ok"
        except FeeddError as exc:
            outcome = type(exc).__name__
        except Exception as exc:
            outcome = f"CRASH {type(exc).__name__}: {exc}"[:200]
        sender.send((outcome, time.monotonic() - started))

    child = context.Process(target=run)
    child.start()
    result: tuple[str, float] = receiver.recv() if receiver.poll(LIMIT) else ("HANG", LIMIT)
    child.kill()
    child.join()
    return result


@pytest.mark.parametrize("name", list(BAD_PAGES))
def test_stages_return_or_raise_typed_errors_quickly_on_bad_pages(name: str) -> None:
    body, content_type = BAD_PAGES[name]
    outcomes = {"decode": timed(lambda: decode_html(body, content_type))}
    if outcomes["decode"][0] == "ok":  # as in a poll, only decoded text goes on
        text = decode_html(body, content_type)
        outcomes["extract"] = timed(lambda: extract_article(text, URL, zone=BEIJING, now=NOW))
        outcomes["discover"] = timed(lambda: discover_links(text, URL, zone=BEIJING, now=NOW, max_links=300))
        outcomes["discover-selector"] = timed(lambda: discover_links(
            text, URL, selector=compile_selector("ul.list li a"), zone=BEIJING, now=NOW, max_links=300))
    print(f"{name} ({len(body) / 1e6:.1f} MB): " + ", ".join(f"{stage} {outcome} {seconds:.2f}s"
                                                              for stage, (outcome, seconds) in outcomes.items()))
    bad = {stage: outcome for stage, (outcome, _) in outcomes.items() if outcome.startswith(("CRASH", "HANG"))}
    assert bad == {}


def test_utf7_is_never_used_to_decode_a_page() -> None:
    body, content_type = BAD_PAGES["utf7-declared"]
    try:
        text = decode_html(body, content_type)
    except FeeddError:
        return
    assert "<script>" not in text


def test_discover_caps_links_from_a_page_of_100000() -> None:
    body, content_type = BAD_PAGES["links-100k"]
    text = decode_html(body, content_type)

    def capped(selector: str | None) -> None:
        links = discover_links(text, URL, selector=compile_selector(selector) if selector else None, zone=BEIJING,
                               now=NOW, max_links=50)
        assert 0 < len(links) <= 50

    by_selector = timed(lambda: capped("ul.list li a"))
    automatic = timed(lambda: capped(None))
    print(f"100,000-link listing, max_links 50: by selector {by_selector}, automatic {automatic}")
    assert by_selector[0] == "ok" and automatic[0] == "ok"


@pytest.mark.parametrize("text", [
    "1" * 10_000, "2024-" + "9" * 10_000, "9" * 10_000 + "年5月1日", "发布时间：" + "1" * 10_000 + ":00",
    "2024年" * 5_000, "-" * 10_000, "\u0000" * 10_000, "٢٠٢٤-٠٥-٠١", "2024-05-01T12:00:00+99:99",
    "9999999999999999999999", "1e309", "Wed, 99 Foo 2024 99:99:99 +9999",
])
def test_parse_date_survives_absurd_strings(text: str) -> None:
    started = time.monotonic()
    result = parse_date(text, BEIJING, NOW)
    spent = time.monotonic() - started
    assert result is None or result.moment.tzinfo is not None
    assert spent < LIMIT


class BadPortal(Portal):
    """The test portal plus a /bad/ section whose listing links every bad page and two good articles."""

    def _route(self, path: str, headers: dict[str, str], round_: int) -> Response:
        if path == "/bad/":
            good = [a.path for a in self.catalogue.section("politics", 1)[:2]]
            links = [f"/bad/{name}.htm" for name in BAD_PAGES] + good
            rows = "".join(f'<li><a href="{href}">第{i}条新闻标题</a> 2024-05-0{1 + i % 9}</li>'
                           for i, href in enumerate(links))
            body = f'<html><body><ul class="list">{rows}</ul></body></html>'.encode()
            return Response(200, body, {"Content-Type": "text/html; charset=utf-8"})
        name = path.removeprefix("/bad/").removesuffix(".htm")
        if path.startswith("/bad/") and name in BAD_PAGES:
            body, content_type = BAD_PAGES[name]
            return Response(200, body, {"Content-Type": content_type})
        return super()._route(path, headers, round_)


def test_a_poll_goes_on_past_every_bad_page(corpus_dir: Path, tmp_path: Path) -> None:
    with BadPortal(corpus_dir) as portal:
        config_path = write_config(tmp_path, {"bad": portal.url("/bad/")}, links=False)
        text = config_path.read_text(encoding="utf-8")
        config_path.write_text(text.replace("sources:", "max_bytes: 20000000\nsources:", 1), encoding="utf-8")
        config = load_config(config_path)
        section = replace(next(config.sections()), links=compile_selector("ul.list li a"))
        store = Store.open(config.state_path)
        fetcher = Fetcher(config.fetch)
        deps = PipelineDeps(config=config, fetcher=fetcher, store=store, clock=lambda: datetime.now(UTC))
        started = time.monotonic()
        report = poll_section(section, deps)
        spent = time.monotonic() - started
        fetcher.close()
        good = [portal.url(a.path) for a in portal.catalogue.section("politics", 1)[:2]]
        stored = {item.url for item in store.recent_items(section.key, 100)}
        failures = {name: store.page_state(portal.url(f"/bad/{name}.htm")) for name in BAD_PAGES}
        store.close()
    print(f"poll past {len(BAD_PAGES)} bad pages: {report.new_items} stored, {len(report.failed_articles)} failed "
          f"(typed), {spent:.1f}s; failures: " + "; ".join(
              f"{name}: {(state.last_error or '')[-60:]}" for name, state in failures.items() if state))
    assert report.listing_ok, report.error
    assert report.links_found == len(BAD_PAGES) + 2
    assert set(good) <= stored, "a good article after the bad pages was not stored"
    assert report.new_items + len(report.failed_articles) == report.links_found
    assert spent < 30


def test_a_listing_with_stray_control_characters_fails_only_as_a_typed_error(corpus_dir: Path,
                                                                          tmp_path: Path) -> None:
    with BadPortal(corpus_dir) as portal:
        config_path = write_config(tmp_path, {"bad": portal.url("/bad/controls-beside-hidden.htm")}, links=False)
        config = load_config(config_path)
        store = Store.open(config.state_path)
        fetcher = Fetcher(config.fetch)
        deps = PipelineDeps(config=config, fetcher=fetcher, store=store, clock=lambda: datetime.now(UTC))
        try:
            report = poll_section(next(config.sections()), deps)
        finally:
            fetcher.close()
            store.close()
    print(f"listing with stray control characters: listing_ok={report.listing_ok}, error={report.error}")
    assert report.listing_ok or report.error


def test_config_rejects_ids_that_are_not_slugs(tmp_path: Path) -> None:
    cases = ["../x", "/etc/passwd", "..", ".", "a/b", "a" * 300, "A", "a_b", "-a", "a-", "x\u0000", "é", "a b"]
    rejected = []
    for bad in cases:
        path = tmp_path / "feedd.yaml"
        path.write_text("output_dir: out\nstate_path: s.db\nsources:\n  - id: ok\n    sections:\n"
                        f"      - id: {json_quote(bad)}\n        url: http://a.example/\n", encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        message = str(caught.value)
        assert f"{path}:6: sources[0].sections[0].id" in message, message
        rejected.append(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("output_dir: out\nstate_path: s.db\nsources:\n  - id: ''\n    sections: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources\[0\]\.id"):
        load_config(empty)
    assert len(rejected) == len(cases)


def json_quote(value: str) -> str:
    import json

    return json.dumps(value)


@pytest.mark.parametrize(("yaml_text", "where"), [
    ("output_dir: out\nstate_path: s.db\nsources:\n  - id: ok\n    sections:\n      - id: a\n"
     "        url: http://a.example/\n        interval: soon\n", ":8: sources[0].sections[0].interval"),
    ("output_dir: out\nstate_path: s.db\ntimeout: -1\nsources: []\n", ":3: timeout"),
    ("output_dir: out\nstate_path: s.db\nsources:\n  - id: ok\n    colour: red\n    sections: []\n",
     ":5: sources[0].colour"),
])
def test_feedd_run_refuses_a_bad_config_before_ready_with_one_line(yaml_text: str, where: str) -> None:
    with tempfile.TemporaryDirectory(prefix="fd") as name:  # AF_UNIX paths must stay short
        folder = Path(name)
        config = folder / "feedd.yaml"
        config.write_text(yaml_text, encoding="utf-8")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.bind(str(folder / "notify.sock"))
        listener.settimeout(0.2)
        completed = subprocess.run([sys.executable, "-m", "feedd", "run", "--config", str(config)],
                                   cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True,
                                   timeout=30, check=False,
                                   env={**os.environ, "NOTIFY_SOCKET": str(folder / "notify.sock")})
        messages = []
        try:
            while True:
                messages.append(listener.recv(4096).decode())
        except TimeoutError:
            pass
        listener.close()
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    print(f"bad config: exit {completed.returncode}, stderr {lines}, notify {messages}")
    assert completed.returncode == 78
    assert len(lines) == 1 and f"{config}{where}" in lines[0]
    assert not any("READY=1" in m for m in messages)
