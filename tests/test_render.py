"""render_feeds: real-looking Chinese items in, RSS / Atom / JSON Feed bytes out, read back by
feedparser, a strict XML parser, our W3C rule checks and newsboat."""

from __future__ import annotations

import functools
import html
import http.server
import json
import locale
import threading
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feedd.errors import RenderError
from feedd.models import FeedMeta, StoredItem, Timestamp
from feedd.render import JSON_FEED_VERSION, RenderedFeeds, render_feeds
from feedd.sanitize import sanitize_html
from tests.feedcheck import (
    ATOM,
    CONTENT,
    DC,
    check_json_feed,
    check_w3c_rules,
    newsboat_read,
    parse_strict_xml,
    parse_with_feedparser,
)

BEIJING = timezone(timedelta(hours=8))
KATHMANDU = timezone(timedelta(hours=5, minutes=45))
META = FeedMeta(
    key="xinhua/politics",
    title="新华网 · 时政",
    description="新华网时政频道",
    site_url="https://www.news.cn/politics/",
    feed_base_url="https://feeds.example.org/",
    language="zh-CN",
)
XSS_TEXT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def make_item(number: int, **changes: object) -> StoredItem:
    fields: dict[str, object] = {
        "item_id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'https://www.news.cn/c_{number}.htm')}",
        "url": f"https://www.news.cn/politics/2024-05/0{number % 9 + 1}/c_{number}.htm",
        "title": f"国务院常务会议研究部署第{number}项工作",
        "published": Timestamp(datetime(2024, 5, 1, 10, 30, tzinfo=BEIJING) - timedelta(hours=number), "minute"),
        "first_seen": datetime(2024, 5, 1, 3, 0, 12, 345678, tzinfo=UTC),
        "source": "新华社",
        "author": "张三",
        "editor": "李四",
        "summary": f"会议指出，要扎实推进第{number}项工作。",
        "content_html": f"<p>会议指出，要扎实推进第{number}项工作。</p>",
    }
    fields.update(changes)
    return StoredItem(**fields)  # type: ignore[arg-type]


def sample_items() -> list[StoredItem]:
    """Newest first, as the store hands them over, with the awkward cases mixed in."""
    return [
        make_item(1, content_html='<p>详见<a href="/politics/detail.htm">全文</a><img src="img/1.jpg" alt="图"></p>',
                  summary=f"摘要提到 {XSS_TEXT} 与 AT&T、\"引号\"。"),
        make_item(2, published=Timestamp(datetime(2024, 4, 30, tzinfo=BEIJING), "day"), author=None, editor=None),
        make_item(3, title="怪字符\x00\ufffe\ud800\x85\ufffd标题 & 其他", author="王五\x07", source="人民网\udfff",
                  summary="控制\x0b字符", content_html="<p>正文\x00含\ufffe怪\ud800字符</p>",
                  published=Timestamp(datetime(2024, 4, 29, 9, 0, tzinfo=BEIJING), "minute")),
        make_item(4, published=Timestamp(datetime(2024, 4, 28, 12, 15, tzinfo=KATHMANDU), "minute"),
                  source=None),
        make_item(5, published=None, summary="", content_html="", author=None, source=None, editor=None),
    ]


def write_feeds(feeds: RenderedFeeds, folder: Path) -> dict[str, Path]:
    paths = {"rss": folder / "politics.xml", "atom": folder / "politics.atom", "json": folder / "politics.json"}
    paths["rss"].write_bytes(feeds.rss)
    paths["atom"].write_bytes(feeds.atom)
    paths["json"].write_bytes(feeds.json)
    return paths


@pytest.fixture
def feeds() -> RenderedFeeds:
    return render_feeds(META, sample_items())


@pytest.fixture
def feed_files(feeds: RenderedFeeds, tmp_path: Path) -> dict[str, Path]:
    return write_feeds(feeds, tmp_path)


def rss_items(feeds: RenderedFeeds) -> list[etree._Element]:
    return etree.fromstring(feeds.rss).findall("channel/item")


def atom_entries(feeds: RenderedFeeds) -> list[etree._Element]:
    return etree.fromstring(feeds.atom).findall(f"{{{ATOM}}}entry")


