"""Article extraction on the seed page, site rules, sanitising and lazy images."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedd.decode import decode_html
from feedd.errors import ExtractError
from feedd.extract import extract_article
from feedd.models import Article
from feedd.select import ArticleRules, compile_selector

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "seeds" / "000_dff48cd11bb57e56.txt"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 21, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def seed_article() -> Article:
    """The seed portal page: nav junk as text lines, the body as JSON-escaped HTML."""
    text = decode_html(SEED.read_bytes(), None)
    return extract_article(text, "https://www.example.cn/20260420/c_1.html", zone=SHANGHAI, now=NOW)


def test_extract_seed_page_yields_its_json_escaped_body(seed_article: Article) -> None:
    assert "亚马逊日前正式对内部工程团队下达限制令" in seed_article.content_text
    assert "亚马逊日前正式对内部工程团队下达限制令" in seed_article.content_html
    assert "\\u003c" not in seed_article.content_text


def test_extract_seed_page_leaves_navigation_and_editor_lines_out(seed_article: Article) -> None:
    assert "新华每日电讯" not in seed_article.content_text
    assert "阅读下一篇" not in seed_article.content_text
    assert "【纠错】" not in seed_article.content_text
    assert ".rich_media_content" not in seed_article.content_text


def test_extract_seed_page_reads_time_source_and_editor(seed_article: Article) -> None:
    assert seed_article.title == "禁⽤Claude、强推自研:亚马逊打响AI生态主权战"
    assert seed_article.published is not None
    assert seed_article.published.isoformat() == "2026-04-20T16:44:57+08:00"
    assert seed_article.published.precision == "second"
    assert seed_article.source == "海中捞月网"
    assert seed_article.editor == "落叶斩vs劈扣"
    assert seed_article.summary.startswith(seed_article.content_text[:20].replace("\n", " ")[:10])


PORTAL_PAGE = """<!doctype html><html lang="zh-CN"><head>
<meta charset="utf-8"><title>国务院召开常务会议_新华网</title>
<meta name="author" content="张三_NN2587">
<script>var x = 1;</script><style>p{color:red}</style></head>
<body>
<div class="logo"><h1>新华网</h1></div>
<div class="nav"><a href="/politics/">时政</a> <a href="/world/">国际</a> <span>2026年04月21日 星期二</span></div>
<div class="header">
  <h2 class="headline">国务院召开常务会议</h2>
  <div class="info"><span>2026-04-19 10:30:00</span><span>来源：新华社</span><span>记者 李四 王五</span></div>
</div>
<div id="detail" class="article-content">
  <p>国务院总理主持召开国务院常务会议，部署推进新一轮改革措施，会议指出要坚持稳中求进工作总基调。</p>
  <p onclick="steal()">会议强调，各地区各部门要狠抓落实，确保政策尽快见效，切实增强人民群众获得感、幸福感。</p>
  <p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/images/meeting.jpg" alt="会议"></p>
  <p><a href="javascript:alert(1)">点这里</a> <a href="/2026/04/19/other.html">相关报道</a>：会议还研究了其他事项，
  决定进一步优化营商环境，推动高质量发展取得新成效。</p>
  <iframe src="https://ads.example.com/x"></iframe>
  <div class="share-bar"><a href="#">分享到微博</a><a href="#">分享到微信</a></div>
  <p>【纠错】</p>
  <p>责任编辑：张三_NN2587</p>
