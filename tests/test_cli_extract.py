"""`feedd extract` as a user runs it: a real process, real pages, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.loopback import serving

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seeds" / "000_dff48cd11bb57e56.txt"
FEEDD = [sys.executable, "-m", "feedd"]


def run_extract(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FEEDD, "extract", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, check=False)


def json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_extract_cli_reads_the_seed_page_in_its_zone() -> None:
    done = run_extract("--timezone", "Asia/Shanghai", "--url", "https://www.example.cn/20260420/c_1.html", str(SEED))
    assert done.returncode == 0, done.stderr
    (item,) = json_lines(done.stdout)
    assert item["error"] is None
    assert item["published"] == "2026-04-20T16:44:57+08:00"
    assert (item["source"], item["editor"]) == ("海中捞月网", "落叶斩vs劈扣")
    assert "亚马逊日前正式对内部工程团队下达限制令" in item["content_text"]
    assert item["url"] == "https://www.example.cn/20260420/c_1.html"


def test_extract_cli_same_page_in_another_zone_keeps_the_wall_clock() -> None:
    done = run_extract("--timezone", "Europe/Berlin", str(SEED))
    (item,) = json_lines(done.stdout)
    assert item["published"] == "2026-04-20T16:44:57+02:00"


def test_extract_cli_manifest_reports_bad_lines_and_keeps_the_rest(tmp_path: Path, corpus_dir: Path) -> None:
    pages = sorted((corpus_dir / "gne" / "html").glob("*.html"))[:3]
    assert len(pages) == 3
    manifest = tmp_path / "pages.jsonl"
    lines = [json.dumps({"path": str(page), "url": f"http://example.cn/{i}.html", "timezone": "Asia/Shanghai"})
             for i, page in enumerate(pages)]
    lines.insert(1, "{not json")
    lines.insert(2, json.dumps({"path": str(tmp_path / "missing.html")}))
    lines.append(json.dumps({"path": str(pages[0]), "timezone": "Mars/Olympus"}))
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_extract("--manifest", str(manifest))
    assert done.returncode == 0, done.stderr
    items = json_lines(done.stdout)
    assert len(items) == len(lines)
    assert items[1]["error"].startswith(f"{manifest}:2: bad manifest line")
    assert "missing.html: cannot read" in items[2]["error"]
    assert "unknown time zone 'Mars/Olympus'" in items[-1]["error"]
    readable = [item for item in items if item["error"] is None]
    assert len(readable) == len(pages)
    assert all(item["title"] and item["content_text"] for item in readable)


PARAGRAPH = "<p>会议部署推进新一轮改革措施，要求各地区各部门狠抓落实，确保政策尽快见效。</p>"


class _Pages(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        if self.path != "/news/2026/04/20/a.html":
            self.send_error(404)
            return
        self.send_response(200)
        # The header lies: the bytes are GBK. feedd must notice and still read the page right.
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def page_server() -> Iterator[str]:
    page = ("<html><head><meta charset='gbk'><title>国务院召开常务会议_新华网</title></head><body>"
            "<h1>国务院召开常务会议</h1><div class='info'>2026-04-20 09:15 来源：新华社</div>"
            "<div class='article'>" + PARAGRAPH * 6 + "</div></body></html>")
    _Pages.body = page.encode("gbk")
    with serving(_Pages) as base:
        yield base


def test_extract_cli_fetches_a_url_and_reads_its_real_charset(page_server: str) -> None:
    url = f"{page_server}/news/2026/04/20/a.html"
    done = run_extract("--allow-private-networks", "--timezone", "Asia/Shanghai", url)
    assert done.returncode == 0, done.stderr
    (item,) = json_lines(done.stdout)
    assert item["error"] is None, item["error"]
    assert item["title"] == "国务院召开常务会议"
    assert item["published"] == "2026-04-20T09:15:00+08:00"
    assert item["source"] == "新华社"
    assert "改革措施" in item["content_text"]


def test_extract_cli_refuses_a_private_address_unless_allowed(page_server: str) -> None:
    done = run_extract(f"{page_server}/news/2026/04/20/a.html")
    (item,) = json_lines(done.stdout)
    assert item["title"] is None
    assert "127.0.0.1" in item["error"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_extract_cli_stops_quietly_when_the_reader_goes_away(corpus_dir: Path, jobs: str) -> None:
    pages = [str(page) for page in sorted(corpus_dir.glob("*/html/*.html"))[:200]]
    process = subprocess.Popen([*FEEDD, "extract", "--jobs", jobs, *pages], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=REPO)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    errors = process.stderr.read().decode()
    # With workers, the queued chunks are dropped and each stops after its page: no hang, no worker traceback.
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in errors, errors


RULED_PAGE = """<html><head><meta charset="utf-8">
<title>Harbour reopens after the storm - Coast Daily</title></head><body>
<h1>Harbour reopens after the storm</h1>
<div class="meta"><span class="desk">Coast Desk</span> <span class="stamp">posted 3 days ago</span>
<span class="when" data-ts="x">20.04.2026, 16:44</span></div>
<div class="story">
<p>The harbour reopened on Monday after a week of repairs to the breakwater, the port authority said.</p>
<p class="note">The writer of this story keeps a small boat in the harbour, the editors want readers to know.</p>
<p>Fishing boats were the first to leave, followed by the ferry to the islands, which had been idle.</p>
<p>Engineers said the new concrete blocks should hold against storms of the same strength in future.</p>
</div></body></html>"""

RULES = """\
source: span.desk
published: span.when
remove: [".note"]
"""


def test_extract_cli_applies_a_rules_file_before_the_automatic_path(tmp_path: Path) -> None:
    page = tmp_path / "harbour.html"
    page.write_text(RULED_PAGE, encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    (automatic,) = json_lines(run_extract("--timezone", "Europe/Berlin", str(page)).stdout)
    (ruled,) = json_lines(run_extract("--timezone", "Europe/Berlin", "--rules", str(rules), str(page)).stdout)
    assert automatic["source"] != "Coast Desk" and "keeps a small boat" in automatic["content_text"]
    assert ruled["source"] == "Coast Desk"
    assert ruled["published"] == "2026-04-20T16:44:00+02:00"
    assert "keeps a small boat" not in ruled["content_text"]
    assert "Fishing boats" in ruled["content_text"]
    assert ruled["title"] == "Harbour reopens after the storm"


def test_extract_cli_takes_rules_and_zone_from_a_config_section(tmp_path: Path) -> None:
    page = tmp_path / "harbour.html"
    page.write_text(RULED_PAGE, encoding="utf-8")
    config = tmp_path / "feedd.yaml"
    rules = "".join(f"          {line}\n" for line in RULES.splitlines())
    config.write_text(f"""\