def test_render_feeds_parse_with_feedparser_without_bozo(feed_files: dict[str, Path]) -> None:
    rss = parse_with_feedparser(feed_files["rss"])
    atom = parse_with_feedparser(feed_files["atom"])
    assert rss.version == "rss20" and atom.version == "atom10"
    assert len(rss.entries) == len(atom.entries) == len(sample_items())
    assert rss.entries[0].title == "国务院常务会议研究部署第1项工作"
    assert atom.feed.title == "新华网 · 时政"


def test_render_feeds_parse_with_strict_xml_parser(feed_files: dict[str, Path]) -> None:
    assert parse_strict_xml(feed_files["rss"]).tag == "rss"
    assert parse_strict_xml(feed_files["atom"]).tag == f"{{{ATOM}}}feed"
    assert json.loads(feed_files["json"].read_bytes())["version"] == JSON_FEED_VERSION


def test_render_feeds_pass_w3c_rules(feed_files: dict[str, Path]) -> None:
    assert check_w3c_rules(feed_files["rss"]) == []
    assert check_w3c_rules(feed_files["atom"]) == []


def test_render_json_feed_follows_json_feed_1_1(feed_files: dict[str, Path]) -> None:
    assert check_json_feed(feed_files["json"]) == []


def test_render_same_input_gives_same_bytes() -> None:
    first = render_feeds(META, sample_items())
    second = render_feeds(META, sample_items())
    assert first == second


def test_render_on_parallel_threads_gives_same_bytes_and_keeps_the_locale() -> None:
    before = locale.setlocale(locale.LC_ALL)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: render_feeds(META, sample_items()), range(24)))
    assert all(result == results[0] for result in results)
    assert locale.setlocale(locale.LC_ALL) == before


def test_render_build_date_is_newest_item_time_not_now(feeds: RenderedFeeds) -> None:
    channel = etree.fromstring(feeds.rss).find("channel")
    assert channel is not None
    # The undated item, first seen at 03:00:12 UTC (11:00 in Beijing), is the newest.
    assert channel.findtext("lastBuildDate") == "Wed, 01 May 2024 03:00:12 +0000"
    assert etree.fromstring(feeds.atom).findtext(f"{{{ATOM}}}updated") == "2024-05-01T03:00:12+00:00"


def test_render_empty_feed_is_valid_and_stable(tmp_path: Path) -> None:
    first, second = render_feeds(META, []), render_feeds(META, [])
    assert first == second
    paths = write_feeds(first, tmp_path)
    assert check_w3c_rules(paths["rss"]) == []
    assert check_w3c_rules(paths["atom"]) == []
    assert json.loads(first.json)["items"] == []


def test_render_keeps_the_order_given() -> None:
    items = sample_items()
    shuffled = [items[2], items[0], items[4], items[1], items[3]]
    feeds = render_feeds(META, shuffled)
    expected = [item.item_id for item in shuffled]
    assert [item.findtext("guid") for item in rss_items(feeds)] == expected
    assert [entry.findtext(f"{{{ATOM}}}id") for entry in atom_entries(feeds)] == expected
    assert [item["id"] for item in json.loads(feeds.json)["items"]] == expected


def test_render_uses_item_id_as_guid_and_atom_id(feeds: RenderedFeeds) -> None:
    ids = [item.item_id for item in sample_items()]
    guids = [item.find("guid") for item in rss_items(feeds)]
    assert [guid.text for guid in guids if guid is not None] == ids
    assert {guid.get("isPermaLink") for guid in guids if guid is not None} == {"false"}
    assert [entry.findtext(f"{{{ATOM}}}id") for entry in atom_entries(feeds)] == ids
    assert [item["id"] for item in json.loads(feeds.json)["items"]] == ids


def test_render_keeps_source_offsets_in_atom_and_json(feeds: RenderedFeeds) -> None:
    published = [entry.findtext(f"{{{ATOM}}}published") for entry in atom_entries(feeds)]
    json_dates = [item["date_published"] for item in json.loads(feeds.json)["items"]]
    expected = ["2024-05-01T09:30:00+08:00", "2024-04-30T00:00:00+08:00", "2024-04-29T09:00:00+08:00",
                "2024-04-28T12:15:00+05:45", "2024-05-01T03:00:12+00:00"]
    assert published == expected
    assert json_dates == expected


