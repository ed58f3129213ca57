"""write_if_changed on a real filesystem; OPML and index.html parsed back with lxml."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from feedd.errors import PublishError
from feedd.models import SectionStatus
from feedd.publish import render_index, render_opml, write_if_changed

RSS = b"<?xml version='1.0' encoding='UTF-8'?>\n<rss version=\"2.0\"><channel/></rss>\n"
NOBODY = 65534


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def all_files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_write_creates_file_and_folders(output_dir: Path) -> None:
    assert write_if_changed(output_dir, "xinhua/politics.xml", RSS) is True
    assert (output_dir / "xinhua" / "politics.xml").read_bytes() == RSS
    assert all_files(output_dir) == ["xinhua", "xinhua/politics.xml"]


def test_write_same_bytes_leaves_file_untouched(output_dir: Path) -> None:
    target = output_dir / "feed.xml"
    write_if_changed(output_dir, "feed.xml", RSS)
    old = 1_600_000_000_000_000_000
    os.utime(target, ns=(old, old))
    inode = target.stat().st_ino
    assert write_if_changed(output_dir, "feed.xml", RSS) is False
    assert target.stat().st_mtime_ns == old
    assert target.stat().st_ino == inode
    assert all_files(output_dir) == ["feed.xml"]


def test_write_changed_bytes_replaces_file_by_rename(output_dir: Path) -> None:
    target = output_dir / "feed.xml"
    write_if_changed(output_dir, "feed.xml", RSS)
    inode = target.stat().st_ino
    # Same length, different bytes: the comparison must look at content, not size.
    changed = RSS.replace(b"rss", b"RSS")
    assert write_if_changed(output_dir, "feed.xml", changed) is True
    assert target.read_bytes() == changed
    # A new inode shows the file was swapped in whole, not rewritten in place.
    assert target.stat().st_ino != inode
    assert all_files(output_dir) == ["feed.xml"]


def test_write_handles_empty_and_large_data(output_dir: Path) -> None:
    big = os.urandom(3 * 65536 + 17)
    assert write_if_changed(output_dir, "big.bin", big) is True
    assert write_if_changed(output_dir, "big.bin", big) is False
    assert write_if_changed(output_dir, "big.bin", big[:-1] + b"!") is True
    assert write_if_changed(output_dir, "empty.json", b"") is True
    assert write_if_changed(output_dir, "empty.json", b"") is False
    assert (output_dir / "empty.json").read_bytes() == b""


@pytest.mark.parametrize("relative", ["../x.xml", "a/../../x.xml", "", "a/", "./x.xml", "a//x.xml",
                                      "a\\..\\x.xml", "x\x00.xml", "a/./b.xml"])
def test_write_refuses_paths_that_escape_or_are_malformed(output_dir: Path, relative: str) -> None:
    with pytest.raises(PublishError):
        write_if_changed(output_dir, relative, RSS)
    assert all_files(output_dir.parent) == ["out"]


def test_write_refuses_absolute_path(output_dir: Path, outside: Path) -> None:
    victim = outside / "passwd"
    victim.write_bytes(b"root:x:0:0\n")
    with pytest.raises(PublishError, match="absolute"):
        write_if_changed(output_dir, str(victim), RSS)
    assert victim.read_bytes() == b"root:x:0:0\n"
    assert all_files(output_dir) == []


def test_write_refuses_symlinked_folder_inside_output(output_dir: Path, outside: Path) -> None:
    (output_dir / "xinhua").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PublishError, match="symlink"):
        write_if_changed(output_dir, "xinhua/politics.xml", RSS)
    assert all_files(outside) == []


def test_write_refuses_symlinked_file_inside_output(output_dir: Path, outside: Path) -> None:
    victim = outside / "victim"
    victim.write_bytes(b"keep me")
    (output_dir / "feed.xml").symlink_to(victim)
    for data in (RSS, b"keep me"):
        with pytest.raises(PublishError, match="symlink"):
            write_if_changed(output_dir, "feed.xml", data)
    assert victim.read_bytes() == b"keep me"
    assert (output_dir / "feed.xml").is_symlink()
    assert all_files(output_dir) == ["feed.xml"]


def test_write_refuses_symlink_deeper_in_the_path(output_dir: Path, outside: Path) -> None:
    (output_dir / "a").mkdir()
    (output_dir / "a" / "b").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PublishError):
        write_if_changed(output_dir, "a/b/c/feed.xml", RSS)
    assert all_files(outside) == []


def test_write_creates_a_missing_output_dir(tmp_path: Path) -> None:
    assert write_if_changed(tmp_path / "public" / "feeds", "a/feed.xml", RSS) is True
    assert (tmp_path / "public" / "feeds" / "a" / "feed.xml").read_bytes() == RSS


def test_write_fails_when_output_dir_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "public").write_bytes(b"not a folder")
    with pytest.raises(PublishError, match="output folder"):
        write_if_changed(tmp_path / "public", "feed.xml", RSS)
    assert (tmp_path / "public").read_bytes() == b"not a folder"


def test_write_failing_rename_leaves_old_file_and_no_temp(output_dir: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write_if_changed(output_dir, "feed.xml", RSS)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(PublishError, match="No space left"):
        write_if_changed(output_dir, "feed.xml", RSS + b"<!-- new -->")
    assert (output_dir / "feed.xml").read_bytes() == RSS
    assert all_files(output_dir) == ["feed.xml"]


@pytest.fixture
def read_only_output() -> Iterator[Path]:
    """An output folder nobody but root may write; outside pytest's 0700 tmp so 'nobody' can enter it."""
    base = Path(tempfile.mkdtemp(prefix="feedd-ro-"))
    base.chmod(0o755)
    folder = base / "out"
    folder.mkdir()
    (folder / "feed.xml").write_bytes(RSS)
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(base)


