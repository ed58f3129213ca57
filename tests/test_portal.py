"""The test portal itself, so the replay test cannot silently run against a portal that serves wrong things."""

from __future__ import annotations

import html
import json
from itertools import pairwise
from pathlib import Path
from urllib.parse import urljoin

import lxml.html
import requests
from protego import Protego

from tests.portal.pages import LINK_SELECTORS, ROUNDS, STYLES
from tests.portal.server import Portal


def _get(portal: Portal, path: str, **headers: str) -> requests.Response:
    return requests.get(portal.url(path), headers=headers, timeout=5)


def _main_list_urls(portal: Portal, section: str) -> list[str]:
    response = _get(portal, f"/{section}/")
    # lxml would trust the <meta> gb2312 and stop at the first GBK-only character: decode first.
    document = lxml.html.fromstring(response.content.decode(STYLES[section].encoding))
    return [urljoin(response.url, a.get("href")) for a in document.cssselect(LINK_SELECTORS[section])]


def test_portal_answers_304_to_its_own_etag_until_the_list_grows(portal: Portal) -> None:
    first = _get(portal, "/politics/")
    again = _get(portal, "/politics/", **{"If-None-Match": first.headers["ETag"]})
    portal.advance()
    grown = _get(portal, "/politics/", **{"If-None-Match": first.headers["ETag"]})

    assert first.status_code == 200
    assert again.status_code == 304 and again.content == b""
    assert grown.status_code == 200 and grown.headers["ETag"] != first.headers["ETag"]


def test_portal_answers_304_to_if_modified_since_when_unchanged(portal: Portal) -> None:
    first = _get(portal, "/world/")
    unchanged = _get(portal, "/world/", **{"If-Modified-Since": first.headers["Last-Modified"]})
    portal.advance()
    changed = _get(portal, "/world/", **{"If-Modified-Since": first.headers["Last-Modified"]})

    assert unchanged.status_code == 304
    assert changed.status_code == 200


def test_portal_last_round_changes_nothing(portal: Portal) -> None:
    for _ in range(ROUNDS - 2):
        portal.advance()
    before = {s: _get(portal, f"/{s}/").content for s in STYLES}
    portal.advance()
    after = {s: _get(portal, f"/{s}/").content for s in STYLES}

    assert before == after


def test_portal_lists_grow_at_the_top_newest_first(portal: Portal) -> None:
    seen: list[list[str]] = []
    for round_ in range(1, ROUNDS + 1):
        if round_ > 1:
            portal.advance()
        seen.append([a.path for a in portal.listed("politics")])

    times = [a.published for a in portal.listed("politics")]
    assert times == sorted(times, reverse=True)
    assert [len(s) for s in seen] == [5, 7, 9, 9]
    for earlier, later in pairwise(seen):
        assert later[len(later) - len(earlier):] == earlier


def test_portal_link_selectors_pick_exactly_the_main_list(portal: Portal) -> None:
    for section in STYLES:
        expected = [portal.url(a.path) for a in portal.listed(section)]
        if section == "politics":
            expected.append(portal.url(portal.catalogue.disallowed.path))

        assert _main_list_urls(portal, section) == expected


def test_portal_listings_link_to_portal_articles_outside_the_main_list(portal: Portal) -> None:
    response = _get(portal, "/politics/")
    document = lxml.html.fromstring(response.content)
    side = [urljoin(response.url, a.get("href")) for a in document.cssselect("div.side li a")]
    main = set(_main_list_urls(portal, "politics"))

    assert len(side) >= 5 and not main & set(side)
    assert all(requests.get(url, timeout=5).status_code == 200 for url in side)


def test_portal_serves_world_listing_in_gb18030_with_charset_only_in_meta(portal: Portal) -> None:
    response = _get(portal, "/world/")

    assert response.headers["Content-Type"] == "text/html"
    assert b'charset=gb2312"' in response.content
    text = html.unescape(response.content.decode("gb18030"))
    assert all(a.title in text for a in portal.listed("world"))
    assert not _is_utf8(response.content)


def test_portal_serves_fortune_listing_with_no_charset_anywhere(portal: Portal) -> None:
    response = _get(portal, "/fortune/")

    assert response.headers["Content-Type"] == "text/html"
    assert b"charset" not in response.content.lower()
    text = html.unescape(response.content.decode("utf-8"))
    assert all(a.title in text for a in portal.listed("fortune"))


def test_portal_serves_gb_articles_byte_for_byte_without_header_charset(portal: Portal, corpus_dir: Path) -> None:
    gb_articles = [a for a in portal.catalogue.listed if a.encoding.startswith("gb")]
    utf8_articles = [a for a in portal.catalogue.listed if a.encoding == "utf-8"]

    assert len(gb_articles) >= 4 and utf8_articles
    for article in gb_articles:
        response = _get(portal, article.path)
        assert response.headers["Content-Type"] == "text/html"
        assert response.content == article.file.read_bytes()
        assert article.title[:6] in response.content.decode("gb18030")
        assert corpus_dir in article.file.parents
    for article in utf8_articles:
        assert _get(portal, article.path).headers["Content-Type"] == "text/html; charset=utf-8"


def test_portal_robots_txt_disallows_a_path_the_politics_listing_links_to(portal: Portal) -> None:
    robots = Protego.parse(_get(portal, "/robots.txt").text)
    disallowed = portal.url(portal.catalogue.disallowed.path)

    assert disallowed in _main_list_urls(portal, "politics")
    assert not robots.can_fetch(disallowed, "feedd/0.1")
    assert all(robots.can_fetch(portal.url(a.path), "feedd/0.1") for a in portal.catalogue.listed)


def test_portal_flaky_article_fails_once_with_retry_after_zero(portal: Portal) -> None:
    path = portal.catalogue.flaky.path
    first, second = _get(portal, path), _get(portal, path)

    assert (first.status_code, first.headers["Retry-After"]) == (503, "0")
    assert second.status_code == 200


def test_portal_logs_user_agent_conditional_headers_and_status(portal: Portal) -> None:
    _get(portal, "/politics/", **{"User-Agent": "feedd-test", "If-None-Match": '"nope"'})
    _get(portal, "/nowhere/")
    portal.take_down("/world/")
    _get(portal, "/world/")

    logged = portal.requests(1)
    assert [(r.path, r.status) for r in logged] == [("/politics/", 200), ("/nowhere/", 404), ("/world/", 404)]
    assert logged[0].header("user-agent") == "feedd-test" and logged[0].conditional
    assert not logged[1].conditional


def test_portal_expected_values_come_from_hand_labels(portal: Portal, corpus_dir: Path) -> None:
    labels = json.loads((corpus_dir / "zh_annotations.json").read_text(encoding="utf-8"))
    by_file = {(corpus_dir / r["corpus"] / r["file"]): r for r in labels}

    for article in portal.catalogue.listed:
        label = by_file[article.file]
        assert article.title == label["title"]
        assert article.published.strftime("%Y-%m-%d %H:%M") == label["published"][:16]
        assert article.published.utcoffset() is not None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
