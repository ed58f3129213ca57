"""Source (来源), author and editor on real saved pages from the shared corpus, and on small pages
that isolate one rule each."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from feedd.decode import decode_html
from feedd.extract import extract_article
from feedd.models import Article
from tests.pages import CORPUS

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 21, 9, 0, tzinfo=UTC)


def corpus_article(corpus: str, name: str, url: str = "http://example.invalid/article") -> Article:
    page = CORPUS / corpus / "html" / name
    return extract_article(decode_html(page.read_bytes(), None), url, zone=SHANGHAI, now=NOW)


def inline_article(body: str, head: str = "") -> Article:
    page = f"<html><head><title>标题</title>{head}</head><body>{body}</body></html>"
    return extract_article(page, "https://www.example.cn/a/1.html", zone=SHANGHAI, now=NOW)


STORY = "<p>" + "国务院常务会议今天召开，会议研究部署了多项工作，强调要稳定就业和扩大内需。" * 4 + "</p>"


@pytest.mark.parametrize(("corpus", "name", "source"), [
    ("gne", "detail__thepaper__3.html", "新华社"),
    ("magic-html-benchmark", "cc1897c3d68906d2f86bee15a3405d309c486b777d40a391f45c8578e8e5bb3f.html", "中国新闻网"),
    ("mozilla-readability", "qq.html", "TNW中文站"),
])
def test_byline_reads_unlabelled_outlet_printed_before_the_time(corpus: str, name: str, source: str) -> None:
    assert corpus_article(corpus, name).source == source


def test_byline_reads_unlabelled_outlet_after_the_time_even_when_named_daily() -> None:
    # '北京日报' holds 日, which must not read as part of a date.
    assert corpus_article("gne", "detail__sina__sina.html").source == "北京日报"


def test_byline_reads_outlet_with_digits_after_an_original_mark() -> None:
    name = "d997d758e164d7642a106dce06f0b68df60a1b48ac1bdb7cb9cbeec61607d798.html"
    assert corpus_article("magic-html-benchmark", name).source == "39健康网"


def test_byline_reads_parenthesised_article_source_at_the_end_of_the_body() -> None:
    name = "e751800204690e100c8e8802128e886fbd6bf7360903dedc419a69246be2cb6a.html"
    assert corpus_article("magic-html-benchmark", name).source == "经济日报"


def test_byline_reads_source_labelled_without_a_colon() -> None:
    name = "ea5bdb58d64b345dd80afd12651010fd442d4c8bdf45b540e61c4ff7c37fb30f.html"
    assert corpus_article("magic-html-benchmark", name).source == "国家统计局"


def test_byline_reads_the_citation_closing_a_reprinted_essay() -> None:
    name = "caee0a34-e892-41c2-8bf6-f4f0ec9df78f.html"
    assert corpus_article("chinese-web-content-extraction-dataset", name).source == "北京之春"


def test_byline_takes_json_ld_organization_author_as_source_not_author() -> None:
    article = corpus_article("adbar-htmldate-trafilatura", "1500260110.html")
    assert article.source == "北京新浪網"
    assert article.author != "北京新浪網"


def test_byline_leaves_a_video_credit_out_of_the_source() -> None:
    assert corpus_article("gne", "detail__163__5.html").source != "梨视频"


def test_byline_skips_an_empty_editor_field_followed_by_another_label() -> None:
    article = inline_article(f"<h1>标题</h1><div>2024-05-13 06:15</div>{STORY}"
                             "<p>责任编辑：</p><p>平台声明：该文观点仅代表作者本人。</p>")
    assert article.editor is None


def test_byline_ignores_placeholder_source_and_uses_outlet_beside_dateline() -> None:
    article = inline_article(f"<h1>标题</h1><div><span>2024-05-13 06:15</span> <span>来源：转载</span></div>"
                             f"<div><span>新京报</span></div>{STORY}")
    assert article.source == "新京报"


def test_byline_reads_pipe_separated_source_label() -> None:
    article = inline_article(f"<h1>标题</h1><div>2024-05-13 06:15</div>{STORY}<p>编辑|王五<br>来源|羊城晚报</p>")
    assert article.source == "羊城晚报"


def test_byline_reads_author_marked_with_rel_or_itemprop_outside_the_header() -> None:
    assert corpus_article("mozilla-readability", "ars-1.html").author == "Dan Goodin"


def test_byline_reads_name_after_by_in_a_marked_posted_on_line() -> None:
    article = inline_article(f"<h1>Title</h1>{STORY}<div class='post-meta-author'>Posted on September 21, 2020 "
                             "by Adi Tzlil</div>")
    assert article.author == "Adi Tzlil"


def test_byline_keeps_von_inside_a_name() -> None:
    article = inline_article(f"<h1>Title</h1>{STORY}<span class='author vcard'><a>Walter von Aachen</a></span>")
    assert article.author == "Walter von Aachen"


def test_byline_ignores_comment_authors() -> None:
    article = inline_article(f"<h1>Title</h1>{STORY}<ol class='commentlist'><li><cite class='comment-author'>"
                             "Jane Roe</cite> said</li></ol>")
    assert article.author is None


def test_byline_meta_author_naming_the_site_is_not_an_author() -> None:
    article = corpus_article("gne", "detail__163__2.html")
    assert article.author is None


def test_byline_prefers_article_author_to_a_publisher_company_in_meta() -> None:
    assert corpus_article("postlight-parser", "www.wired.com.html").author == "Emma Grey Ellis"


@pytest.mark.parametrize(("credit", "author"), [
    ("（职工通讯员 李琴雯 刘会）为深入推进党建与业务工作紧密结合，医院举办技能大赛。", "李琴雯 刘会"),
    ("【文/观察者网专栏作者 王文】", "王文"),
    ("采写：南都见习记者 林子沛", "林子沛"),
])
def test_byline_reads_writers_credited_inside_the_body(credit: str, author: str) -> None:
    article = inline_article(f"<h1>标题</h1><div>2024-05-13 06:15</div><div class='article'><p>{credit}</p>{STORY}"
                             f"{STORY}</div>")
    assert article.author == author


def test_byline_does_not_read_a_producer_in_prose_as_the_author() -> None:
    prose = "<p>原始人举行这些仪式常带有神秘的成分，而且允许面具制作者充分发挥想象。所以面具较少遭受传统的束缚。</p>"
    assert inline_article(f"<h1>标题</h1>{STORY}{prose}").author is None


def test_byline_joins_writers_marked_alike() -> None:
    article = inline_article(f"<h1>Title</h1><p class='byline'><a rel='author'>Julia Carrie Wong</a> and "
                             f"<a rel='author'>Sam Levin</a></p>{STORY}")
    assert article.author == "Julia Carrie Wong, Sam Levin"


def test_byline_skips_a_job_title_printed_in_the_author_slot() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"@type": "Person", ' \
           '"name": "Thabo Mokone"}}</script>'
    article = inline_article(f"<h1>Title</h1><div class='author-title'>Parliamentary editor</div>{STORY}", head)
    assert article.author == "Thabo Mokone"


def test_byline_reads_a_self_media_account_beside_the_time_as_the_author_not_the_source() -> None:
    article = corpus_article("gne", "detail__toutiao__4.html")
    assert article.author == "中国网"
    assert article.source is None


@pytest.mark.parametrize(("corpus", "name", "author"), [
    # itemprop=author four levels above the name, inside a link and a wrapper.
    ("adbar-htmldate-trafilatura", "agrarheute.com.abfallholz.html", "Amelie Siekmann"),
    # rel=author under a <body class="… content-sidebar …">: a layout class, not a sidebar.
    ("adbar-htmldate-trafilatura", "murdeltas.wordpress.com.politcamp.html", "marc"),
])
def test_byline_reads_author_marks_that_layout_classes_and_nesting_used_to_hide(corpus: str, name: str,
                                                                                author: str) -> None:
    assert corpus_article(corpus, name).author == author


def test_byline_extends_a_declared_single_author_with_co_authors_marked_alike() -> None:
    head = '<meta name="author" content="Simone Jülicher">'
    article = inline_article(f"<h1>Title</h1><address>Von <a rel='author' href='/a/1'>Simone Jülicher</a> und "
                             f"<a rel='author' href='/a/2'>Rainer Grünberg</a></address>{STORY}", head)
    assert article.author == "Simone Jülicher, Rainer Grünberg"


def test_byline_reads_co_authors_each_in_a_byline_box_of_their_own() -> None:
    boxes = "".join(f"<div class='byline'><address><a rel='author' href='/{index}'>{name}</a></address></div>"
                    for index, name in enumerate(("Ingrid Treborg", "Marlene Holm")))
    assert inline_article(f"<h1>Title</h1><div>{boxes}</div>{STORY}").author == "Ingrid Treborg, Marlene Holm"


def test_byline_reads_names_listed_in_one_marked_box() -> None:
    box = "<div class='article-byline'><span>Birgit Baumann</span> <span>Anna Fink</span></div>"
    assert inline_article(f"<h1>Title</h1>{box}{STORY}").author == "Birgit Baumann, Anna Fink"


def test_byline_does_not_take_a_sentence_after_von_for_a_name() -> None:
    prose = "<p>Von dort wollen die ukrainischen Streitkräfte weiter vorrücken, heißt es.</p>"
    assert inline_article(f"<h1>Titel</h1><div>2024-05-13 06:15</div>{STORY}{prose}").author is None


@pytest.mark.parametrize(("byline", "author"), [
    ("本报记者 王乐文 方 敏", "王乐文 方敏"),            # a two-character name padded to three columns
    ("<span>上報快訊／范姜佳鈺</span>", "范姜佳鈺"),      # a desk before the writer
    ("作者：中国国际经济交流中心研究员徐占忱", "徐占忱"),  # a job title running into the name
])
def test_byline_reads_chinese_writer_out_of_desk_and_title_clutter(byline: str, author: str) -> None:
    article = inline_article(f"<h1>标题</h1><div class='author'>{byline}</div><div>2024-05-13 06:15</div>{STORY}")
    assert article.author == author


def test_byline_does_not_read_a_body_text_heading_as_the_author() -> None:
    article = inline_article(f"<h1>标题</h1><div>2024-05-13 06:15</div><p>—— 正文：故事们</p><p>——作者手记</p>{STORY}")
    assert article.author is None


@pytest.mark.parametrize("name", ["caee0a34-e892-41c2-8bf6-f4f0ec9df78f.html",
                                  "5dc3fa2d-6734-41e9-8520-a9c7c91ae1f8.html"])
def test_byline_reads_an_essay_signed_on_its_own_line_under_the_headline(name: str) -> None:
    assert corpus_article("chinese-web-content-extraction-dataset", name).author == "胡平"


def test_byline_reads_a_blog_post_signed_at_its_foot() -> None:
    article = inline_article(f"<h1>标题</h1><div>2024-05-13 06:15</div><div class='post'>{STORY}{STORY}</div>"
                             "<div>由海姑娘张贴 @ 2005-03-15 16:47:37</div>")
    assert article.author == "海姑娘"


def test_byline_reads_a_translator_credit_closing_a_paragraph_well_before_the_body_ends() -> None:
    assert corpus_article("mozilla-readability", "qq.html").author == "林靖东"


def test_byline_reads_every_writer_of_a_labelled_byline_split_over_elements() -> None:
    byline = "<div class='byline'>By <strong>Dana A. Ford,</strong> <strong>Chien-Ming Wang</strong> and " \
             "<strong>Tom Watkins</strong>, CNN</div>"
    assert inline_article(f"<h1>标题</h1>{byline}{STORY}").author == "Dana A. Ford, Chien-Ming Wang, Tom Watkins"


def test_byline_prefers_a_declared_writer_to_a_photo_credit_in_a_box_marked_author() -> None:
    head = '<meta name="author" content="Alberto Órfão">'
    article = inline_article(f"<h1>Title</h1><div class='author-photo'>EFE/ J.J. Guillén</div>{STORY}", head)
    assert article.author == "Alberto Órfão"


def test_byline_does_not_read_by_inside_a_headline_or_a_credit_line_as_a_label() -> None:
    article = inline_article(f"<h1>Title</h1><div>Dragged By Her Hair</div>{STORY}"
                             "<p>Produced By 大汉网络 大汉版通发布系统</p>")
    assert article.author is None


def test_byline_drops_a_capitalised_desk_after_the_writer() -> None:
    article = inline_article(f"<h1>Title</h1><p class='author'>David Straub, MDR THÜRINGEN</p>{STORY}")
    assert article.author == "David Straub"


def test_byline_reads_the_writer_behind_a_job_title_in_a_closing_citation() -> None:
    name = "e751800204690e100c8e8802128e886fbd6bf7360903dedc419a69246be2cb6a.html"
    assert corpus_article("magic-html-benchmark", name).author == "徐占忱"


def test_byline_skips_breadcrumbs_and_bullets_in_boxes_marked_author() -> None:
    box = "<div class='author'><p><strong>当前位置 :</strong></p></div><div class='author'>■该 ■ 我来说两句</div>"
    assert inline_article(f"<h1>标题</h1>{box}<div>2024-05-13 06:15</div>{STORY}").author is None


def test_byline_reads_a_self_media_account_linked_to_its_profile_as_the_author() -> None:
    account = "<div class='pgc'><a href='/c/user/6294480027/' class='media-user'><span>去驴行</span></a></div>"
    article = inline_article(f"<h1>标题</h1>{account}<div>2019-09-08 11:42:03</div>{STORY}")
    assert (article.author, article.source) == ("去驴行", None)


def test_byline_reads_an_account_set_off_from_the_date_by_a_dot() -> None:
    byline = "<p class='time'><span>2019-05-17</span><span> · </span><span>苏皖城市报道</span></p>"
    assert inline_article(f"<h1>标题</h1>{byline}{STORY}").author == "苏皖城市报道"


def test_byline_reads_a_writer_bracketed_after_the_time() -> None:
    byline = "<div>2004年7月16日08:19 [ 黄宇 ] 来源：<a>国际金融报</a></div>"
    article = inline_article(f"<h1>标题</h1>{byline}{STORY}")
    assert (article.author, article.source) == ("黄宇", "国际金融报")


def test_byline_does_not_take_a_publish_label_beside_the_time_for_an_account() -> None:
    # '于 2024-05-06 15:47:53 发布' on a blog whose byline links to the writer's profile.
    name = "d231b17088855d546e63d626119f38fcb324a015767a0a3f002e068fd584c393.html"
    assert corpus_article("magic-html-benchmark", name).author != "发布"


@pytest.mark.parametrize(("line", "author"), [
    ("Posted by Konstantin @ 12:00 am", "Konstantin"),
    ("von Andreas Kürten", "Andreas Kürten"),
    ("By Tuesday, the river had risen", None),
])
def test_byline_reads_an_unmarked_line_that_leads_with_the_writer_but_not_a_sentence(line: str,
                                                                                    author: str | None) -> None:
    article = inline_article(f"<h1>Title</h1><div><span>{line}</span></div>{STORY}")
    assert article.author == author


def test_byline_does_not_take_the_place_a_post_was_sent_from_for_an_account() -> None:
    byline = "<p class='time'><span>2024-05-13 06:15</span><span> · </span><span>北京</span></p>"
    assert inline_article(f"<h1>标题</h1>{byline}{STORY}").author is None


def test_byline_names_the_editor_in_charge_and_keeps_the_other_editor_out_of_the_author() -> None:
    head = '<meta name="author" content="倪仕轩">'
    article = inline_article(f"<h1>标题</h1><div>2024-05-13 06:15</div>{STORY}<div>编辑：倪仕轩 责任编辑：杨格</div>",
                             head)
    assert (article.editor, article.author) == ("杨格", None)


def test_byline_reads_a_western_editor_name_whole() -> None:
    article = inline_article(f"<h1>标题</h1><div>2024-05-13 06:15</div>{STORY}<p><strong>责编：Demi Xia</strong></p>")
    assert article.editor == "Demi Xia"


def test_byline_does_not_take_a_headline_after_an_empty_editor_label() -> None:
    article = inline_article(f"<h1>标题</h1><div>2024-05-13 06:15</div>{STORY}"
                             "<p><span>编辑：</span></p><p><a>疫情一刀切政策怎么投诉举报</a></p>")
    assert article.editor is None


@pytest.mark.parametrize(("line", "editor"), [
    ("（松花江网编辑 孙桂芳）", "孙桂芳"),
    ("药剂科供稿 摄影/张艳 编辑/苏芳", "苏芳"),
    ("责编|陈梦莹", "陈梦莹"),
])
def test_byline_reads_editors_credited_without_a_colon(line: str, editor: str) -> None:
    article = inline_article(f"<h1>标题</h1><div>2024-05-13 06:15</div>{STORY}<p>{line}</p>")
    assert article.editor == editor


def test_byline_leaves_dates_links_and_job_titles_marked_alike_out_of_the_writers() -> None:
    box = ("<div class='byline'><span class='n'>Jon Porter</span> <span class='n'>Jul</span> "
           "<span class='n'>More about Jon Porter</span> <span class='n'>Liz SkalkaPolitics Reporter</span></div>")
    assert inline_article(f"<h1>Title</h1>{box}{STORY}").author == "Jon Porter"


def test_byline_prefers_the_reporter_credited_at_the_body_end_over_a_marked_account() -> None:
    # A portal prints the publishing account in a box marked 'author'; the closing line names the reporter.
    body = ('<h1>儿歌被改编引发讨论</h1><div class="info"><a class="author" href="/omn/author/5183008">'
            '扬眼</a><span>2019-09-07 19:02</span></div>' + STORY
            + STORY + '<p>扬子晚报记者 张楠</p>')
    assert inline_article(body).author == "张楠"


def test_byline_does_not_read_a_breadcrumb_in_a_box_marked_author_as_writers() -> None:
    body = ('<div class="news-author"><div class="author-desc"><p><strong>当前位置 : </strong>'
            '<a href="/">上海新闻网</a> &gt; <a href="/list-1.html">新闻资讯</a> &gt; '
            '<a href="/list-4.html">社会关注</a> &gt; 大牛股突然放量跌停</p></div></div>'
            '<h1>大牛股突然放量跌停</h1><div class="news-author"><p>发布于 2019-09-26 07:19:52</p></div>'
            + STORY + STORY)
    assert inline_article(body).author is None


def test_byline_does_not_take_the_site_domain_name_declared_as_author() -> None:
    head = '<meta name="author" content="example">'
    body = "<h1>扩大内需势必拉动供给</h1><div>2020-07-04 12:29</div>" + STORY + STORY
    assert inline_article(body, head).author is None


def test_byline_reads_a_writer_named_in_the_element_after_a_lone_label() -> None:
    body = ('<div><h5>Datum:</h5><div>03.11.2021</div><h5>Autor:</h5><div>Peter Maahn/SP-X</div></div>'
            '<h1>Skoda zeigt das neue Coupé</h1><figure><figcaption>Noch ist das Coupé getarnt</figcaption></figure>'
            + "<p>Noch ist er durch eine Tarnfolie mit wild verschlungenen Buchstaben verhüllt, sagt man.</p>" * 16)
    assert inline_article(body).author == "Peter Maahn"