def _write_as_unprivileged(folder: Path, data: bytes) -> str:
    """Call write_if_changed where permissions apply: in this process, or as 'nobody' in a forked
    child when the tests run as root (root ignores a folder's write bit)."""
    if os.geteuid() != 0:
        try:
            return str(write_if_changed(folder, "feed.xml", data))
        except PublishError:
            return "PublishError"
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            outcome = str(write_if_changed(folder, "feed.xml", data)).encode()
        except PublishError:
            outcome = b"PublishError"
        except BaseException as error:
            outcome = repr(error).encode()
        os.write(write_end, outcome)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        outcome_text = pipe.read().decode()
    os.waitpid(child, 0)
    return outcome_text


def test_write_into_read_only_output_fails_and_keeps_old_file(read_only_output: Path) -> None:
    assert _write_as_unprivileged(read_only_output, RSS + b"<!-- new -->") == "PublishError"
    assert (read_only_output / "feed.xml").read_bytes() == RSS
    assert all_files(read_only_output) == ["feed.xml"]


def test_write_into_read_only_output_with_same_bytes_is_a_no_op(read_only_output: Path) -> None:
    assert _write_as_unprivileged(read_only_output, RSS) == "False"


FEEDS = [
    ("新华网 · 时政", "https://feeds.example.org/xinhua/politics.xml", "https://www.news.cn/politics/"),
    ('人民网 "要闻" & <评论>', "https://feeds.example.org/people/top.xml?a=1&b=2", "http://www.people.com.cn/"),
    ("Odd\x00\ufffe name", "https://feeds.example.org/odd.xml", "https://odd.example/"),
]


def test_opml_lists_every_feed_and_parses() -> None:
    data = render_opml("feedd 订阅", FEEDS)
    root = etree.fromstring(data, etree.XMLParser(recover=False))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "feedd 订阅"
    outlines = root.findall("body/outline")
    assert [(o.get("text"), o.get("xmlUrl"), o.get("htmlUrl")) for o in outlines] == [
        (FEEDS[0][0], FEEDS[0][1], FEEDS[0][2]),
        (FEEDS[1][0], FEEDS[1][1], FEEDS[1][2]),
        ("Odd name", FEEDS[2][1], FEEDS[2][2]),
    ]
    assert {o.get("type") for o in outlines} == {"rss"}
    assert render_opml("feedd 订阅", FEEDS) == data


BEIJING = timezone(timedelta(hours=8))
STATUSES = [
    SectionStatus(key="xinhua/politics", title="新华网 · 时政", site_url="https://www.news.cn/politics/",
                  feed_paths=("xinhua/politics.xml", "xinhua/politics.atom", "xinhua/politics.json"),
                  last_success=datetime(2024, 5, 1, 10, 30, tzinfo=BEIJING), last_error=None, item_count=42),
    SectionStatus(key="gov/policy", title="<b>政府</b> & 政策", site_url="javascript:alert(1)",
                  feed_paths=("gov/policy.xml",), last_success=None,
                  last_error='https://www.gov.cn/: HTTP 503 <script>alert("x")</script>', item_count=0),
]


def test_index_shows_every_section_with_feeds_status_and_counts() -> None:
    data = render_index(STATUSES, "https://feeds.example.org/")
    document = lxml.html.document_fromstring(data.decode("utf-8"))
    rows = document.xpath("//tbody/tr")
    assert [row.get("id") for row in rows] == ["xinhua/politics", "gov/policy"]
    first, second = rows
    assert [a.get("href") for a in first.xpath(".//a[@class='feed']")] == [
        "https://feeds.example.org/xinhua/politics.xml", "https://feeds.example.org/xinhua/politics.atom",
        "https://feeds.example.org/xinhua/politics.json"]
    cells = [cell.text_content() for cell in first.xpath("./td")]
    assert "新华网 · 时政" in cells[0] and cells[2] == "2024-05-01T10:30:00+08:00" and cells[4] == "42"
    second_cells = [cell.text_content() for cell in second.xpath("./td")]
    assert second_cells[2] == "never"
    assert second_cells[3] == 'https://www.gov.cn/: HTTP 503 <script>alert("x")</script>'
    assert "<b>政府</b> & 政策" in second_cells[0]
    assert document.xpath("//script") == [] and document.xpath("//td//b") == []
    assert not [a for a in document.xpath("//a") if (a.get("href") or "").startswith("javascript")]
    assert render_index(STATUSES, "https://feeds.example.org/") == data


def test_index_with_empty_base_url_links_relative_to_itself() -> None:
    document = lxml.html.document_fromstring(render_index(STATUSES[:1], "").decode("utf-8"))
    assert document.xpath("//a[@class='feed']/@href")[0] == "xinhua/politics.xml"


def test_index_without_sections_still_parses() -> None:
    document = lxml.html.document_fromstring(render_index([], "").decode("utf-8"))
    assert document.xpath("//tbody/tr") == []
    assert "0 sections" in document.text_content()
