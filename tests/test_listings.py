"""Listings that are not HTML lists (JSON, RSS/Atom, sitemaps) and next-page detection.

Fixtures in tests/listings_data/ imitate real shapes: news.cn's `ds_*.json` channel data, a JSONP
callback, an API with nested items, feeds and sitemaps as portals publish them, hostile XML, and
listing pages with the pagers Chinese portals and western sites use. Two real corpus pages check
next-page detection on pagers nobody wrote for feedd.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedd.config import ListingSpec
from feedd.errors import DiscoverError
from feedd.listings import links_from_feed, links_from_json, next_page_url
from feedd.models import Link
from tests.loopback import serving
from tests.pages import read_page

DATA = Path(__file__).resolve().parent / "listings_data"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 21, 9, 0, tzinfo=SHANGHAI)
BEIJING = timezone(timedelta(hours=8))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
       zone: timezone | ZoneInfo = SHANGHAI) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=zone)


def summary(links: list[Link]) -> list[tuple[str, str, datetime | None]]:
    return [(link.url, link.title, link.published.moment if link.published else None) for link in links]


def assert_same_times(links: list[Link], expected: list[tuple[str, str, datetime | None]]) -> None:
    """Compare URL, title and instant, and the stated UTC offset too: a time must keep its zone."""
    assert summary(links) == expected
    for link, (_, _, moment) in zip(links, expected, strict=True):
        if moment is not None:
            assert link.published is not None
            assert link.published.moment.utcoffset() == moment.utcoffset(), link.url


# ---------------------------------------------------------------- JSON

NEWS_CN = ListingSpec(kind="json", url="https://www.news.cn/politics/ds_1a2b.json", items="datasource",
                      link="publishUrl", title="title", time="publishTime")
NEWS_CN_EXPECTED = [
    ("https://www.news.cn/politics/leaders/20260420/5b1f0c2a/c.html", "习近平会见来访的外国领导人",
     at(2026, 4, 20, 16, 44, 57)),
    ("https://www.news.cn/20260420/7c2d1e3b/c.html", "国务院常务会议研究部署稳就业工作", at(2026, 4, 20, 9, 5)),
    ("https://www.news.cn/politics/20260419/9e4f5a6c/c.html", "全国人大常委会举行专题讲座",
     at(2026, 4, 19, 21, 12, 3)),
]
NESTED = ListingSpec(kind="json", url="https://example.com/api/list", items="data.pages.0.list",
                     link="info.share.url", title="info.title", time="ts")
NESTED_EXPECTED = [
    ("https://example.com/news/2026/04/20/harbour-reopens", "Harbour reopens after storm",
     datetime(2026, 4, 20, 8, 44, 57, tzinfo=UTC).astimezone(SHANGHAI)),
    ("https://example.com/news/2026/04/19/green-budget", 'Council approves "green" budget',
     datetime(2026, 4, 19, 7, 0, tzinfo=UTC).astimezone(SHANGHAI)),
    ("https://example.com/news/2026/04/18/odd", "Item whose time is an id, not a time", None),
]


@pytest.mark.parametrize(("fixture", "spec", "expected"), [
    pytest.param("ds_politics.json", NEWS_CN, NEWS_CN_EXPECTED, id="news.cn channel data"),
    pytest.param("ds_politics.jsonp", NEWS_CN, NEWS_CN_EXPECTED, id="jsonp callback with BOM"),
    pytest.param("nested_api.json", NESTED, NESTED_EXPECTED, id="nested path, numeric index, epoch ms and s"),
])
def test_json_listing_reads_items_at_configured_paths(fixture: str, spec: ListingSpec,
                                                      expected: list[tuple[str, str, datetime | None]]) -> None:
    text = (DATA / fixture).read_bytes().decode("utf-8")
    links = links_from_json(text, spec.url, spec, zone=SHANGHAI, now=NOW)
    assert_same_times(links, expected)
    assert {link.container for link in links} == {f"json:{spec.items}"}
    assert all(link.score == 1.0 for link in links)


def test_json_listing_without_time_key_reads_usual_date_keys() -> None:
    spec = ListingSpec(kind="json", url=NEWS_CN.url, items="datasource", link="publishUrl")
    text = (DATA / "ds_politics.json").read_text(encoding="utf-8")
    links = links_from_json(text, spec.url, spec, zone=SHANGHAI, now=NOW)
    assert [link.published.moment if link.published else None for link in links] == [
        moment for _, _, moment in NEWS_CN_EXPECTED]


def test_json_listing_root_array_and_assignment_wrapper() -> None:
    text = ('var listData = [{"u": "/a/1.html", "t": "甲", "d": "2026-04-20"},'
            ' {"u": "/a/1.html", "t": "duplicate"}, {"u": "/a/2.html", "t": "乙"}];')
    spec = ListingSpec(kind="json", url="https://www.example.cn/list.js", link="u", title="t", time="d")
    links = links_from_json(text, spec.url, spec, zone=SHANGHAI, now=NOW, max_links=5)
    assert summary(links) == [("https://www.example.cn/a/1.html", "甲", at(2026, 4, 20)),
                              ("https://www.example.cn/a/2.html", "乙", None)]
    assert links[0].published is not None and links[0].published.precision == "day"
    assert links[0].container == "json:."


def test_json_listing_stops_at_max_links() -> None:
    text = (DATA / "ds_politics.json").read_text(encoding="utf-8")
    links = links_from_json(text, NEWS_CN.url, NEWS_CN, zone=SHANGHAI, now=NOW, max_links=2)
    assert [link.url for link in links] == [url for url, _, _ in NEWS_CN_EXPECTED[:2]]


@pytest.mark.parametrize(("text", "spec", "message"), [
    pytest.param((DATA / "ds_politics.json").read_text(encoding="utf-8"),
                 ListingSpec(kind="json", url=NEWS_CN.url, items="data.list", link="publishUrl"),
                 "path 'data.list' has no 'data' under (root)", id="missing path"),
    pytest.param((DATA / "nested_api.json").read_text(encoding="utf-8"),
                 ListingSpec(kind="json", url=NESTED.url, items="data.pages.5.list"),
                 "has no '5' under data.pages", id="index out of range"),
    pytest.param((DATA / "nested_api.json").read_text(encoding="utf-8"),
                 ListingSpec(kind="json", url=NESTED.url, items="data"),
                 "lists found at: data.pages, data.pages.0.list)", id="object, not a list"),
    pytest.param((DATA / "nested_api.json").read_text(encoding="utf-8"),
                 ListingSpec(kind="json", url=NESTED.url, items="data.pages.1.list"),
                 "the list at 'data.pages.1.list' is empty", id="empty list"),
    pytest.param((DATA / "ds_politics.json").read_text(encoding="utf-8"),
                 ListingSpec(kind="json", url=NEWS_CN.url, items="datasource", link="url"),
                 "has an http(s) URL at 'url' (keys of the first item: docid, publishTime, publishUrl",
                 id="wrong link key"),
    pytest.param("<html><body>Not found</body></html>", NEWS_CN, "is not JSON", id="html instead of json"),
])
def test_json_listing_errors_name_the_path(text: str, spec: ListingSpec, message: str) -> None:
    with pytest.raises(DiscoverError) as caught:
        links_from_json(text, spec.url, spec, zone=SHANGHAI, now=NOW)
    assert message in str(caught.value)
    assert spec.url in str(caught.value)


# ---------------------------------------------------------------- feeds and sitemaps

FEEDS = [
    pytest.param("rss2.xml", "https://news.example.cn/rss/yaowen.xml", "rss", [
        ("https://news.example.cn/2026-04/20/c_1130001.htm", "国务院新闻办公室举行发布会",
         at(2026, 4, 20, 16, 44, 57, zone=BEIJING)),
        ("https://news.example.cn/2026-04/20/c_1130002.htm", "Markets rally & close higher",
         at(2026, 4, 20, 10, 30)),
        ("https://news.example.cn/2026-04/19/c_1130003.htm", "Only a permalink guid",
         at(2026, 4, 19, 10, zone=BEIJING)),
        ("https://news.example.cn/2026-04/19/c_1130005.htm", "Two-digit year", at(2026, 4, 19, 9, zone=BEIJING)),
    ], id="rss 2.0"),
    pytest.param("atom.xml", "https://blog.example.org/feed.atom", "atom", [
        ("https://blog.example.org/posts/tides-and-moons", "Tides & moons",
         at(2026, 4, 20, 8, zone=timezone(timedelta(hours=-5)))),
        ("https://blog.example.org/archive/2026/old-post", "Only updated", at(2026, 4, 18, 20)),
    ], id="atom"),
    pytest.param("rss1.rdf", "https://www.example.jp/index.rdf", "rdf", [
        ("https://www.example.jp/a/1", "First RDF item", at(2026, 4, 20, 9, 30, zone=timezone(timedelta(hours=9)))),
        ("https://www.example.jp/a/2", "Second RDF item, link only in rdf:about", at(2026, 4, 19)),
    ], id="rss 1.0"),
    pytest.param("sitemap.xml", "https://www.example.gov.cn/sitemap.xml", "sitemap", [
        ("https://www.example.gov.cn/zwgk/2026-04/20/content_3.htm", "", at(2026, 4, 20, 15, zone=BEIJING)),
        ("https://www.example.gov.cn/zwgk/2026-04/19/content_2.htm", "", at(2026, 4, 19, 9)),
        ("https://www.example.gov.cn/zwgk/2026-04/18/content_1.htm", "", at(2026, 4, 18)),
        ("https://www.example.gov.cn/zwgk/about.htm", "", None),
    ], id="sitemap sorted newest first"),
    pytest.param("news_sitemap.xml", "https://www.example.com.cn/sitemap_news.xml", "sitemap", [
        ("https://www.example.com.cn/tech/20260420/c3.html", "国产大飞机完成新一轮试飞",
         at(2026, 4, 20, 11, 30, zone=BEIJING)),
        ("https://www.example.com.cn/china/20260420/b2.html", "春耕备耕有序推进 多地农机下田",
         at(2026, 4, 20, 8, 5, zone=BEIJING)),
        ("https://www.example.com.cn/world/20260419/a1.html", "联合国安理会就地区局势举行紧急会议",
         at(2026, 4, 19, 22, 10, zone=BEIJING)),
    ], id="google news sitemap"),
]


@pytest.mark.parametrize(("fixture", "url", "container", "expected"), FEEDS)
def test_feed_listing_reads_links_titles_and_zoned_times(fixture: str, url: str, container: str,
                                                         expected: list[tuple[str, str, datetime | None]]) -> None:
    links = links_from_feed((DATA / fixture).read_bytes(), url, zone=SHANGHAI, now=NOW)
    assert_same_times(links, expected)
    assert {link.container for link in links} == {container}


def test_feed_listing_day_only_lastmod_has_day_precision() -> None:
    links = links_from_feed((DATA / "sitemap.xml").read_bytes(), "https://www.example.gov.cn/sitemap.xml",
                            zone=SHANGHAI, now=NOW)
    assert [link.published.precision if link.published else None for link in links] == [
        "second", "second", "day", None]


def test_feed_listing_tolerates_bom_whitespace_and_bare_ampersand() -> None:
    body = ("\ufeff\n  <?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><item>"
            "<title>Q&A 问答</title><link>https://www.example.cn/qa.html?a=1&b=2</link></item></channel></rss>")
    links = links_from_feed(body.encode("utf-8"), "https://www.example.cn/rss.xml", zone=SHANGHAI, now=NOW)
    assert summary(links) == [("https://www.example.cn/qa.html?a=1&b=2", "Q&A 问答", None)]


def test_feed_listing_reads_html_entities_that_xml_does_not_define() -> None:
    body = (b"<rss version='2.0'><channel><item><title>A&nbsp;B &copy; 2026 &amp; C</title>"
            b"<link>https://www.example.com/1</link></item></channel></rss>")
    links = links_from_feed(body, "https://www.example.com/rss", zone=SHANGHAI, now=NOW)
    assert [link.title for link in links] == ["A B \u00a9 2026 & C"]


def test_feed_listing_reads_utf16_feed() -> None:
    body = ("<?xml version='1.0' encoding='utf-16'?><rss version='2.0'><channel><item><title>宽字节</title>"
            "<link>https://www.example.cn/u16.html</link></item></channel></rss>").encode("utf-16")
    links = links_from_feed(body, "https://www.example.cn/rss.xml", zone=SHANGHAI, now=NOW)
    assert summary(links) == [("https://www.example.cn/u16.html", "宽字节", None)]


def test_feed_listing_reads_gb2312_declared_feed() -> None:
    body = ('<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><item><title>政务公开</title>'
            '<link>http://www.example.gov.cn/zwgk/1.htm</link></item></channel></rss>').encode("gb18030")
    links = links_from_feed(body, "http://www.example.gov.cn/rss.xml", zone=SHANGHAI, now=NOW)
    assert summary(links) == [("http://www.example.gov.cn/zwgk/1.htm", "政务公开", None)]


def test_feed_listing_does_not_read_local_files_through_external_entities() -> None:
    links = links_from_feed((DATA / "xxe.xml").read_bytes(), "https://news.example.net/rss.xml",
                            zone=SHANGHAI, now=NOW)
    assert [link.url for link in links] == ["https://news.example.net/a/1.html"]
    assert "root:" not in links[0].title and "&secret;" not in links[0].title
    assert links[0].title == "Leak:"


def test_feed_listing_refuses_billion_laughs_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(DiscoverError) as caught:
        links_from_feed((DATA / "billion_laughs.xml").read_bytes(), "https://news.example.net/rss.xml",
                        zone=SHANGHAI, now=NOW)
    assert time.perf_counter() - started < 1.0
    assert "https://news.example.net/rss.xml" in str(caught.value)


def test_feed_listing_sitemap_index_names_newest_child() -> None:
    with pytest.raises(DiscoverError) as caught:
        links_from_feed((DATA / "sitemap_index.xml").read_bytes(), "https://www.example.com/sitemap.xml",
                        zone=SHANGHAI, now=NOW)
    assert "sitemap index of 3 sitemaps" in str(caught.value)
    assert "the newest is https://www.example.com/sitemap-2026-04.xml" in str(caught.value)


@pytest.mark.parametrize(("body", "message"), [
    pytest.param(b'{"items": []}', "is not XML", id="json"),
    pytest.param(b"", "is not XML", id="empty"),
    pytest.param(b"<!DOCTYPE html><html><body><p>hi</p></body></html>", "root element <html>", id="html page"),
    pytest.param(b"<opml version='2.0'><body/></opml>", "root element <opml>", id="unknown root"),
    pytest.param(b"<rss version='2.0'><channel><item><title>x</title></item></channel></rss>",
                 "1 entries, none with an http(s) URL", id="feed without links"),
])
def test_feed_listing_refuses_what_is_not_a_feed(body: bytes, message: str) -> None:
    with pytest.raises(DiscoverError) as caught:
        links_from_feed(body, "https://www.example.com/feed", zone=SHANGHAI, now=NOW)
    assert message in str(caught.value)


def test_feed_listing_stops_at_max_links() -> None:
    links = links_from_feed((DATA / "news_sitemap.xml").read_bytes(), "https://www.example.com.cn/s.xml",
                            zone=SHANGHAI, now=NOW, max_links=1)
    assert [link.url for link in links] == ["https://www.example.com.cn/tech/20260420/c3.html"]


# ---------------------------------------------------------------- next page

NEXT_PAGES = [
    pytest.param("page_xiayiye.html", "https://www.example.cn/news/guonei/list_2.html",
                 "https://www.example.cn/news/guonei/list_3.html", id="下一页 beside 上一页 and 尾页"),
    pytest.param("page_rel_next.html", "https://www.example.org/world?page=2",
                 "https://www.example.org/world?page=3", id="link rel=next in head"),
    pytest.param("page_trs_script.html", "http://www.example.gov.cn/zwgk/tzgg/index.html",
                 "http://www.example.gov.cn/zwgk/tzgg/index_1.html", id="TRS createPageHTML pager script"),
    pytest.param("page_trs_script_last.html", "http://www.example.gov.cn/zwgk/tzgg/index_11.html", None,
                 id="TRS pager on its last page"),
    pytest.param("page_numbered.html", "http://www.example.gov.cn/gzdt/index.html",
                 "http://www.example.gov.cn/gzdt/index_1.html", id="index.html then numbered index_1.html"),
    pytest.param("page_numbered.html", "http://www.example.gov.cn/gzdt/", "http://www.example.gov.cn/gzdt/index_1.html",
                 id="directory URL then index_1.html"),
    pytest.param("page_arrows.html", "https://blog.example.net/archive/page/2/",
                 "https://blog.example.net/archive/page/3/", id="lone arrow, not the last-page double arrow"),
    pytest.param("page_class_next.html", "https://corp.example.com/press?p=2", "https://corp.example.com/press?p=3",
                 id="class next on the list item"),
    pytest.param("page_no_next.html", "https://www.example.cn/news/list_5.html", None,
                 id="disabled, off-site, self and fragment links are not next"),
    pytest.param("gerapy-auto-extractor/list/hrfund_announcement.html", "http://www.hr-fund.com.cn/information_2.html",
                 "http://www.hr-fund.com.cn/information_3.html", id="corpus: hrfund 下一页 class next"),
    pytest.param("gne/html/list__netease_forum__1.html", "https://n.netease.com/forum-9-1.html",
                 "https://n.netease.com/forum-9-2.html", id="corpus: discuz forum, script link skipped"),
]


def read_listing_page(name: str) -> str:
    return read_page(name, DATA)


@pytest.mark.parametrize(("fixture", "page_url", "expected"), NEXT_PAGES)
def test_next_page_url_finds_the_pager_link(fixture: str, page_url: str, expected: str | None) -> None:
    assert next_page_url(read_listing_page(fixture), page_url) == expected


def test_next_page_url_reads_image_buttons() -> None:
    html = '<html><body><a href="list_2.html"><img src="next.gif" alt="下一页"></a></body></html>'
    assert next_page_url(html, "http://www.example.gov.cn/xw/list_1.html") == "http://www.example.gov.cn/xw/list_2.html"


@pytest.mark.parametrize(("pager", "page_url", "expected"), [
    pytest.param('<a href="?cat=5&page=1">1</a><a href="?cat=5&page=3">3</a>', "https://www.example.cn/list?page=2&cat=5",
                 "https://www.example.cn/list?cat=5&page=3", id="page parameter counts on"),
    pytest.param('<a href="list?cat=5&pageNo=2">2</a>', "https://www.example.cn/list?cat=5",
                 "https://www.example.cn/list?cat=5&pageNo=2", id="first page without parameter"),
    pytest.param('<a href="list?cat=6&page=2">2</a>', "https://www.example.cn/list?cat=5", None,
                 id="another category is not the next page"),
])
def test_next_page_url_follows_numbered_query_pagers(pager: str, page_url: str, expected: str | None) -> None:
    html = f'<html><body><ul><li><a href="/a/1.html">条目</a></li></ul><div class="pages">{pager}</div></body></html>'
    assert next_page_url(html, page_url) == expected


def test_next_page_url_ignores_numbered_menu_links() -> None:
    """index_1.html reached from a menu entry named like a section is not a pager link."""
    html = '<html><body><div class="nav"><a href="index_1.html">工作动态（旧版入口）</a></div></body></html>'
    assert next_page_url(html, "http://www.example.gov.cn/gzdt/index.html") is None


def test_next_page_url_on_a_page_without_pager_is_none() -> None:
    page = (DATA / "page_rel_next.html").read_text(encoding="utf-8")
    html = page.replace('<link rel="next" href="/world?page=3">', "")
    assert html != page
    assert next_page_url(html, "https://www.example.org/world?page=2") is None


# ---------------------------------------------------------------- through a loopback server

class _Portal(BaseHTTPRequestHandler):
    """Three listing pages chained by 下一页, then a JSON endpoint and a feed."""

    def do_GET(self) -> None:
        pages = {
            "/list/index.html": _pager_page(1, "index_1.html"),
            "/list/index_1.html": _pager_page(2, "index_2.html"),
            "/list/index_2.html": _pager_page(3, None),
            "/ds_politics.json": (DATA / "ds_politics.json").read_bytes(),
            "/rss.xml": (DATA / "rss2.xml").read_bytes(),
        }
        body = pages.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: object) -> None:
        return


def _pager_page(number: int, following: str | None) -> bytes:
    pager = f'<a href="{following}">下一页</a>' if following else "<span>下一页</span>"
    return (f'<html><body><ul><li><a href="/a/{number}.html">第{number}页的文章</a></li></ul>'
            f'<div class="page"><a href="index.html">首页</a>{pager}</div></body></html>').encode()


@pytest.fixture()
def portal() -> Iterator[str]:
    with serving(_Portal) as base:
        yield base


def test_listings_through_loopback_server_follow_pages_and_read_json_and_feed(portal: str) -> None:
    visited: list[str] = []
    url: str | None = f"{portal}/list/index.html"
    while url is not None and len(visited) < 10:
        visited.append(url)
        with urlopen(url, timeout=5) as response:
            url = next_page_url(response.read().decode("utf-8"), url)
    assert visited == [f"{portal}/list/index.html", f"{portal}/list/index_1.html", f"{portal}/list/index_2.html"]

    with urlopen(f"{portal}/ds_politics.json", timeout=5) as response:
        json_links = links_from_json(response.read().decode("utf-8"), f"{portal}/ds_politics.json", NEWS_CN,
                                     zone=SHANGHAI, now=NOW)
    assert len(json_links) == 3
    with urlopen(f"{portal}/rss.xml", timeout=5) as response:
        feed_links = links_from_feed(response.read(), f"{portal}/rss.xml", zone=SHANGHAI, now=NOW)
    assert feed_links[1].url == f"{portal}/2026-04/20/c_1130002.htm"


# ---------------------------------------------------------------- properties

_XML_BITS = st.sampled_from(["<rss>", "<channel>", "<item>", "<link>", "https://a.example.com/x", "</link>",
                             "<title>", "标题", "&", "&nbsp;", "&amp;", "<![CDATA[", "]]>", "</item>", "<urlset>",
                             "<url><loc>", "</loc>", "<?xml version='1.0' encoding='gb2312'?>", "\x00", "\ufeff",
                             "<!DOCTYPE x [<!ENTITY e 'v'>]>", "&e;", "<feed xmlns='http://www.w3.org/2005/Atom'>"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_XML_BITS, max_size=25).map("".join), st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_feed_listing_on_arbitrary_xml_returns_http_links_or_a_discover_error(text: str, encoding: str) -> None:
    try:
        links = links_from_feed(text.encode(encoding, "replace"), "https://a.example.com/rss", zone=SHANGHAI, now=NOW)
    except DiscoverError:
        return
    assert links and all(link.url.startswith(("http://", "https://")) for link in links)


_JSON_LEAVES = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
                | st.sampled_from(["https://a.example.com/x", "/y.html", "2026-04-20 10:00", "javascript:;"]))
_JSON_KEYS = st.sampled_from(["url", "title", "d", "0"])


@settings(max_examples=150, deadline=None)
@given(st.recursive(_JSON_LEAVES, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(_JSON_KEYS, inner, max_size=4), max_leaves=20))
def test_json_listing_on_arbitrary_json_returns_http_links_or_a_discover_error(data: object) -> None:
    spec = ListingSpec(kind="json", url="https://a.example.com/api", items="0", time="d")
    try:
        links = links_from_json(json.dumps(data), spec.url, spec, zone=SHANGHAI, now=NOW)
    except DiscoverError:
        return
    assert links and all(link.url.startswith(("http://", "https://")) for link in links)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(['<a href="', '">', "</a>", "index_1.html", "list_2.html", "下一页", "»", "2",
                                 "https://other.example.org/p2", "/p?page=2", 'rel="next" ', 'class="next"',
                                 "<link ", ">", "<li class='next'>", "javascript:;", "#", "index.html"]),
                max_size=20).map("".join))
def test_next_page_url_is_same_site_and_never_the_current_page(fragment: str) -> None:
    page = "https://www.example.cn/news/index.html"
    try:
        found = next_page_url(f"<html><body>{fragment}</body></html>", page)
    except DiscoverError:
        return
    assert found is None or (found.startswith("https://www.example.cn/") and found != page
                             and found != "https://www.example.cn/news/")
