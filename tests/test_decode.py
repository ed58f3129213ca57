"""Bytes to text: declared, lying and missing charsets on real GB pages; binary and mojibake refused."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import pytest

from feedd.decode import decode_html, decode_page
from feedd.errors import DecodeError
from tests.pages import CORPUS

CWCED = CORPUS / "chinese-web-content-extraction-dataset"


def _records() -> list[dict[str, str]]:
    records: list[dict[str, str]] = json.loads((CWCED / "ground_truth.json").read_text(encoding="utf-8"))
    return records


def _gb_records() -> list[dict[str, str]]:
    return [record for record in _records() if record["encoding"] in ("gb2312", "gbk", "gb18030")]


def _first_content_words(record: dict[str, str]) -> str:
    """The longest run of Chinese characters in the labelled body's opening: markup cannot split it."""
    runs: list[str] = re.findall(r"[\u4e00-\u9fff]+", record["content"][:600])
    return max(runs, key=len)[:12]


@pytest.mark.parametrize("record", _gb_records(), ids=lambda record: record["file"][5:13])
def test_decode_reads_gb_family_pages_from_their_own_declaration(record: dict[str, str]) -> None:
    body = (CWCED / record["file"]).read_bytes()
    text = decode_html(body, "text/html")
    assert _first_content_words(record) in "".join(text.split())
    assert "\ufffd" not in text


def test_decode_catches_a_utf8_header_lying_about_gbk_bytes() -> None:
    record = _gb_records()[0]
    body = (CWCED / record["file"]).read_bytes()
    text = decode_html(body, "text/html; charset=utf-8")
    assert _first_content_words(record) in "".join(text.split())


def test_decode_reads_gbk_bytes_without_any_declaration() -> None:
    record = _gb_records()[1]
    text = (CWCED / record["file"]).read_bytes().decode("gb18030")
    undeclared = text.replace("charset=gb2312", "").replace("charset=gbk", "").replace('encoding="gb2312"', "")
    decoded = decode_html(undeclared.encode("gb18030"), None)
    assert _first_content_words(record) in "".join(decoded.split())


def test_decode_reads_gb2312_label_as_gb18030_for_characters_outside_gb2312() -> None:
    # 镕 is in GBK but not in GB2312: portals labelled gb2312 use it all the time.
    body = '<html><head><meta charset="gb2312"></head><body>朱镕基在北京考察</body></html>'.encode("gb18030")
    assert "朱镕基" in decode_html(body, None)


def test_decode_honours_a_utf8_bom_over_a_wrong_header() -> None:
    body = codecs.BOM_UTF8 + "<p>新华社北京电</p>".encode()
    assert "新华社北京电" in decode_html(body, "text/html; charset=gbk")


def test_decode_reads_utf16_with_bom() -> None:
    body = "<p>人民网</p>".encode("utf-16")
    assert "人民网" in decode_html(body, None)


def test_decode_reads_meta_http_equiv_charset() -> None:
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"></head>'
    body = (page + "<body>聯合報記者報導</body></html>").encode("big5")
    assert "聯合報記者報導" in decode_html(body, None)


def test_decode_prefers_page_meta_over_a_default_latin1_header() -> None:
    body = '<meta charset="gbk"><p>中国新闻网消息</p>'.encode("gbk")
    assert "中国新闻网消息" in decode_html(body, "text/html; charset=ISO-8859-1")


@pytest.mark.parametrize("body", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    b"%PDF-1.7\n" + bytes(range(256)) * 4,
    b"\x00\x01\x02\x03" * 500,
])
def test_decode_refuses_binary_data(body: bytes) -> None:
    with pytest.raises(DecodeError, match="binary"):
        decode_html(body, "text/html")


def _double_encoded(wrong: str) -> bytes:
    """A real page's text saved as UTF-8, read back in `wrong`, and saved as UTF-8 again."""
    record = _gb_records()[0]
    text = (CWCED / record["file"]).read_bytes().decode("gb18030")
    return text.encode("utf-8").decode(wrong, errors="replace").encode("utf-8")


@pytest.mark.parametrize("wrong", ["latin-1", "gb18030"])
def test_decode_refuses_double_encoded_mojibake(wrong: str) -> None:
    with pytest.raises(DecodeError, match="double-encoded"):
        decode_html(_double_encoded(wrong), "text/html; charset=utf-8")


def test_decode_finds_mojibake_behind_a_long_plain_ascii_head() -> None:
    # The sample skips all-ASCII stretches; runs after 40 KB of script, split over chunk edges, still count.
    head = ("<script>" + "var a = 1;" * 4000 + "</script>").encode()
    with pytest.raises(DecodeError, match="double-encoded"):
        decode_html(head + _double_encoded("latin-1"), "text/html; charset=utf-8")


def test_decode_tolerates_a_few_bad_bytes_in_a_declared_gb_page() -> None:
    # The corpus page b70f455d is GB2312 with 12 stray bytes: readable, not mojibake.
    body = (CWCED / "html" / "b70f455d-50d6-4c8c-a450-07d8e5ca2e06.html").read_bytes()
    text = decode_html(body, None)
    assert "有道是历史始于5000年前文字的发明" in "".join(text.split())


def test_decode_keeps_genuine_accented_text() -> None:
    body = "<p>Große Straße, café, naïve résumé — Zürich</p>".encode()
    assert "Große Straße" in decode_html(body, "text/html; charset=utf-8")


def test_decode_returns_empty_text_for_empty_body() -> None:
    assert decode_html(b"", None) == ""


def test_decode_page_keeps_the_bytes_only_when_they_are_the_text_in_utf8() -> None:
    chinese = "<html><head><meta charset='{}'></head><body><p>国务院召开常务会议，部署改革。</p></body></html>"
    as_utf8 = chinese.format("utf-8").encode("utf-8")
    page = decode_page(as_utf8, "text/html; charset=utf-8")
    assert page.utf8 is as_utf8 and page.utf8 == page.text.encode("utf-8")
    assert decode_page(chinese.format("gbk").encode("gbk"), None).utf8 is None
    assert decode_page(codecs.BOM_UTF8 + as_utf8, None).utf8 is None  # the text has no BOM; the bytes do


def test_extract_reads_the_same_article_from_the_kept_bytes(corpus_dir: Path) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from feedd.extract import extract_article

    now = datetime(2026, 12, 1, tzinfo=UTC)
    pages = sorted((corpus_dir / "gne" / "html").glob("*.html"))[:6] + sorted(
        (corpus_dir / "fundus" / "html").glob("*.html"))[:6]
    kept = 0
    for path in pages:
        page = decode_page(path.read_bytes(), None)
        kept += page.utf8 is not None
        by_text = extract_article(page.text, "https://example.cn/a.html", zone=ZoneInfo("Asia/Shanghai"), now=now)
        by_bytes = extract_article(page.text, "https://example.cn/a.html", zone=ZoneInfo("Asia/Shanghai"), now=now,
                                   utf8=page.utf8)
        assert by_bytes == by_text, path
    assert kept >= 6
