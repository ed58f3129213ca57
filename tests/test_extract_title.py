"""Headlines: the line shown above the body replaces a generic <title>; a headline the page's
heading and metadata agree on is never replaced."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from feedd.decode import decode_html
from feedd.extract import extract_article
from tests.pages import CORPUS

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 21, 9, 0, tzinfo=UTC)
BODY = "<p>" + "这是一段足够长的正文，用来让正文识别找到文章主体，而不是导航或者侧栏。" * 10 + "</p>"
NAV = "".join(f"<a href='/c{index}'>栏目{index}</a>" for index in range(20))


def _extract(page: str) -> str:
    return extract_article(page, "https://www.example.cn/a/1.html", zone=SHANGHAI, now=NOW).title


@pytest.mark.parametrize(("title_tag", "above_body", "expected"), [
    ("显示", "<font><strong>犬儒病(上)</strong></font>", "犬儒病(上)"),
    ("世艺网>艺术教育", "<p><strong>中国艺术研究院2004年博士生招生简章</strong></p>",
     "中国艺术研究院2004年博士生招生简章"),
    ("科普中国-辟谣文章", "<div class='rumor-title'>徒手抓子弹真的存在吗？</div>", "徒手抓子弹真的存在吗？"),
    # labels, breadcrumbs, dates and "original title" notes are not headlines
    ("显示", "<b>当前位置：</b>", "显示"),
    ("显示", "<strong>（原标题：民警电话遭停机）</strong>", "显示"),
    ("显示", "<b>2020-01-14 17:58</b>", "显示"),
])
def test_extract_title_takes_the_emphasised_line_above_the_body_over_a_generic_title(
        title_tag: str, above_body: str, expected: str) -> None:
    page = (f"<html><head><title>{title_tag}</title></head><body><div>{NAV}</div>"
            f"<div>{above_body}<div class='text'>{BODY}</div></div></body></html>")
    assert _extract(page) == expected


def test_extract_title_reads_the_line_after_a_subject_label() -> None:
    page = ("<html><head><title>央视论坛 :: null</title></head><body><div>" + NAV + "</div><table><tr>"
            "<td><b>主题：</b></td><td class='large'>你知道导游为什么热衷于让你去商场购物吗？</td></tr>"
            f"<tr><td><b>作者：</b><a href='/u/1'>芊草</a></td></tr><tr><td>{BODY}</td></tr></table></body></html>")
    assert _extract(page) == "你知道导游为什么热衷于让你去商场购物吗？"


def test_extract_title_finds_the_headline_between_the_breadcrumb_and_the_text_of_the_body() -> None:
    # no <title>; the only heading is a mailing-list box below the article
    page = ("<html><body><div>" + NAV + "</div><table><tr><td>"
            "<font>当前位置：</font><a href='/'>首页</a><font>-></font><a href='/c'>军事技术</a>"
            "<p align='center'><big><font color='#0000FF'>飞行物理学常识</font></big></p>"
            f"{BODY}{BODY}</td></tr></table><h3>欢迎加入本站邮件列表，您将得到最新更新邮件。请填入您的邮件地址：</h3>"
            "</body></html>")
    assert _extract(page) == "飞行物理学常识"


@pytest.mark.parametrize(("heading", "expected"), [
    # the shown headline goes on with a subtitle the declared title left out
    ("<h2>2019年关西安全论坛「早发现、早处置」的安全 ～从防守的安全走向进攻的安全～</h2>",
     "2019年关西安全论坛「早发现、早处置」的安全 ～从防守的安全走向进攻的安全～"),
    # ... but a block that adds the byline and the time is not the headline
    ("<div class='title'>2019年关西安全论坛「早发现、早处置」的安全 来源：新华社 作者：王明 2023-12-01 14:43</div>",
     "2019年关西安全论坛「早发现、早处置」的安全"),
])
def test_extract_title_takes_a_heading_that_completes_the_declared_title(heading: str, expected: str) -> None:
    page = ("<html><head><title>协会首页</title>"
            "<meta property='og:title' content='2019年关西安全论坛「早发现、早处置」的安全'></head><body>"
            f"{heading}<div class='text'>{BODY}</div></body></html>")
    assert _extract(page) == expected


def test_extract_title_keeps_a_headline_the_metadata_confirms() -> None:
    page = ("<html><head><title>市政府部署防汛工作_新闻中心</title>"
            "<meta property='og:title' content='市政府部署防汛工作'></head><body>"
            f"<h1>市政府部署防汛工作</h1><div>{NAV}</div><p><strong>一、总体要求和工作目标</strong></p>"
            f"<div class='text'>{BODY}</div></body></html>")
    assert _extract(page) == "市政府部署防汛工作"


@pytest.mark.parametrize(("corpus_file", "expected"), [
    ("chinese-web-content-extraction-dataset/html/caee0a34-e892-41c2-8bf6-f4f0ec9df78f.html", "比赛革命的革命"),
    ("chinese-web-content-extraction-dataset/html/54e89e4e-6d47-424f-b172-12b7e360c25c.html", "很高兴入住博客堂"),
])
def test_extract_title_on_old_portal_pages(corpus_file: str, expected: str) -> None:
    html = decode_html((CORPUS / corpus_file).read_bytes(), None)
    assert extract_article(html, "http://example.invalid/article", zone=SHANGHAI, now=NOW).title == expected


@pytest.mark.parametrize(("title_tag", "shown", "expected"), [
    # the page prints the whole <title>, kicker included: that is the headline
    ("书记市长这一周 | 奋马扬鞭争春色", "<div class='tit2'>书记市长这一周 | 奋马扬鞭争春色</div>",
     "书记市长这一周 | 奋马扬鞭争春色"),
    # a bar joins the parts with or without spaces
    ("多地出台新政支持首套房购买|楼市_新浪新闻", "", "多地出台新政支持首套房购买"),
    ("专家解读最新经济数据|凤凰网", "", "专家解读最新经济数据"),
    # unknown trailing parts: the widest one, counting a CJK character as two columns
    ("社会资本、人力资本与下岗职工的再就业 - 学术前沿 - powered by Discuz! Archiver", "",
     "社会资本、人力资本与下岗职工的再就业"),
])
def test_extract_title_reads_the_title_tag_as_the_page_shows_it(title_tag: str, shown: str, expected: str) -> None:
    page = (f"<html><head><title>{title_tag}</title></head><body>{shown}"
            f"<div class='text'>{BODY}</div></body></html>")
    assert _extract(page) == expected


ENGLISH_BODY = "<p>" + "The council met on Tuesday to agree the flood plan for the coming season. " * 8 + "</p>"


@pytest.mark.parametrize(("head", "headings", "expected"), [
    # a kicker printed in the same <h1> as the headline the metadata declares is cut off
    ("<title>Open Progress - Why teams think better | Open Future</title>"
     "<meta property='og:title' content='Why teams think better'>",
     "<h1><span class='kicker'>Open Progress</span><span>Why teams think better</span></h1>",
     "Why teams think better"),
    # ... also when the metadata puts another kicker before the same headline
    ("<title>Attack on the harbour: «Restraint has much to do with the allies» - News</title>"
     "<meta property='og:title' content='Attack on the harbour: «Restraint has much to do with the allies»'>",
     "<h1><span class='overline'>Escalation in the east</span><span aria-hidden='true'> - </span>"
     "<span class='text'>«Restraint has much to do with the allies»</span></h1>",
     "«Restraint has much to do with the allies»"),
    # ... as is a subtitle
    ("<title>Fish Cakes, Hot and Fresh</title><meta property='og:title' content='Fish Cakes, Hot and Fresh'>",
     "<h1>Fish Cakes, Hot and Fresh <small>Welcome to the Flavor Capital of the North</small></h1>",
     "Fish Cakes, Hot and Fresh"),
    # "com" in a Portuguese headline is a word, not a domain: the lone <h1> is the headline
    ("<title>Receita de Sequilho com Chocolate Amargo | CyberCook</title>",
     "<h1>Sequilho com Chocolate Amargo</h1><h2>Ingredientes</h2>", "Sequilho com Chocolate Amargo"),
    # a blog's <h1> is its name and its <title> reads 'Name » Post'
    ("<title>Four Years Remaining » Blog Archive » Interning of Small Integers</title>",
     "<h1>Four Years Remaining</h1><h2>Interning of Small Integers</h2>", "Interning of Small Integers"),
    # ... but a headline-first <title> keeps its <h1>
    ("<title>Council agrees the flood plan for the season | Metro</title>",
     "<h1>Council agrees the flood plan for the season</h1><h2>Metro</h2>",
     "Council agrees the flood plan for the season"),
    # an <h1> unrelated to the declared title the <title> repeats is a banner, not the headline
    ("<title>BKA - Pressemitteilungen 2022 - Messengerdienste sind kein rechtsfreier Raum</title>"
     "<meta name='twitter:title' content='Messengerdienste sind kein rechtsfreier Raum'>",
     "<h1 class='aural'>Bundeskriminalamt (BKA)</h1>", "Messengerdienste sind kein rechtsfreier Raum"),
    # ... while an <h1> rewording it is the headline
    ("<title>Jennifer Aniston on Leaving the Tags on Her Coat | People</title>"
     "<meta property='og:title' content='Jennifer Aniston on Leaving the Tags on Her Coat'>",
     "<h1>Jennifer Aniston on Leaving the Tags on Her Céline Coat: 'I Wore It Four Times'</h1>",
     "Jennifer Aniston on Leaving the Tags on Her Céline Coat: 'I Wore It Four Times'"),
    # a label printed inside the heading's link, before the declared headline, is cut off
    ("<title>Notes - Build 4.2 fixes the login loop | Some Forums</title>"
     "<script type='application/ld+json'>{\"@type\": \"Article\", \"headline\": \"Build 4.2 fixes the login loop\"}"
     "</script>",
     "<h1><a href='/t/1'><span class='label'>Notes</span><span> </span>Build 4.2 fixes the login loop</a></h1>",
     "Build 4.2 fixes the login loop"),
    # a lesser heading that shows the declared title (after its date) beats an unrelated first <h1>
    ("<title>Her Blog - Written for women over fifty</title>"
     "<meta property='og:title' content='The most beautiful end of the world'>",
     "<h1>When, if not now...</h1><h2 class='entry-title'><time>Jun 17 </time>The most beautiful end of the world"
     "</h2>", "The most beautiful end of the world"),
    # a blog's <title> reads 'Name: Post' and its <h1> is the name
    ("<title>privacy notes: Lab privacy policy</title><meta property='og:title' content='Lab privacy policy'>",
     "<h1 class='title'>privacy notes</h1><h3 class='post-title'>Lab privacy policy</h3>", "Lab privacy policy"),
    # a heading kept for screen readers only is not what a reader sees
    ("<title>Dead bumblebees under lime trees: the answer | Bumblebees</title>"
     "<meta property='og:title' content='Dead bumblebees under lime trees: the answer | Bumblebees'>",
     "<h1 class='entry-title'>Dead bumblebees under lime trees</h1>"
     "<h2 class='screen-reader-text'>Dead bumblebees under lime trees: the answer | Bumblebees</h2>",
     "Dead bumblebees under lime trees"),
    # ... unless a responsive class shows it again
    ("<title>Faster integration: job scheme helps refugees</title>",
     "<h1 class='sr-only sm:not-sr-only'>Faster integration: job scheme helps refugees</h1>",
     "Faster integration: job scheme helps refugees"),
    # a wiki prints its page title in a block of its own: it beats a section heading starting the same way
    ("<title>Enchufla Figures - Salsa Figures - Rueda in Berlin</title>",
     "<h1>Salsa Figures - Rueda in Berlin</h1><div id='page-title'>Enchufla Figures</div><h2>Enchufla</h2>",
     "Enchufla Figures"),
    # a portal's <title> ends with the headline; its first <h1>s are side boxes
    ("<title>Gaming Club e.V. - News » The events of the last weeks</title>",
     "<h1 class='headline'>Win a headset this month!</h1><h1>News</h1><h2>The events of the last weeks</h2>",
     "The events of the last weeks"),
    # a documentation page titled 'Page — Project': the project's heading links to the front page
    ("<title>Shared History — evolve extension for Mercurial</title>",
     "<h1 class='heading'><a href='index.html'>evolve extension for Mercurial</a></h1>"
     "<h1>Shared History</h1>", "Shared History"),
])
def test_extract_title_separates_the_headline_from_kickers_and_site_names(head: str, headings: str,
                                                                           expected: str) -> None:
    page = f"<html><head>{head}</head><body>{headings}<div class='text'>{ENGLISH_BODY}</div></body></html>"
    assert extract_article(page, "https://www.example.com/a/1.html", zone=UTC, now=NOW).title == expected


@pytest.mark.parametrize(("url", "title_tag", "expected"), [
    # the host's name is spelled by the trailing part's words: 'riverbend' in 'River Park of the Bend'
    ("https://www.riverbend.example/news/1",
     "OTTERS RETURN: A RECORD YEAR | River Park of the Bend, Ohio and Kentucky", "OTTERS RETURN: A RECORD YEAR"),
    # ... or by initials and words: 'nytimes' in 'The New York Times'
    ("https://www.nytimes.example/2020/1.html",
     "Council agrees the flood plan | The New York Times International Edition", "Council agrees the flood plan"),
    # a name the part does not spell leaves the widest part as the headline
    ("https://www.otherhost.example/news/1",
     "OTTERS RETURN: A RECORD YEAR | River Park of the Bend, Ohio and Kentucky",
     "River Park of the Bend, Ohio and Kentucky"),
])
def test_extract_title_drops_a_site_part_that_spells_the_host(url: str, title_tag: str, expected: str) -> None:
    page = f"<html><head><title>{title_tag}</title></head><body><div class='text'>{ENGLISH_BODY}</div></body></html>"
    assert extract_article(page, url, zone=UTC, now=NOW).title == expected


LONG_TITLE = "薄型キーボード6モデルを発売、キー荷重が従来比約18%も軽くなり、接続タイプやサイズで選べる"
WIDGET = ("<div id='goog-gt-tt' class='skiptranslate'><div class='top'><h1 class='title gray'>Original text</h1>"
          "</div></div>")


@pytest.mark.parametrize("widget", ["", WIDGET])
def test_extract_title_keeps_a_long_one_piece_title_over_a_bold_line_and_a_translator_popup(widget: str) -> None:
    # the <title> is a whole headline, so the bold line above the body (a product-list label) stays
    # a label, and the pop-up a browser's translator left in the saved page is not the page's <h1>
    page = (f"<html><head><title>{LONG_TITLE}</title></head><body>{widget}<div>{NAV}</div>"
            f"<p class='small-title'>［共通の特長］</p><div class='text'>{BODY}</div></body></html>")
    assert _extract(page) == LONG_TITLE


def test_the_walk_offers_every_heading_the_title_step_could_take() -> None:
    # marked_headings and the walk offer only elements of 2..HEADING_MAX_CHARS visible characters; a
    # longer title limit, or a longer edit mark cut off, would need it raised too.
    from feedd.extract_page import HEADING_MAX_CHARS
    from feedd.extract_title import _EDIT_MARK, _MAX_TITLE

    longest_mark = max(len(mark) for mark in ("[编辑源代码]", "[edit]", "[编辑]"))
    assert _EDIT_MARK.search(" [编辑源代码]") is not None
    assert _MAX_TITLE + longest_mark < HEADING_MAX_CHARS


def test_class_named_headings_come_after_every_h1_to_h3_and_are_found_when_no_heading_tag_matches() -> None:
    from feedd.extract_page import marked_headings, parse_page
    from feedd.extract_title import choose_title

    page = ("<html><head><title>Site</title><meta property='og:title' content='Storm closes the harbour'>"
            "</head><body><svg><text class='title'>Logo title</text></svg>"
            "<div class='Promo-HEADLINE'>Subscribe today</div><h2>Latest news</h2>"
            "<span id='Article_Heading'>Storm closes the harbour</span><h1>Weather desk</h1>"
            f"<div class='text'>{BODY}</div></body></html>")
    facts = parse_page(page, "https://www.example.cn/a/1.html")
    # page order, any case, never an <h1>-<h3>, never what no reader sees
    assert [node.text for node in marked_headings(facts)] == ["Subscribe today", "Storm closes the harbour"]
    assert [node.tag for node in facts.headings] == ["h2", "h1"]
    # no heading tag shows the declared title, so the step reads on to the class-named blocks
    choice = choose_title(facts)
    assert (choice.text, choice.element is not None and choice.element.tag) == ("Storm closes the harbour", "span")
    # a class-named block showing the declared title still loses to an <h1> showing it
    shown = parse_page(page.replace("<h1>Weather desk</h1>", "<h1>Storm closes the harbour!</h1>"), facts.url)
    choice = choose_title(shown)
    assert (choice.text, choice.element is not None and choice.element.tag) == ("Storm closes the harbour!", "h1")