output_dir: ./public
state_path: ./state.sqlite3
sources:
  - id: coast
    timezone: America/Halifax
    sections:
      - id: news
        url: https://coast.example/news/
        article:
{rules}""", encoding="utf-8")
    done = run_extract("--config", str(config), "--section", "coast/news", str(page))
    assert done.returncode == 0, done.stderr
    (item,) = json_lines(done.stdout)
    assert (item["source"], item["published"]) == ("Coast Desk", "2026-04-20T16:44:00-03:00")


def test_extract_cli_names_the_place_of_a_bad_rule(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("title: h1\ncontent: 'div.story['\n", encoding="utf-8")
    done = run_extract("--rules", str(rules), str(SEED))
    assert done.returncode == 78
    assert f"{rules}:2: content: bad CSS" in done.stderr
    assert done.stdout == ""


# ---------------------------------------------------------------- --jobs: worker processes

def corpus_sample(corpus_dir: Path) -> list[Path]:
    """Twenty pages from four corpora, Chinese and western; none gives a relative time ('5分钟前'), so two
    runs a moment apart must agree on every field."""
    folders = ("gne", "chinese-web-content-extraction-dataset", "fundus", "mozilla-readability")
    pages = [page for folder in folders for page in sorted((corpus_dir / folder / "html").glob("*.html"))[:5]]
    assert len(pages) == 20
    return pages


def test_extract_cli_jobs_prints_what_one_process_prints_in_input_order(corpus_dir: Path) -> None:
    pages = [str(page) for page in corpus_sample(corpus_dir)]
    alone = run_extract("--timezone", "Asia/Shanghai", *pages)
    parallel = run_extract("--timezone", "Asia/Shanghai", "--jobs", "2", *pages)
    assert alone.returncode == parallel.returncode == 0, parallel.stderr
    assert [item["input"] for item in json_lines(parallel.stdout)] == pages
    assert json_lines(parallel.stdout) == json_lines(alone.stdout)
    assert parallel.stdout == alone.stdout


def test_extract_cli_jobs_reports_bad_manifest_lines_in_place(tmp_path: Path, corpus_dir: Path) -> None:
    pages = corpus_sample(corpus_dir)
    lines = [json.dumps({"path": str(page), "timezone": "Asia/Shanghai"}) for page in pages]
    # One bad line in the first chunk of eight, one in the third, one last.
    lines.insert(2, "{not json")
    lines.insert(17, json.dumps({"path": str(tmp_path / "missing.html")}))
    lines.append(json.dumps({"url": "http://example.cn/no-path.html"}))
    manifest = tmp_path / "pages.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_extract("--manifest", str(manifest), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    items = json_lines(done.stdout)
    assert len(items) == len(lines)
    failed = {index: item["error"] for index, item in enumerate(items) if item["error"] is not None}
    assert sorted(failed) == [2, 17, len(lines) - 1]
    assert failed[2].startswith(f"{manifest}:3: bad manifest line")
    assert "missing.html: cannot read" in failed[17]
    assert failed[len(lines) - 1].startswith(f"{manifest}:{len(lines)}: bad manifest line")
    assert [item["input"] for index, item in enumerate(items) if index not in failed] == [str(p) for p in pages]


def test_extract_cli_jobs_zero_means_one_worker_per_cpu(corpus_dir: Path) -> None:
    pages = [str(page) for page in corpus_sample(corpus_dir)[:3]]
    done = run_extract("--jobs", "0", *pages)
    assert done.returncode == 0, done.stderr
    assert [item["input"] for item in json_lines(done.stdout)] == pages


def test_extract_cli_jobs_refuses_a_negative_count() -> None:
    done = run_extract("--jobs", "-1", str(SEED))
    assert done.returncode == 2
    assert "argument --jobs: expected 0 (one per CPU) or more, got -1" in done.stderr
    assert done.stdout == ""


def test_extract_cli_jobs_applies_rules_in_every_worker(tmp_path: Path) -> None:
    page = tmp_path / "harbour.html"
    page.write_text(RULED_PAGE, encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    done = run_extract("--timezone", "Europe/Berlin", "--rules", str(rules), "--jobs", "2", *[str(page)] * 20)
    assert done.returncode == 0, done.stderr
    items = json_lines(done.stdout)
    assert len(items) == 20
    assert {(item["source"], item["published"]) for item in items} == {("Coast Desk", "2026-04-20T16:44:00+02:00")}


def test_extract_cli_jobs_fetches_urls_in_the_workers(page_server: str) -> None:
    urls = [f"{page_server}/news/2026/04/20/a.html"] * 10
    allowed = json_lines(run_extract("--allow-private-networks", "--jobs", "2", *urls).stdout)
    refused = json_lines(run_extract("--jobs", "2", *urls).stdout)
    assert [(item["title"], item["error"]) for item in allowed] == [("国务院召开常务会议", None)] * 10
    assert len(refused) == 10
    assert all(item["title"] is None and "127.0.0.1" in item["error"] for item in refused)


def test_extract_cli_jobs_ctrl_c_stops_the_workers(corpus_dir: Path) -> None:
    pages = [str(page) for page in sorted(corpus_dir.glob("*/html/*.html"))[:200]]
    # A session of its own, so the signal reaches the parent and its workers as a terminal's Ctrl-C does.
    process = subprocess.Popen([*FEEDD, "extract", "--jobs", "2", *pages], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=REPO, start_new_session=True)
    assert process.stdout is not None
    process.stdout.readline()
    # Unread, the output pipe fills: the parent blocks on it and the workers, their queue done, sit idle
    # waiting for work, where a Ctrl-C they did not ignore would end each with a traceback.
    time.sleep(2)
    os.killpg(process.pid, signal.SIGINT)
    _out, errors = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGINT
    # The parent reports the interrupt once; the workers ignore it and stop quietly.
    assert errors.decode().count("KeyboardInterrupt") == 1, errors.decode()
    assert "Process ForkProcess" not in errors.decode()


def test_extract_cli_names_a_manifest_it_cannot_read(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    done = run_extract("--manifest", str(missing))
    assert done.returncode == 2
    assert f"{missing}: cannot read the manifest" in done.stderr
    assert "Traceback" not in done.stderr


def test_extract_cli_reports_a_manifest_line_of_bad_bytes_and_reads_the_next(tmp_path: Path) -> None:
    manifest = tmp_path / "pages.jsonl"
    manifest.write_bytes(b'{"path": "\xff\xfe"\n' + json.dumps({"path": str(SEED)}).encode() + b"\n")
    done = run_extract("--manifest", str(manifest))
    assert done.returncode == 0, done.stderr
    bad, good = json_lines(done.stdout)
    assert bad["error"].startswith(f"{manifest}:1: bad manifest line")
    assert good["error"] is None and good["source"] == "海中捞月网"