def test_render_rss_dates_are_rfc822_with_numeric_offset(feeds: RenderedFeeds) -> None:
    dates = [item.findtext("pubDate") for item in rss_items(feeds)]
    # +05:45 is not a half-hour offset, which RSS readers and the validator dislike: same instant in UTC.
    assert dates == ["Wed, 01 May 2024 09:30:00 +0800", "Tue, 30 Apr 2024 00:00:00 +0800",
                     "Mon, 29 Apr 2024 09:00:00 +0800", "Sun, 28 Apr 2024 06:30:00 +0000",
                     "Wed, 01 May 2024 03:00:12 +0000"]


def test_render_drops_characters_xml_cannot_carry(feeds: RenderedFeeds) -> None:
    for data in (feeds.rss, feeds.atom, feeds.json):
        text = data.decode("utf-8")
        assert not any(char in text for char in "\x00\x07\x0b\ufffe\x85\ufffd")
    titles = [item.findtext("title") for item in rss_items(feeds)]
    assert titles[2] == "怪字符标题 & 其他"


def test_render_escapes_text_that_looks_like_markup(feeds: RenderedFeeds) -> None:
    description = rss_items(feeds)[0].findtext("description") or ""
    # Readers treat description as HTML; the summary is text, so its "<script>" arrives escaped.
    assert "<script" not in description and "&lt;script&gt;" in description
    summary = json.loads(feeds.json)["items"][0]["summary"]
    assert XSS_TEXT in summary


def test_render_makes_content_links_absolute(feeds: RenderedFeeds) -> None:
    content = rss_items(feeds)[0].findtext(f"{{{CONTENT}}}encoded") or ""
    assert 'href="https://www.news.cn/politics/detail.htm"' in content
    assert 'src="https://www.news.cn/politics/2024-05/02/img/1.jpg"' in content


def test_render_names_author_source_and_editor(feeds: RenderedFeeds) -> None:
    first_rss = rss_items(feeds)[0]
    assert first_rss.findtext(f"{{{DC}}}creator") == "张三"
    assert first_rss.find("author") is None
    assert "来源：新华社" in (first_rss.findtext(f"{{{CONTENT}}}encoded") or "")
    assert atom_entries(feeds)[0].findtext(f"{{{ATOM}}}author/{{{ATOM}}}name") == "张三"
    first_json = json.loads(feeds.json)["items"][0]
    assert first_json["authors"] == [{"name": "张三"}]
    assert first_json["_feedd"] == {"source": "新华社", "editor": "李四"}
    assert first_json["content_html"].startswith('<p class="feedd-byline">来源：新华社')


def test_render_byline_speaks_the_feed_language() -> None:
    english = FeedMeta(key="bbc/world", title="BBC World", description="", site_url="https://www.bbc.com/news",
                       feed_base_url="https://feeds.example.org/")
    item = make_item(1, title="Storm hits coast", source="Reuters", author="Jane Roe", editor=None)
    content = json.loads(render_feeds(english, [item]).json)["items"][0]["content_html"]
    assert content.startswith('<p class="feedd-byline">Source: Reuters | Author: Jane Roe</p>')
    chinese = json.loads(render_feeds(META, [item]).json)["items"][0]["content_html"]
    assert chinese.startswith('<p class="feedd-byline">来源：Reuters')
    unlabelled = json.loads(render_feeds(english, [make_item(2)]).json)["items"][0]["content_html"]
    assert unlabelled.startswith('<p class="feedd-byline">来源：新华社')


def test_render_links_feeds_to_themselves_and_the_section(feeds: RenderedFeeds) -> None:
    channel = etree.fromstring(feeds.rss).find("channel")
    assert channel is not None
    assert channel.findtext("link") == META.site_url
    assert channel.find(f"{{{ATOM}}}link[@rel='self']").get("href") == (  # type: ignore[union-attr]
        "https://feeds.example.org/xinhua/politics.xml")
    atom = etree.fromstring(feeds.atom)
    assert atom.find(f"{{{ATOM}}}link[@rel='self']").get("href") == (  # type: ignore[union-attr]
        "https://feeds.example.org/xinhua/politics.atom")
    assert atom.find(f"{{{ATOM}}}link[@rel='alternate']").get("href") == META.site_url  # type: ignore[union-attr]
    document = json.loads(feeds.json)
    assert document["feed_url"] == "https://feeds.example.org/xinhua/politics.json"
    assert document["home_page_url"] == META.site_url


