"""Published time of article pages: split datelines, counters beside dates, update labels, the
publisher's own offset when no zone is configured, and local times written with a UTC label."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from feedd.decode import decode_html
from feedd.extract import extract_article
from feedd.extract_time import date_in_url
from tests.pages import CORPUS

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 21, 9, 0, tzinfo=UTC)
BODY = "<p>" + "这是一段足够长的正文，用来让正文识别找到文章主体。" * 12 + "</p>"


def _page(head: str, byline: str, body: str = BODY) -> str:
    return (f"<html><head><title>市政府召开专题会议部署防汛工作_新闻中心</title>{head}</head><body>"
            f"<div class='nav'>首页 | 新闻</div><h1>市政府召开专题会议部署防汛工作</h1>{byline}"
            f"<div class='content'>{body}</div></body></html>")


DATELINES = [
    # a date printed as a run of tiny elements
    ("", "<div><span>2019</span><div>09</div><div>/</div><div>07</div><div>19</div><div>:</div>"
         "<div>02</div></div>", "2019-09-07T19:02:00+08:00"),
    # a counter after the date does not make the line a decoy
    ("", "<div>来源: | 发布时间: 2018-05-17 | 浏览次数: 2168</div>", "2018-05-17"),
    ("", "<div>时间：2019年10月31日 23:00 浏览：</div>", "2019-10-31T23:00:00+08:00"),
    # ... but one before it does, as does an update label the line gives its date
    ("", "<div>浏览次数: 2168 2018-05-17</div><div>发布时间：2018-05-16</div>", "2018-05-16"),
    ("", "<div>最后更新：2018-05-19</div><div>发布时间：2018-05-16</div>", "2018-05-16"),
    ("", "<div>发布时间：2018-05-16 最后更新：2018-05-19</div>", "2018-05-16"),
    # a caption's date first, the byline's date with its time a few lines on
    ("", "<p>市长在会上讲话，2018年5月16日摄。</p><p>作者</p><a href='/a'>张三</a>"
         "<time>2018-05-16 16:01</time>", "2018-05-16T16:01:00+08:00"),
    # a two-digit year after a label and the time in the next element
    ("", "<div><span>发布时间：18-03-08</span><span>23:16</span></div>", "2018-03-08T23:16:00+08:00"),
    # a shown day whose element carries the full time in an attribute (itself or its parent)
    ("", "<div datetime='2016-10-13 17:00:00 -0400'>Oct 13, 2016</div>", "2016-10-13T17:00:00-04:00"),
    ("", "<span itemprop='datePublished' content='2018-10-29T10:15-500'>October 29, 2018</span>",
     "2018-10-29T10:15:00-05:00"),
    ("", "<time data-published='2016-12-09 09:13:00Z'>Dec 9, 2016</time>", "2016-12-09T17:13:00+08:00"),
    # ... but a midnight stamp is a day stored as a datetime
    ("", "<span datetime='2024-11-29T00:00:00+01:00'>29.11.2024</span>", "2024-11-29"),
    # a photo caption dates the photo, not the article
    ("", "<figure><figcaption>市长在会上讲话，2018年5月15日摄。</figcaption></figure><p>发布时间：2018-05-16</p>",
     "2018-05-16"),
    # publication and update labels in other languages
    ("", "<p>Letzte Änderung: 31.10.2023 - 14:49:39</p><p>Erschienen am: 01.11.2023</p>", "2023-11-01"),
    ("", "<i>Article mis à jour le 7 janvier 2020.</i><p>Publié le 30 septembre 2018</p>", "2018-09-30"),
    # a labelled dateline ending with its weekday is no "today" widget
    ("", "<div>2026年04月21日 星期二</div><div>发布时间：2026-04-20 16:44 星期一</div>", "2026-04-20T16:44:00+08:00"),
    # a year-less day with a slash, its time beside it, right below the headline
    ("", "<div>04/20 16:44</div>", "2026-04-20T16:44:00+08:00"),
    ("", "<p>수정 2025-06-04 10:00:00 입력 2025-06-03 22:37:08</p>", "2025-06-03T22:37:08+08:00"),
    ("", "<p>Последнее обновление: 04.06.2025 10:00 Опубликовано: 03.06.2025 22:37</p>", "2025-06-03T22:37:00+08:00"),
    ("", "<p>Güncelleme: 04.06.2025 10:00 Yayınlanma: 03.06.2025 22:37</p>", "2025-06-03T22:37:00+08:00"),
    # a date right after a bare update label is the update, whatever element holds it
    ('<meta property="article:published_time" content="2023-11-02T13:43:27Z">',
     "<div><span>Actualizado </span><time datetime='2023-11-02T14:05:26Z'>Jueves, 2 noviembre 2023 - <span>15:05</span>"
     "</time></div>", "2023-11-02T21:43:27+08:00"),
    ("", "<div>PUBLISHED: <time>April 24, 2020 at 9:06 a.m.</time> | UPDATED: <time>April 24, 2020 at 9:26 a.m.</time>"
         "</div>", "2020-04-24T09:06:00+08:00"),
    # the clock before the date, as US sites and English editions of Chinese portals print it
    ("", "<div>(<a href='/'>People's Daily Online</a>) <span>11:35, November 23, 2022</span></div>",
     "2022-11-23T11:35:00+08:00"),
    # an update label and its date first, the publication label later in the same line
    ("", "<p>Updated: 6 March 2019 10:00 | Published: 5 March 2019 09:00</p>", "2019-03-05T09:00:00+08:00"),
    ("", "<p>Aktualisiert am 06.03.2019, 10:00 Uhr | Erstellt am 05.03.2019, 09:00 Uhr</p>",
     "2019-03-05T09:00:00+08:00"),
    ("", "<div>最后更新时间：2020-01-05 10:00 发布时间：2020-01-02 09:00</div>", "2020-01-02T09:00:00+08:00"),
    # a bare update label after the line's own date: that date is the publication
    ("", "<div>on December 27, 2014 at 12:06 PM, updated</div><span>December 27, 2014 at 12:10 PM</span>",
     "2014-12-27T12:06:00+08:00"),
    # a label alone in its element, the date in the next: <dt>配信開始日</dt><dd>2019/3/5</dd>
    ("", "<dl><dt>ページ数</dt><dd>258</dd><dt>配信開始日</dt><dd>2019/3/5</dd></dl>", "2019-03-05"),
    # recommended articles' dates are decoys
    ("", "<div>最新推荐文章于 2024-05-07 22:12:13 发布</div><span>于 2024-05-06 15:47:53 发布</span>",
     "2024-05-06T15:47:53+08:00"),
]


@pytest.mark.parametrize(("head", "byline", "expected"), DATELINES)
def test_extract_time_reads_the_dateline_below_the_headline(head: str, byline: str, expected: str) -> None:
    article = extract_article(_page(head, byline), "https://www.example.cn/a/1.html", zone=SHANGHAI, now=NOW)
    assert article.published is not None
    assert article.published.isoformat() == expected


ZONES = [
    # UTC meta, the same instant in the publisher's offset in a script: the publisher's wins
    ('<meta property="article:published_time" content="2023-11-09T03:28:35+00:00">'
     '<script>var page = {"publish": "2023-11-08T22:28:35-05:00"};</script>', "",
     "2023-11-08T22:28:35-05:00"),
    # a local wall clock written with a UTC label, the page printing it with its zone
    ('<meta property="article:published_time" content="2022-10-17T16:01:26Z">', "<p>10/17/2022 04:01 PM EDT</p>",
     "2022-10-17T16:01:00-04:00"),
    # a naive machine time (read as UTC) and the visible time with its zone
    ('<meta name="pubdate" content="2022-10-17 16:01:26">', "<p>10/17/2022 04:01 PM EDT</p>",
     "2022-10-17T16:01:00-04:00"),
    # nothing says where the publisher is: the UTC reading stays
    ('<meta property="article:published_time" content="2023-11-09T03:28:35+00:00">', "",
     "2023-11-09T03:28:35+00:00"),
]


@pytest.mark.parametrize(("head", "byline", "expected"), ZONES)
def test_extract_time_uses_the_publishers_offset_when_no_zone_is_configured(head: str, byline: str,
                                                                            expected: str) -> None:
    article = extract_article(_page(head, byline), "https://www.example.com/a/1.html", zone=UTC, now=NOW)
    assert article.published is not None
    assert article.published.isoformat() == expected


def test_extract_time_reads_a_local_time_labelled_utc_in_the_configured_zone() -> None:
    head = '<meta property="article:published_time" content="2019-04-19T20:00:00.000Z">'
    article = extract_article(_page(head, "<time>2019.04.19 20:00</time>"), "https://www.example.jp/a/1.html",
                              zone=ZoneInfo("Asia/Tokyo"), now=NOW)
    assert article.published is not None
    assert article.published.isoformat() == "2019-04-19T20:00:00+09:00"


@pytest.mark.parametrize(("corpus_file", "zone", "expected_prefix"), [
    ("gne/html/detail__qq__qq.html", "Asia/Shanghai", "2019-09-07T19:02"),
    ("gne/html/detail__sxmu__1.html", "Asia/Shanghai", "2018-05-17"),
    ("adbar-htmldate-trafilatura/html/nypost.com-GOP.html", "UTC", "2023-11-08T22:28"),
])
def test_extract_time_on_real_pages(corpus_file: str, zone: str, expected_prefix: str) -> None:
    html = decode_html((CORPUS / corpus_file).read_bytes(), None)
    article = extract_article(html, "http://example.invalid/article", zone=ZoneInfo(zone), now=NOW)
    assert article.published is not None
    assert article.published.isoformat().startswith(expected_prefix)


@pytest.mark.parametrize(("url", "expected"), [
    ("http://www.news.cn/politics/2026-04/20/c_1131234567.htm", "2026-04-20"),
    ("http://politics.people.com.cn/n1/2026/0420/c1001-40000000.html", "2026-04-20"),
    ("https://www.chinanews.com.cn/gn/2026/04-20/10234567.shtml", "2026-04-20"),
    ("https://news.example.com.cn/c/20260420/doc-abc.shtml", "2026-04-20"),
    ("https://www.example.com.cn/a/202604/20/WS6623.html", "2026-04-20"),
    ("http://www.example.gov.cn/xinwen/t20260420_123456.html", "2026-04-20"),
    ("https://example.com/news/2023/apr/28/governor-endorses/", "2023-04-28"),
    ("https://example.com/2019/05/", None),
    ("https://example.com/item/12345678.html", None),
])
def test_extract_time_reads_dates_in_article_urls(url: str, expected: str | None) -> None:
    found = date_in_url(url, SHANGHAI, NOW)
    assert (found.isoformat() if found is not None else None) == expected


def test_extract_time_gives_a_yearless_dateline_the_year_of_a_same_day_stamp() -> None:
    head = '<meta itemprop="dateUpdate" content="2020-01-14 17:58:59">'
    byline = "<div><span>发布时间：01-14</span><span>17:58</span></div>"
    article = extract_article(_page(head, byline), "https://www.example.cn/a/1.html", zone=SHANGHAI, now=NOW)
    assert article.published is not None
    assert article.published.isoformat() == "2020-01-14T17:58:00+08:00"


def test_extract_time_reads_a_short_date_line_right_above_the_headline() -> None:
    page = ("<html><head><title>Precio del petróleo cae</title></head><body><a href='/f'>Finanzas</a>"
            "<p class='published-date'>/ martes 17 de marzo de 2020</p><h1>Precio del petróleo cae</h1>"
            "<p>" + "El barril de petróleo de exportación se desplomó este martes. " * 10 + "</p></body></html>")
    article = extract_article(page, "https://www.example.mx/finanzas/precio", zone=UTC, now=NOW)
    assert article.published is not None
    assert article.published.isoformat() == "2020-03-17"


@pytest.mark.parametrize(("lines", "expected"), [
    ("<span class='right'>2003-5-29 09:07</span>", "2003-05-29T09:07:00+08:00"),
    ("<a href='/x'>2003-5-29 09:07</a>", None),                # a linked date is another page's
    ("<span>2003年5月29日 星期四 09:07</span>", None),          # a today widget
    ("<span>2003-5-29</span>", None),                          # a day alone could be anything
])
def test_extract_time_last_resort_is_a_line_holding_only_a_date_and_time(lines: str, expected: str | None) -> None:
    filler = "".join(f"<span>栏目{index}</span>" for index in range(30))
    page = (f"<html><head><title>显示</title></head><body><div>{lines}</div><div>{filler}</div>"
            f"<div class='content'>{BODY}</div></body></html>")
    article = extract_article(page, "http://example.invalid/article", zone=SHANGHAI, now=NOW)
    assert (article.published.isoformat() if article.published is not None else None) == expected


WITNESSES = [
    # a stale JSON-LD time outvoted by the meta tag and the <time> element that agree
    ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2020-09-29T22:40:00-07:00"}'
     '</script><meta name="datePublished" content="2020-09-30T02:00:07-07:00">',
     "<time datetime='2020-09-30T02:00:07-07:00'>Sep 30, 2020</time>", "2020-09-30T02:00:07-07:00"),
    # ... or by the meta tag and the visible dateline
    ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2022-01-04T07:29:00.000Z"}'
     '</script><meta property="article:published_time" content="2022-01-06T08:29:34">',
     "<div>06.01.2022</div>", "2022-01-06T08:29:34+08:00"),
    # a lone witness that disagrees changes nothing
    ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2022-01-04T07:29:00.000Z"}'
     '</script>', "<div>06.01.2022</div>", "2022-01-04T15:29:00+08:00"),
    # ... but a script's publish time that agrees with the visible dateline is a second witness
    ('<meta property="article:published_time" content="2015-12-11T14:28:34.438Z">'
     '<script>window.__STATE__ = {"post": {"datePublished":"2015-10-15T02:19:15.607Z"}};</script>',
     "<a href='/p'>Oct 15, 2015</a>", "2015-10-15T10:19:15+08:00"),
    # a day-only stamp gets its time from a publish-time variable of the same day in a script
    ('<meta property="article:published_time" content="2024-08-22">'
     '<script>//<![CDATA[\n{"@type": "NewsArticle", "datePublished": "2024-08-22T12:00:00+02:00"}\n//]]></script>',
     "", "2024-08-22T12:00:00+02:00"),
    # ... or from a labelled line of the same day further down the page
    ("", "<span>2015-11-05</span>" + "<p>正文段落。</p>" * 30 + "<span>发布于：2015-11-05 11:34</span>",
     "2015-11-05T11:34:00+08:00"),
    # meta tags disagreeing by a minute: the one the visible dateline confirms
    ('<meta property="article:published_time" content="2018-12-28T19:56:29+08:00">'
     '<meta name="weibo: article:create_at" content="2018-12-28 19:55:10">', "<span>2018年12月28日 19:55</span>",
     "2018-12-28T19:55:10+08:00"),
    # a day repeated and then its time alone: the time joins the day
    ("", "<span>2022年10月11日</span><span>2022年10月11日</span><span>15:11</span>", "2022-10-11T15:11:00+08:00"),
    # ... but a zero clock is a video's running time, and a <time> at midnight gave only a day
    ('<meta name="datePublished" content="2024-11-29T12:31:54+08:00">',
     "<time datetime='2024-11-29T00:00:00+08:00'>29.11.2024</time><span>x</span><span>0:00</span>",
     "2024-11-29T12:31:54+08:00"),
    # a date printer called in a script beside the headline
    ("", "<td><script>showDate(\"2020/04/17 01:43:09\")</script></td>", "2020-04-17T01:43:09+08:00"),
    # the share image's path as the very last resort
    ('<meta property="og:image" content="https://www.example.cn/files/2016/05/04/cover.png">', "", "2016-05-04"),
    # nothing says when it was published: the last change is better than no date
    ('<meta property="article:modified_time" content="2019-06-13T10:00:00+08:00">', "", "2019-06-13T10:00:00+08:00"),
    ("", "<p>BeginnersGuide/Download (last edited 2019-11-10 13:28:18 by SomeUser)</p>", "2019-11-10T13:28:18+08:00"),
    # schema.org microdata on any element: in its content/title attribute, or as its text
    ("", "<dl><dt>発行年月日</dt><dd itemprop='datePublished' content='2019-04-26'>2019年04月</dd></dl>"
         "<p>2019年12月17日更新</p>", "2019-04-26"),
    ("", "<a href='/p'><abbr class='published' itemprop='datePublished' title='2018-06-05T08:00:00-07:00'>08:00</abbr>"
         "</a>", "2018-06-05T08:00:00-07:00"),
    ("", "<span>2011-07-09</span><span itemprop='datePublished'>July 11, 2011</span>", "2011-07-11"),
]


@pytest.mark.parametrize(("head", "byline", "expected"), WITNESSES)
def test_extract_time_weighs_every_witness_on_the_page(head: str, byline: str, expected: str) -> None:
    article = extract_article(_page(head, byline), "https://www.example.cn/a/1.html", zone=SHANGHAI, now=NOW)
    assert article.published is not None
    assert article.published.isoformat() == expected


def test_extract_time_skips_dates_in_the_storys_sentences_for_the_line_above_the_headline() -> None:
    story = "".join(f"<p>Le député numéro {index} a été entendu par les juges cette semaine-là.</p>"
                    for index in range(6))
    page = ("<html><head><title>Deux ans et demi en Macronie</title></head><body><span>30 septembre 2018</span>"
            "<h2>Deux ans et demi en Macronie</h2><div class='content'>" + story
            + "<p>Le 6 août 2019, le député</p><p>" + "a été mis en examen pour abus de confiance. " * 12
            + "</p></div></body></html>")
    article = extract_article(page, "https://www.example.fr/a/1.html", zone=ZoneInfo("Europe/Paris"), now=NOW)
    assert article.published is not None
    assert article.published.isoformat() == "2018-09-30"


def test_extract_time_skips_a_caption_repeating_its_images_alt_text_for_a_labelled_date() -> None:
    photo = ("<div><a href='/img'><img src='/p.jpg' alt='Kriegstechnik bei Bachmut, 24. April 2023'></a>"
             "<p>Kriegstechnik bei Bachmut, 24. April 2023</p></div>")
    story = "<p>" + "Eine Kolonne aus Armee-Trucks fährt an einem Morgen aus Richtung Osten. " * 12 + "</p>"
    page = ("<html><head><title>Gegenoffensive: Ziele und Risiken</title></head><body>"
            "<h1>Gegenoffensive: Ziele und Risiken</h1><p>Die Ukraine bereitet sich vor.</p>" + photo
            + f"<div class='content'>{story}</div><ul><li><strong>Datum</strong> 28.04.2023</li>"
            "<li><strong>Autor</strong> Roman G.</li></ul></body></html>")
    article = extract_article(page, "https://www.example.de/a-1", zone=ZoneInfo("Europe/Berlin"), now=NOW)
    assert article.published is not None
    assert article.published.isoformat() == "2023-04-28"


@pytest.mark.parametrize(("closing", "expected"), [
    ("——《北京之春》1998年3月号", "1998-03-01"),     # a reprint's closing citation: the issue's month
    ("1998年3月，作者访问了北京。", None),            # a month in the story is not its date
])
def test_extract_time_last_resort_is_the_issue_a_reprint_cites(closing: str, expected: str | None) -> None:
    page = (f"<html><head><title>显示</title></head><body><div class='content'>{BODY}</div>"
            f"<p>{closing}</p></body></html>")
    article = extract_article(page, "http://example.invalid/article", zone=SHANGHAI, now=NOW)
    assert (article.published.isoformat() if article.published is not None else None) == expected


def test_the_publication_label_lookahead_lets_every_label_through() -> None:
    # The pattern opens with a lookahead naming each label's first character (a speed-up); a label
    # added without its first character there would silently never match.
    from feedd.dateline import _PUBLISH_LABEL

    labels = _PUBLISH_LABEL.pattern.split("])(", 1)[1].rstrip(")").split("|")
    assert len(labels) > 30
    for label in labels:
        word = label.replace("\\b", "")
        assert _PUBLISH_LABEL.search(f"x {word}: 2024-01-02") is not None, word


@pytest.mark.parametrize("script", [
    'var ct = "1700000000";', "publish_time: '2024-01-02 10:20'", 'pubDate="2024/01/02"',
    '"datePublished":"2024-01-02T10:20:00+08:00"', "new Date('2024-01-02')", 'create_time = "2024-01-02"',
])
def test_script_publish_variables_are_read(script: str) -> None:
    from feedd.extract_time import _SCRIPT_TIME

    found = _SCRIPT_TIME.search(f"function f() {{ {script} }}")
    assert found is not None and found.group("value")[:4] in ("1700", "2024")