</div>
<div class="related"><ul><li><a href="/a.html">2026-04-18 另一条新闻标题在这里</a></li>
<li><a href="/b.html">2026-04-17 又一条新闻标题在这里</a></li></ul></div>
<div class="footer">版权所有 © 2000-2026 新华网</div>
</body></html>"""


def _portal(rules: ArticleRules | None = None, page: str = PORTAL_PAGE) -> Article:
    return extract_article(page, "https://www.example.cn/politics/2026-04/19/c_1.htm", zone=SHANGHAI, now=NOW,
                           rules=rules)


def test_extract_picks_the_heading_that_matches_the_title_over_a_logo_h1() -> None:
    assert _portal().title == "国务院召开常务会议"


def test_extract_keeps_source_author_and_editor_apart() -> None:
    article = _portal()
    assert article.source == "新华社"
    assert article.author == "李四 王五"
    assert article.editor == "张三_NN2587"


def test_extract_reads_the_dateline_not_the_today_widget_or_related_dates() -> None:
    article = _portal()
    assert article.published is not None
    assert article.published.isoformat() == "2026-04-19T10:30:00+08:00"


def test_extract_sanitises_content_html() -> None:
    html = _portal().content_html
    for banned in ("<script", "<style", "<iframe", "onclick", "javascript:"):
        assert banned not in html


def test_extract_resolves_lazy_images_to_absolute_urls() -> None:
    article = _portal()
    assert article.images == ("https://www.example.cn/images/meeting.jpg",)
    assert 'src="https://www.example.cn/images/meeting.jpg"' in article.content_html
    assert 'href="https://www.example.cn/2026/04/19/other.html"' in article.content_html


def test_extract_leaves_share_bars_correction_boxes_and_editor_lines_out_of_content() -> None:
    text = _portal().content_text
    assert "会议强调" in text
    for junk in ("分享到微博", "【纠错】", "责任编辑", "另一条新闻标题", "版权所有"):
        assert junk not in text


def test_extract_site_rules_override_the_automatic_path() -> None:
    rules = ArticleRules(
        title=compile_selector("div.logo h1"),
        published=compile_selector("xpath://div[@class='nav']/span"),
        source=compile_selector("div.footer"),
        content=compile_selector("div.related"),
        remove=(compile_selector("li:nth-child(2)"),),
    )
    article = _portal(rules)
    assert article.title == "新华网"
    assert article.published is not None
    assert article.published.isoformat() == "2026-04-21"
    assert article.source == "版权所有 © 2000-2026 新华网"
    assert "另一条新闻标题" in article.content_text
    assert "又一条新闻标题" not in article.content_text


def test_extract_removal_rules_act_before_the_page_is_read() -> None:
    # The promoted box right under the headline prints another story's time and source; removed by a
    # rule, neither may reach the dateline or the byline, and the text after the box stays.
    page = ("<html><head><title>新规发布</title></head><body><h1>新规发布</h1>"
            "<div class='promo'>推荐：2019-05-05 08:00 来源：广告网</div>"
            "<div class='info'>2026-04-18 09:30 来源：新华社</div><div class='text'><p>"
            + "新规今日起实施，涉及多个方面的调整。" * 8 + "<span class='ad'>广告位招商</span>这是广告之后的正文。"
            "</p></div></body></html>")
    rules = ArticleRules(remove=(compile_selector("div.promo"), compile_selector("span.ad")))
    article = _portal(rules, page=page)
    assert article.published is not None
    assert article.published.isoformat() == "2026-04-18T09:30:00+08:00"
    assert article.source == "新华社"
    assert "广告位招商" not in article.content_text
    assert "这是广告之后的正文。" in article.content_text


def test_extract_falls_back_to_automatic_when_a_rule_matches_nothing() -> None:
    article = _portal(ArticleRules(title=compile_selector("h5.none"), content=compile_selector("#missing")))
    assert article.title == "国务院召开常务会议"
    assert "会议强调" in article.content_text


def test_extract_strips_site_suffix_from_title_tag() -> None:
    page = ("<html><head><title>两会观察：新质生产力怎么干--时政--人民网</title></head><body>"
            "<div><p>" + "正文内容，说明新质生产力的发展路径。" * 10 + "</p></div></body></html>")
    assert _portal(page=page).title == "两会观察：新质生产力怎么干"


def test_extract_takes_the_date_from_the_url_when_the_page_shows_none() -> None:
    page = "<html><head><title>无日期的文章</title></head><body><p>" + "这是一段正文。" * 20 + "</p></body></html>"
    article = _portal(page=page)
    assert article.published is not None
    assert article.published.isoformat() == "2026-04-19"


def test_extract_raises_when_the_page_holds_no_article() -> None:
    with pytest.raises(ExtractError):
        extract_article("<html><body></body></html>", "https://www.example.cn/", zone=SHANGHAI, now=NOW)


@pytest.mark.parametrize(("opening", "closing"), [("<![CDATA[", "]]>"), ("//<![CDATA[", "//]]>"), ("", "")])
def test_extract_reads_json_ld_inside_a_cdata_wrapper(opening: str, closing: str) -> None:
    json_ld = ('{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Harbour reopens",'
               ' "datePublished": "2021-03-04T05:06:07+01:00", "author": {"@type": "Person", "name": "Ada Jones"}}')
    page = (f'<html><head><title>Harbour reopens</title><script type="application/ld+json">\n{opening}\n'
            f'{json_ld}\n{closing}\n</script></head><body><h1>Harbour reopens</h1><div class="story">'
            + "<p>The harbour reopened on Monday after a week of repairs to the breakwater, officials said.</p>" * 4
            + "</div></body></html>")
    article = extract_article(page, "https://news.example/harbour", zone=UTC, now=NOW)
    assert article.published is not None
    assert article.published.isoformat() == "2021-03-04T05:06:07+01:00"
    assert article.author == "Ada Jones"


def test_extract_reads_past_a_noscript_holding_an_unclosed_div() -> None:
    # A browser running scripts reads <noscript> content as text; libxml2 would nest the rest of the
    # page inside the block and leave nothing visible.
    page = ('<html><head><title>Bears return to the valley</title></head><body>'
            '<noscript><div id="nojs"></noscript><div id="main"><h1>Bears return to the valley</h1>'
            '<div class="text">' + "<p>At least nine female bears raised cubs in the park, rangers said.</p>" * 4
            + '</div></div><noscript></div></noscript></body></html>')
    article = extract_article(page, "https://park.example/bears", zone=UTC, now=NOW)
    assert article.title == "Bears return to the valley"
    assert "nine female bears" in article.content_text


def test_extract_reads_the_writer_credited_at_the_end_of_a_body_carried_in_a_script() -> None:
    paragraphs = ["广州市今天发布新一轮城市更新计划，涉及老旧小区改造、公共空间提升和交通设施完善等多个方面。",
                  "市住建部门表示，计划将优先安排群众意见集中的项目，并在年内完成首批改造任务，确保按期交付。",
                  "专家认为，城市更新要兼顾历史风貌保护和居民生活改善，避免大拆大建，做到精细化管理与服务。",
                  "据介绍，首批项目覆盖全市十一个区，总投资预计超过百亿元，资金将通过多种渠道共同筹措解决。",
                  "居民代表表示，希望改造过程中加强沟通，及时公开进度，让大家住得更安心、更舒心、更放心。",
                  "采写：南都记者 林子沛"]
    escaped = "".join(f"\\u003cp\\u003e{text}\\u003c/p\\u003e" for text in paragraphs)
    page = ('<html><head><meta charset="utf-8"><title>广州发布城市更新计划</title></head><body>'
            '<h1>广州发布城市更新计划</h1><div class="info"><a href="/c/user/123/">南方都市报</a>'
            '<span>2026-04-20 16:44</span></div><div id="root"></div>'
            f'<script>window.__DATA__ = {{"content": "{escaped}"}};</script></body></html>')
    article = extract_article(page, "https://www.example.cn/a/1.html", zone=SHANGHAI, now=NOW)
    assert "城市更新要兼顾历史风貌" in article.content_text
    assert article.author == "林子沛"


def test_extract_survives_references_to_characters_xml_cannot_carry() -> None:
    # '&#1;' beside a share button the cleaner drops, and inside a link it makes absolute: lxml
    # refused both edits (ValueError) before such references were taken out ahead of the parse.
    prose = "<p>A long paragraph of prose, with commas, and more words, so the block reads as a story.</p>" * 5
    page = ("<html><head><title>Control characters</title></head><body><h1>Control characters</h1>"
            f"<div class='story'>{prose}<p>Before<button>Share</button>after &#1;this &#x1F;and &#xFFFE;that"
            "<a href='/next&#2;page'>next</a></p></div></body></html>")
    article = _portal(page=page)
    assert "after this and that" in article.content_text
    for invalid in ("\x01", "\x02", "\x1f", "\ufffe"):
        assert invalid not in article.content_text and invalid not in article.content_html


def test_extract_turns_a_bug_it_trips_into_that_pages_extract_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whatever goes wrong inside (here lxml refusing a string, as '&#1;' once made it) is this
    # page's failure, reported with its address, so a batch or a section goes on with the rest.
    import feedd.extract

    def refuse(*_: object) -> None:
        raise ValueError("All strings must be XML compatible")

    # The sanitiser is called through the module's name for it; extract.py's own functions call each
    # other directly once make has compiled them.
    monkeypatch.setattr(feedd.extract, "sanitize_html", refuse)
    with pytest.raises(ExtractError, match=r"^https://www\.example\.cn/.*extraction failed unexpectedly \(ValueError"):
        _portal()


@given(st.lists(st.tuples(st.text("ab中", min_size=1, max_size=9), st.sampled_from([" ", "\n", "\t", "\u3000"]),
                          st.integers(1, 40)), min_size=40, max_size=400)
       .map(lambda parts: "".join(word + gap * width for word, gap, width in parts)))
def test_summary_of_a_long_body_is_the_summary_of_the_whole_body(body: str) -> None:
    # The summary flattens only the body's opening (speed); it must equal flattening all of it.
    from feedd.extract import SUMMARY_CHARS, _summary

    flat = " ".join(body.split())
    cut = flat[:SUMMARY_CHARS]
    space = cut.rfind(" ")
    expected = flat if len(flat) <= SUMMARY_CHARS else (cut[:space] if space > SUMMARY_CHARS * 0.7 else cut) + "…"
    assert _summary(body) == expected