def test_render_json_is_utf8_indented_with_trailing_newline(feeds: RenderedFeeds) -> None:
    assert feeds.json.endswith(b"}\n")
    assert "新华网".encode() in feeds.json
    assert b'\n  "version"' in feeds.json


def test_render_atom_content_is_escaped_html_not_cdata(feeds: RenderedFeeds) -> None:
    assert b"CDATA" not in feeds.atom and b"CDATA" not in feeds.rss
    content = atom_entries(feeds)[0].find(f"{{{ATOM}}}content")
    assert content is not None and content.get("type") == "html"
    assert (content.text or "").startswith("<p")


def test_render_refuses_item_without_absolute_url() -> None:
    with pytest.raises(RenderError, match="absolute"):
        render_feeds(META, [make_item(1, url="/politics/c_1.htm")])


def test_render_percent_encodes_non_ascii_urls(tmp_path: Path) -> None:
    feeds = render_feeds(META, [make_item(1, url="https://www.gov.cn/政策/文件 1.htm")])
    assert rss_items(feeds)[0].findtext("link") == (
        "https://www.gov.cn/%E6%94%BF%E7%AD%96/%E6%96%87%E4%BB%B6%201.htm")
    assert check_w3c_rules(write_feeds(feeds, tmp_path)["rss"]) == []


def test_w3c_rules_catch_broken_feeds(tmp_path: Path) -> None:
    """The checker itself must find problems, or a passing render test means nothing."""
    broken = tmp_path / "broken.xml"
    broken.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        "<link>/relative</link><description>d</description>"
        "<item><title>a</title><guid>same</guid><pubDate>2024-05-01 10:00</pubDate>"
        "<author>张三</author><description>&lt;a href=\"/x\"&gt;x&lt;/a&gt;</description></item>"
        "<item><title>b</title><guid isPermaLink=\"false\">same</guid></item></channel></rss>",
        encoding="utf-8",
    )
    problems = "\n".join(check_w3c_rules(broken))
    for expected in ("channel/link", "atom:link rel='self'", "pubDate", "repeats", "e-mail",
                     "relative reference", "isPermaLink"):
        assert expected in problems


def test_newsboat_reads_every_item_of_each_format(feed_files: dict[str, Path], tmp_path: Path) -> None:
    for kind in ("rss", "atom"):
        result = newsboat_read([feed_files[kind].as_uri()], tmp_path / f"newsboat-{kind}")
        assert result.errors == (), result.log
        assert result.unread == len(sample_items())


@pytest.fixture
def served_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_newsboat_reads_feeds_over_http_and_reports_missing_ones(
        feeds: RenderedFeeds, served_folder: tuple[Path, str], tmp_path: Path) -> None:
    folder, base = served_folder
    write_feeds(feeds, folder)
    result = newsboat_read([base + "politics.xml"], tmp_path / "ok")
    assert (result.unread, result.errors) == (len(sample_items()), ())
    missing = newsboat_read([base + "absent.xml"], tmp_path / "missing")
    assert missing.unread == 0 and any("404" in line for line in missing.errors)


# ------------------------------------------------------------------------------- property test

_odd_chars = st.sampled_from(["\x00", "\x1f", "\ufffe", "\uffff", "\ud800", "\udfff", "\x85", "\u2028",
                              "&", "<", "]", ">", ";", "\r", "\U0001f600"])
_any_text = st.text(st.one_of(st.characters(codec=None, exclude_categories=()), _odd_chars), max_size=40)
_zones = st.one_of(st.timezones(), st.builds(lambda minutes: timezone(timedelta(minutes=minutes)),
                                             st.integers(-14 * 60 + 1, 14 * 60 - 1)))
_moments = st.datetimes(min_value=datetime(1990, 1, 2), max_value=datetime(2025, 12, 31), timezones=_zones)


