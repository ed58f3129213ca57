"""Sections whose links come from a JSON endpoint, a feed, a sitemap, or several listing pages,
polled end to end with `feedd once` against a portal on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from feedd.cli import main

ARTICLE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}_测试网</title></head>
<body><div class="nav"><a href="/">首页</a><a href="/a/">时政</a></div>
<h1>{title}</h1><div class="info">2026-04-{day:02d} 09:30:00 来源：新华社</div>
<div id="detail"><p>{title}。这是第{n}篇文章的正文，记者从有关部门获悉，相关工作正在有序推进之中。</p>
<p>第二段正文内容较长，用于让正文抽取有足够的文字可以判断，这里说明了事情的来龙去脉和各方的反应。</p></div>
<div class="editor">责任编辑：王五</div></body></html>"""


def article_path(n: int) -> str:
    return f"/a/2026-04/{n:02d}/c_11300000{n:02d}.htm"


def title_of(n: int) -> str:
    return f"第{n}号测试新闻标题关于政策发布"


def listing_page(numbers: range, next_path: str | None) -> str:
    items = "".join(f'<li><a href="{article_path(n)}">{title_of(n)}</a><span>2026-04-{n:02d}</span></li>'
                    for n in numbers)
    pager = f'<div class="page"><a href="{next_path}">下一页</a></div>' if next_path else ""
    nav = "".join(f'<a href="/c{i}/">频道{i}</a>' for i in range(20))
    return (f'<html><head><meta charset="utf-8"></head><body><div class="nav">{nav}</div>'
            f'<ul class="list">{items}</ul>{pager}'
            '<div class="footer"><a href="/about">关于我们</a></div></body></html>')


def routes() -> dict[str, tuple[str, bytes]]:
    table: dict[str, tuple[str, bytes]] = {}
    for n in range(1, 13):
        table[article_path(n)] = ("text/html", ARTICLE.format(title=title_of(n), day=n, n=n).encode("gb18030"))
    data = {"code": 0, "data": {"list": [
        {"publishUrl": article_path(n), "title": title_of(n), "publishTime": f"2026-04-{n:02d} 08:00:00"}
        for n in (1, 2, 3)]}}
    table["/ds_1.json"] = ("application/json", json.dumps(data, ensure_ascii=False).encode("utf-8"))
    rss_items = "".join(f"<item><title>{title_of(n)}</title><link>http://HOST{article_path(n)}</link></item>"
                        for n in (4, 5))
    table["/rss.xml"] = ("application/rss+xml",
                         f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
                         f"{rss_items}</channel></rss>".encode())
    urls = "".join(f"<url><loc>http://HOST{article_path(n)}</loc><lastmod>2026-04-{n:02d}</lastmod></url>"
                   for n in (6, 7))
    table["/sitemap.xml"] = ("application/xml",
                             f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                             f"{urls}</urlset>".encode())
    table["/list/index.html"] = ("text/html", listing_page(range(8, 10), "/list/index_1.html").encode())
    table["/list/index_1.html"] = ("text/html", listing_page(range(10, 12), "/list/index_2.html").encode())
    table["/list/index_2.html"] = ("text/html", listing_page(range(12, 13), None).encode())
    return table


class Handler(BaseHTTPRequestHandler):
    table: dict[str, tuple[str, bytes]] = {}  # noqa: RUF012 - set once before serving
    seen: list[str] = []  # noqa: RUF012

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        Handler.seen.append(self.path)
        found = Handler.table.get(self.path)
        if found is None:
            self.send_error(404)
            return
        kind, body = found
        body = body.replace(b"HOST", self.headers["Host"].encode())
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def origin() -> Iterator[str]:
    Handler.table = routes()
    Handler.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def write_config(tmp_path: Path, origin: str) -> Path:
    config = f"""\
output_dir: ./public
state_path: ./state.sqlite3
base_url: http://localhost:8080/
allow_private_networks: true
host_gap: 0
defaults: {{interval: 15m, timezone: Asia/Shanghai}}
sources:
  - id: t
    name: 测试网
    sections:
      - id: json
        url: {origin}/a/
        listing: {{type: json, url: "{origin}/ds_1.json", items: data.list, link: publishUrl, time: publishTime}}
      - id: rss
        url: {origin}/a/
        listing: {{type: feed, url: "{origin}/rss.xml"}}
      - id: sitemap
        url: {origin}/a/
        listing: {{type: sitemap, url: "{origin}/sitemap.xml"}}
      - id: paged
        url: {origin}/list/index.html
        links: "ul.list li a"
        pages: 3
"""
    path = tmp_path / "feedd.yaml"
    path.write_text(config, encoding="utf-8")
    return path


def titles(path: Path) -> list[str]:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    return [entry.title for entry in parsed.entries]


def test_listings_from_json_feed_sitemap_and_pages(tmp_path: Path, origin: str) -> None:
    config = write_config(tmp_path, origin)
    assert main(["once", "--config", str(config)]) == 0
    public = tmp_path / "public" / "t"
    assert titles(public / "json.xml") == [title_of(n) for n in (3, 2, 1)]
    assert titles(public / "rss.atom") == [title_of(n) for n in (5, 4)]
    assert titles(public / "sitemap.xml") == [title_of(n) for n in (7, 6)]
    assert titles(public / "paged.xml") == [title_of(n) for n in (12, 11, 10, 9, 8)]
    first = feedparser.parse((public / "json.atom").read_bytes()).entries[-1]
    assert first.published == "2026-04-01T09:30:00+08:00"
    # Later polls read the first listing page only.
    Handler.seen.clear()
    assert main(["once", "--config", str(config)]) == 0
    assert "/list/index_1.html" not in Handler.seen
    assert not [p for p in Handler.seen if p.startswith("/a/")], "an article was fetched twice"


def test_a_broken_json_mapping_fails_only_its_section(tmp_path: Path, origin: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, origin)
    config.write_text(config.read_text(encoding="utf-8").replace("items: data.list", "items: data.items"),
                      encoding="utf-8")
    assert main(["once", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "t/json: FAILED" in out and "data.items" in out
    assert titles(tmp_path / "public" / "t" / "rss.xml") == [title_of(n) for n in (5, 4)]
