"""The article body: blocks found on real saved pages and on small pages that isolate one rule."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from feedd.decode import decode_html
from feedd.extract import extract_article
from feedd.models import Article
from tests.pages import CORPUS

NOW = datetime(2026, 4, 21, 9, 0, tzinfo=UTC)


def article_of(page: str, zone: str = "UTC") -> Article:
    return extract_article(page, "https://www.example.com/a/1.html", zone=ZoneInfo(zone), now=NOW)


def corpus_article(corpus: str, name: str) -> Article:
    return article_of(decode_html((CORPUS / corpus / "html" / name).read_bytes(), None))


def paragraphs(words: str, count: int) -> str:
    return "".join(f"<p>{words} number {index}, told at length so that it reads as prose, not a caption.</p>"
                   for index in range(count))


def test_content_joins_a_story_stack_split_over_sibling_items() -> None:
    text = corpus_article("fundus", "us__LATimes_2023_06_26.html").content_text
    assert "Construction for the Los Angeles Coliseum was completed on May 1, 1923." in text
    assert "Estimated attendance: 77,000." in text


def test_content_joins_body_blocks_split_around_an_embed() -> None:
    page = ("<html><body><h1>Title</h1><div class='story'>"
            f"<div class='text-block'>{paragraphs('The first half of the story', 4)}</div>"
            "<div class='embed'><iframe src='https://video.example/1'></iframe></div>"
            f"<div class='text-block-2'>{paragraphs('The second half of the story', 6)}</div>"
            "</div><div class='comments'>" + paragraphs("A reader comment", 3) + "</div></body></html>")
    article = article_of(page)
    assert "The first half of the story number 0" in article.content_text
    assert "The second half of the story number 5" in article.content_text
    assert "A reader comment" not in article.content_text


def test_content_does_not_widen_into_a_link_heavy_page_frame() -> None:
    links = "".join(f"<li><a href='/n/{index}'>Another headline on the site, number {index}</a></li>"
                    for index in range(15))
    page = (f"<html><body><div class='page'><ul>{links}</ul><div class='article'>"
            f"{paragraphs('The only story', 5)}</div></div></body></html>")
    article = article_of(page)
    assert "The only story number 4" in article.content_text
    assert "Another headline" not in article.content_text


def test_content_counts_punctuation_of_a_long_single_paragraph() -> None:
    # The whole story sits in one <p> of 3,300 characters; a short dated line must not outscore it.
    text = corpus_article("fundus", "tr__NTVTR_2024_04_30.html").content_text
    assert "Trabzonsporlu Paul Onuachu ise toplam bin 315 dakikada 12 kez fileleri havalandırdı." in text
    assert len(text) > 3000


def test_content_reads_urdu_prose_held_in_one_block() -> None:
    name = "eee73319935536d6bfdd70c3ec8cd1ff406aec151b06be086462f35a899138a0.html"
    text = corpus_article("magic-html-benchmark", name).content_text
    assert "دریائے راوی پر" in text
    assert "UrduPoint Network is the largest" not in text


def test_content_does_not_count_a_span_twice_inside_its_paragraph() -> None:
    # The byline paragraph wraps its text in a <span>; counted twice it outscored the story's blocks.
    name = "df2e456100350d66c4981ef890ed8601235e09c6073e2e77a074c54685744b28.html"
    text = corpus_article("magic-html-benchmark", name).content_text
    assert "Apple plans to put its M2 Ultra on cloud servers" in text
    assert "a reporter who covers AI" not in text


def test_content_passes_over_reader_comments_longer_than_the_post() -> None:
    name = "ac3c035520461017a7c5b248d8e39ef063cad4c0c7d7b7ecd68aff8f15099485.html"
    text = corpus_article("scrapinghub-article-extraction-benchmark", name).content_text
    assert "Our goal with hosting quarterly open threads" in text
    assert "Our best guess is that any effects on vehicle speed are fairly small" not in text


def test_content_passes_over_a_cookie_notice_longer_than_the_story() -> None:
    name = "2d5228514fd49969ab1b9dbbf0df063702fcbb50120f8b690a9049867d0f5e8f.html"
    text = corpus_article("magic-html-benchmark", name).content_text
    assert "Caitlin Clark has adopted a new mentality for her time in the WNBA." in text
    assert "This Cookie Notice" not in text


def test_content_drops_read_also_lines_between_paragraphs() -> None:
    text = corpus_article("adbar-htmldate-trafilatura", "100noticias.com-millones.html").content_text
    assert "Nicaragua cerró 2021 con una deuda externa total" in text
    assert "Lea también: Impiden ingreso a Nicaragua" not in text


def test_content_keeps_short_lines_of_several_short_links() -> None:
    # Place names linked one by one are the story's facts, not a pointer to another story.
    page = ("<html><body><article>" + paragraphs("The storm warning covers", 4)
            + "<p>Region: <a href='/a'>Kurume City</a>, <a href='/b'>Saga City</a>, <a href='/c'>Oita City</a></p>"
            + "</article></body></html>")
    article = article_of(page)
    assert "Region: Kurume City, Saga City, Oita City" in article.content_text


def test_content_joins_a_story_split_over_rows_of_a_sidebar_named_grid() -> None:
    # The layout grid's rows are named like furniture ('sidebar-grid__container'); the story runs
    # through all of them, each row too short alone to be the body.
    rows = "".join(f"<div class='sidebar-grid__container'><div class='article__content'>"
                   f"{paragraphs(f'Part {part} of the story', 2)}</div></div>" for part in range(4))
    page = ("<html><body><main><article><div class='sidebar-grid'>" + rows
            + "<div class='sidebar-grid__container'><footer>Related tags: <a href='/t'>Politics</a></footer>"
            "</div></div></article></main></body></html>")
    article = article_of(page)
    for part in range(4):
        assert f"Part {part} of the story number 1" in article.content_text
    assert "Related tags" not in article.content_text


def test_content_keeps_a_real_sidebar_out_of_a_story_in_a_sidebar_named_grid() -> None:
    rows = "".join(f"<div class='sidebar-grid__container'><div class='article__content'>"
                   f"{paragraphs(f'Part {part} of the story', 3)}</div></div>" for part in range(3))
    page = ("<html><body><div class='page'><div class='sidebar-grid'>" + rows + "</div>"
            f"<div class='sidebar'>{paragraphs('A promoted column', 4)}</div></div></body></html>")
    article = article_of(page)
    assert "Part 0 of the story number 0" in article.content_text
    assert "Part 2 of the story number 2" in article.content_text
    assert "A promoted column" not in article.content_text


def test_content_drops_a_related_block_whose_furniture_word_contains_post() -> None:
    # 'jp-relatedposts' holds 'post', but inside the furniture word 'relatedposts' it names no story.
    page = ("<html><body><h1>A blog entry</h1><div class='entry-content'>" + paragraphs("The blog entry says", 5)
            + "<div class='jp-relatedposts'><h3>Similar entries on this blog</h3></div></div></body></html>")
    article = article_of(page)
    assert "The blog entry says number 4" in article.content_text
    assert "Similar entries" not in article.content_text


def test_content_keeps_a_story_wrapper_named_after_its_share_bar() -> None:
    # 'sr-body-share-wrapper': 'share' is furniture, but 'body' still names the story it wraps.
    stories = "".join(f"<div class='sr-body-share-wrapper'>{paragraphs(f'Story {index} says', 4)}</div>"
                      for index in range(3))
    page = f"<html><body><div class='stories'>{stories}</div></body></html>"
    article = article_of(page)
    assert "Story 0 says number 3" in article.content_text


def test_content_drops_lines_that_only_label_furniture() -> None:
    page = ("<html><body><h1>Headline</h1><article>" + paragraphs("The report says", 3)
            + "<p>- Advertisement -</p>" + paragraphs("The report goes on", 3)
            + "<figure><img src='/ad.jpg'><figcaption>Reklama</figcaption></figure>"
            + "<h4>Das könnte dich auch interessieren</h4><div>12 Comments</div></article></body></html>")
    article = article_of(page)
    assert "The report goes on number 2" in article.content_text
    for label in ("Advertisement", "Reklama", "Das könnte dich", "Comments"):
        assert label not in article.content_text


def test_content_keeps_a_sentence_that_begins_like_a_furniture_label() -> None:
    page = ("<html><body><h1>Headline</h1><article>" + paragraphs("The report says", 3)
            + "<p>Related stories ran in the evening papers.</p><p>Comments were closed by noon.</p>"
            + "</article></body></html>")
    article = article_of(page)
    assert "Related stories ran in the evening papers." in article.content_text
    assert "Comments were closed by noon." in article.content_text


def test_content_drops_chinese_pager_lines() -> None:
    body = "".join(f"<p>第{index}段：记者在现场看到，村民们正在田间忙着播种，今年的春耕比往年提前了一周左右。</p>"
                   for index in range(5))
    page = ("<html><body><h1>春耕忙</h1><div class='article'><div>第1页/共2页</div>" + body
            + "<div><a href='?page=1'>&lt;&lt; 上一页</a> | <a href='?page=2'>下一页 &gt;&gt;</a></div>"
            "<p>相关报道：</p></div></body></html>")
    article = article_of(page, "Asia/Shanghai")
    assert "第4段" in article.content_text
    for furniture in ("第1页/共2页", "上一页", "下一页", "相关报道"):
        assert furniture not in article.content_text


def test_content_drops_read_also_lines_without_a_link() -> None:
    page = ("<html><body><h1>Headline</h1><article>" + paragraphs("The report says", 3)
            + "<h3>MIRA: Madre se acerca a conocer los motivos de captura de su hijo</h3>"
            + "<blockquote>PUEDES VER: ¿Qué es la Sunedu y para qué sirve?</blockquote>"
            + paragraphs("The report goes on", 3) + "</article></body></html>")
    article = article_of(page)
    assert "The report goes on number 2" in article.content_text
    assert "Madre se acerca" not in article.content_text
    assert "Sunedu" not in article.content_text


def test_content_keeps_a_sentence_that_starts_with_a_read_also_word() -> None:
    page = ("<html><body><h1>Headline</h1><article>" + paragraphs("The report says", 3)
            + "<p>Read more carefully, the figures tell another story.</p></article></body></html>")
    article = article_of(page)
    assert "Read more carefully, the figures tell another story." in article.content_text


def _read_more_page(before: str, after: str) -> Article:
    page = ("<html><body><h1>Title</h1><div class='story-body'>"
            f"{before}<div id='read-more'><div id='read-more-content'>{paragraphs('The folded story', 10)}"
            f"</div></div>{after}</div></body></html>")
    return article_of(page)


def test_content_joins_a_lead_set_before_a_read_more_fold() -> None:
    text = _read_more_page(paragraphs("The lead of the story", 4), "").content_text
    assert "The lead of the story number 0" in text
    assert "The folded story number 9" in text


def test_content_does_not_join_as_much_prose_set_after_the_story() -> None:
    text = _read_more_page("", paragraphs("About the author", 4)).content_text
    assert "The folded story number 9" in text
    assert "About the author" not in text


def test_content_does_not_join_a_standfirst_written_unlike_the_story() -> None:
    standfirst = paragraphs("A teaser", 4).replace("<p>", "<p class='standfirst'>")
    text = _read_more_page(standfirst, "").content_text
    assert "The folded story number 9" in text
    assert "A teaser" not in text


def test_content_passes_over_the_reference_list_below_an_encyclopedia_article() -> None:
    citations = "".join(f"<li id='cite_note-{index}'>^ Author, A.; Writer, B. ({2000 + index}). \"A cited paper, "
                        f"number {index}\". Journal of Things. {index}: 10–20. Retrieved 1 May 2020.</li>"
                        for index in range(15))
    page = ("<html><body><h1>Title</h1><div class='mw-parser-output'>"
            f"{paragraphs('The encyclopedia article', 30)}<h2>References</h2>"
            f"<div class='reflist'><ol class='references'>{citations}</ol></div></div></body></html>")
    text = article_of(page).content_text
    assert "The encyclopedia article number 29" in text
    assert "A cited paper" not in text


def test_content_keeps_sections_whose_id_is_their_heading_as_a_slug() -> None:
    # Documentation generators name each section after its heading: 'sharing' here is no share bar.
    sections = "".join(f"<div class='section' id='sharing-with-team-{index}'><h2>Sharing with team {index}¶</h2>"
                       f"{paragraphs(f'Section {index} of the guide', 3)}</div>" for index in range(3))
    page = (f"<html><body><div class='document'><h1>Guide</h1>{paragraphs('The introduction', 2)}"
            f"{sections}</div><div id='share-bar'><p>Share this guide with a friend on a social network.</p></div>"
            "</body></html>")
    text = article_of(page).content_text
    assert "Section 0 of the guide number 2" in text
    assert "Section 2 of the guide number 2" in text
    assert "Share this guide" not in text


def test_content_drops_a_labelled_list_of_dated_links_below_the_story() -> None:
    related = "".join(f"·<a href='/n/{index}.html'>另一篇报道的标题第{index}篇</a>"
                      f"<span>（2005-04-0{index} 17:19PM）</span><br>" for index in range(1, 7))
    page = ("<html><body><div class='main'>"
            + "".join(f"<p>这是正文的第{index}段，讲述了事情的经过，内容足够长，读起来像是一段真正的文章正文。</p>"
                      for index in range(8))
            + f"<table><tr><td><b>相关报道：</b></td></tr><tr><td>{related}</td></tr></table>"
            "</div></body></html>")
    text = article_of(page).content_text
    assert "这是正文的第7段" in text
    assert "另一篇报道的标题" not in text


def test_content_keeps_a_labelled_block_of_prose_with_few_links() -> None:
    page = ("<html><body><div class='main'>" + paragraphs("The story", 8)
            + "<div><p>Related</p><p>A paragraph of the story that mentions <a href='/x'>one link</a> in passing, "
            "with a good deal of plain prose around it.</p></div></div></body></html>")
    text = article_of(page).content_text
    assert "mentions one link in passing" in text


def test_content_drops_the_author_bio_below_the_story() -> None:
    page = ("<html><body><article><div class='article-body'>" + paragraphs("The story", 8)
            + "<div class='author-bio'><p>Jane Doe is a staff writer who covers city hall, and you can follow her "
            "on every social network there is.</p></div></div></article></body></html>")
    text = article_of(page).content_text
    assert "The story number 7" in text
    assert "Jane Doe is a staff writer" not in text


def _page_with(extra: str, story: int = 8) -> str:
    return (f"<html><body><article><div class='article-body'>{paragraphs('The story', story)}{extra}"
            "</div></article></body></html>")


def test_content_drops_blocks_the_page_keeps_hidden() -> None:
    offer = ("<div class='premium hidden'><p>This content is reserved for subscribers, who enjoy unlimited "
             "access to every story.</p></div><p hidden>Thank you for signing up for our morning newsletter.</p>"
             "<div style='display: none'><p>You have reached your limit of free articles this month.</p></div>")
    text = article_of(_page_with(offer)).content_text
    assert "The story number 7" in text
    assert "reserved for subscribers" not in text
    assert "Thank you for signing up" not in text
    assert "reached your limit" not in text


def test_content_keeps_hidden_slides_of_a_gallery_and_responsive_blocks() -> None:
    slides = "".join(f"<div class='gallery-section{'' if index == 0 else ' hidden'}'>"
                     f"<p>Slide {index} describes one more item of the list at some length.</p></div>"
                     for index in range(4))
    shown = "<div class='hidden md:block'><p>A box that wide screens show beside the story text.</p></div>"
    text = article_of(_page_with(slides + shown)).content_text
    assert "Slide 3 describes" in text
    assert "A box that wide screens show" in text


def test_content_keeps_a_hidden_block_that_is_most_of_the_story() -> None:
    folded = f"<div style='display:none' class='rest'>{paragraphs('The folded rest', 8)}</div>"
    text = article_of(_page_with(folded, story=4)).content_text
    assert "The folded rest number 7" in text


def test_content_keeps_the_space_where_a_dropped_element_stood_between_two_words() -> None:
    # A share button between two words goes; the blank after it is the space between them.
    page = ("<html><body><div class='story'>" + paragraphs("The senate debated the budget", 4)
            + "<p>When President<button>Share</button> <a href='/trump'>Trump</a> spoke, the senate listened.</p>"
            + "</div></body></html>")
    text = article_of(page).content_text
    assert "When President Trump spoke" in text


def test_content_reads_words_around_a_comment_apart() -> None:
    # Saved corpus page: 'President<!-- ... --> <a>Trump</a>' once read 'PresidentTrump'.
    text = corpus_article("mozilla-readability", "wikipedia-2.html").content_text
    assert "in the 2018 Human Development Index" in text


def test_the_story_name_lookahead_lets_every_name_through() -> None:
    # _POSITIVE opens with a lookahead naming each word's first letter (a speed-up); a word added
    # without its letter there would silently never match.
    from feedd.content import _POSITIVE

    words = _POSITIVE.pattern.split("(?:", 1)[1].rstrip(")").split("|")
    assert len(words) > 15
    for word in words:
        name = word.replace("\\b", "").replace("_?", "")
        assert _POSITIVE.search(f"x {name}") is not None, word