@st.composite
def _items(draw: st.DrawFn) -> list[StoredItem]:
    count = draw(st.integers(0, 3))
    items = []
    for number in range(count):
        published = draw(st.one_of(st.none(), st.builds(Timestamp, _moments, st.sampled_from(["day", "minute"]))))
        items.append(StoredItem(
            item_id=f"urn:uuid:{draw(st.uuids())}" if number % 2 else f"tag:feedd.example,2024:{number}",
            url="https://example.cn/" + draw(_any_text),
            title=draw(_any_text), published=published, first_seen=draw(_moments),
            source=draw(st.one_of(st.none(), _any_text)), author=draw(st.one_of(st.none(), _any_text)),
            editor=draw(st.one_of(st.none(), _any_text)), summary=draw(_any_text),
            content_html=draw(_any_text),
        ))
    return items


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=_items(), title=_any_text, description=_any_text)
def test_render_any_text_gives_well_formed_feeds(items: Sequence[StoredItem], title: str, description: str,
                                                 tmp_path: Path) -> None:
    meta = FeedMeta(key="s/k", title=title, description=description, site_url="https://example.cn/",
                    feed_base_url="https://feeds.example.org/")
    feeds = render_feeds(meta, items)
    paths = write_feeds(feeds, tmp_path)
    for kind in ("rss", "atom"):
        parse_strict_xml(paths[kind])
        parse_with_feedparser(paths[kind])
        problems = [p for p in check_w3c_rules(paths[kind]) if "seems to hold HTML" not in p]
        assert problems == []
    assert check_json_feed(paths["json"]) == []
    assert len(json.loads(feeds.json)["items"]) == len(items)


# ------------------------------------------------------------------------------ real corpus items


def _annotated_time(text: str | None) -> Timestamp | None:
    """The hand-labelled time as shown on the page; a Chinese time with no zone is Beijing time."""
    if not text or len(text) < 10:
        return None  # e.g. "1998-03": no day, nothing a feed can state
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    return Timestamp(moment, "day" if len(text) == 10 else "minute")


def corpus_items(corpus_dir: Path) -> list[StoredItem]:
    """StoredItems built from the hand-labelled Chinese pages and their ground-truth text."""
    annotations = json.loads((corpus_dir / "zh_annotations.json").read_text(encoding="utf-8"))
    truth: dict[tuple[str, str], dict[str, object]] = {}
    for corpus in {record["corpus"] for record in annotations}:
        for record in json.loads((corpus_dir / corpus / "ground_truth.json").read_text(encoding="utf-8")):
            truth[(corpus, record["file"])] = record
    items = []
    for note in annotations:
        record = truth.get((note["corpus"], note["file"]), {})
        url, content = record.get("url"), record.get("content")
        if not (isinstance(url, str) and url.startswith("http") and isinstance(content, str) and content):
            continue
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in content.splitlines() if line.strip())
        items.append(StoredItem(
            item_id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}", url=url, title=note["title"] or "",
            published=_annotated_time(note["published"]), first_seen=datetime(2024, 6, 1, tzinfo=UTC),
            source=note["source"], author=note["author"], editor=note["editor"],
            summary=content.strip()[:120], content_html=sanitize_html(paragraphs)))
    return sorted(items, key=lambda item: item.effective_time, reverse=True)


def test_render_real_corpus_items_pass_every_reader(corpus_dir: Path, tmp_path: Path) -> None:
    items = corpus_items(corpus_dir)
    assert len(items) >= 25
    paths = write_feeds(render_feeds(META, items), tmp_path)
    assert check_w3c_rules(paths["rss"]) == []
    assert check_w3c_rules(paths["atom"]) == []
    assert check_json_feed(paths["json"]) == []
    rss, atom = parse_with_feedparser(paths["rss"]), parse_with_feedparser(paths["atom"])
    assert [entry.title for entry in rss.entries] == [item.title.strip() or item.summary[:80] for item in items]
    assert [entry.id for entry in atom.entries] == [item.item_id for item in items]
    with_author = [(entry.get("author"), item.author) for entry, item in zip(rss.entries, items, strict=True)]
    assert all(found == expected for found, expected in with_author if expected)
    for kind in ("rss", "atom"):
        result = newsboat_read([paths[kind].as_uri()], tmp_path / f"newsboat-{kind}")
        assert (result.unread, result.errors) == (len(items), ())
