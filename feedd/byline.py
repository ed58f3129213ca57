"""Source (来源), author and editor, kept apart.

The byline just below the headline is read first, then marked elements and meta tags, then the
lines at the end of the body ('本文来源：…', '（责任编辑：…）'). Placeholders such as '转载' or
'本站原创' and image or video credits are not a source. Writers are found by feedd.authors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from lxml import etree

from feedd.author_marks import marked_text
from feedd.authors import COLLECTIVE, ArticleParts, find_author, is_organization, json_ld_names
from feedd.byline_text import (
    CJK,
    KANA,
    NAME_RUN,
    PLACEHOLDER_SOURCES,
    clean_value,
    first_labelled,
    followed_by_label,
    joined,
    looks_like_outlet,
    plausible_byline,
    plausible_name,
    usable_source,
)
from feedd.extract_page import PageFacts, Segment, json_ld_values, meta_value, normalise_space

__all__ = ["PLACEHOLDER_SOURCES", "Byline", "read_byline"]

# A leading lookahead on a pattern's first characters lets the regex engine skip ahead quickly.
SOURCE_LABELS: Final = (
    "稿件来源", "本文来源", "文章来源", "新闻来源", "信息来源", "来源于", "来源", "來源", "稿源", "出处",
    "來自", "来自")
SOURCE_LABEL: Final = re.compile(
    r"(?=[稿本文新信来來出])(?P<label>" + "|".join(SOURCE_LABELS) + r")\s*[:：|｜]\s*[\[【(（]?\s*" + NAME_RUN)
# '本文来源于<a>国家统计局</a>' carries no colon; the value must then be named like an outlet.
_SOURCE_FROM: Final = re.compile(r"(?=[本文稿来])(?:本文|文章|稿件)?来源于\s*" + NAME_RUN)
# The end of a reprinted essay cites where it first ran: '——《北京之春》1998年3月号', '(摘自《…学刊》…)'.
_CITATION: Final = re.compile(r"(?:^|\n)\s*[(（]?\s*(?:——|—|--|摘自|选自|转自|转载自|原载于?|刊于|载于|录自)\s*"
                              r"《(?P<value>[^》\n]{2,30})》")
EDITOR_LABELS: Final = ("责任编辑", "責任編輯", "责编", "值班编辑", "编辑", "編輯", "选稿", "Editor")
# A value: a name, perhaps a western surname ('Demi Xia') or a staff code ('支全明 SF099'), or a list.
_EDITOR_VALUE: Final = (
    r"\s*[:：/／|｜]\s*(?P<value>[^\s:：|｜,，;；。()（）【】\[\]<>]{1,30}(?: [A-Z][a-z]{1,20}(?![\w]))?"
    r"(?:[ 、,，][A-Za-z]{1,3}\d{2,6}(?![\w]))?"
    r"(?:[、,，][^\s:：|｜,，;；。()（）【】\[\]<>]{2,12}(?:\s[A-Za-z]{1,3}\d{2,6})?)*)")
EDITOR_LABEL: Final = re.compile(r"(?=[责責值编編选E])(?:" + "|".join(EDITOR_LABELS) + r")" + _EDITOR_VALUE)
# '（松花江网编辑 孙桂芳）': a bracketed credit closing the body needs no colon.
_EDITOR_BRACKETED: Final = re.compile(r"[(（][^()（）\n]{0,12}?(?:责任编辑|责编|编辑)\s+"
                                      r"(?P<value>[\u4e00-\u9fff·]{2,4})\s*[)）]")
# '编辑：倪仕轩 责任编辑：杨格': the editor in charge is the one a feed names.
_EDITOR_IN_CHARGE: Final = re.compile(r"(?=[责責])(?:责任编辑|責任編輯|责编)" + _EDITOR_VALUE)
_CREDIT_BEFORE: Final = re.compile(r"(图片|图|照片|视频|素材|摄影|[(（])\s*$")
_SOURCE_CLASS: Final = re.compile(r"source|media[-_]?name|from|origin|laiyuan|ly\b", re.IGNORECASE)
_WIRE_DATELINE: Final = re.compile(r"^\s*[据據]?\s*(?P<value>[\u4e00-\u9fff]{2,6}?(?:社|网|網|台|报|報))"
                                   r"[\u4e00-\u9fff]{0,8}\d{0,2}月?\d{0,2}日?\s*[电電讯訊]")
_DATELINE: Final = re.compile(r"\d{4}[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
                              r"|\d{1,2}:\d{2}(?::\d{2})?")
_WORD: Final = re.compile(r"\w")
_PROFILE_LINK: Final = re.compile(r"/(?:c/)?user/|/u/\d|/people/|/profile/|/author/|/home/\d|mp\.|/account/")
_SEPARATORS: Final = re.compile(r"[|｜·•/／]|来源|來源|原创[:：]?")
_FOOTER_OVERLAP: Final = 8
_ACCOUNT_LINES: Final = 12
_LABEL_LINE_CHARS: Final = 80
_DOTTED_ACCOUNT: Final = re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*[·•]\s*"
                                    r"(?P<value>[\u4e00-\u9fff]{2,10})(?:\s|$)")
_FURNITURE_WORD: Final = re.compile(r"关注|分享|评论|举报|收藏|阅读|浏览|点赞|原创|首页|客户端|登录|注册|发布|来自")
# Where the post was sent from ('2024-05-13 · 北京', '发布于：江苏省') is not who wrote it.
_PLACE: Final = re.compile(
    r"^(?:北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|"
    r"湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|海外|中国)"
    r"(?:省|市|自治区|特别行政区)?$|[省市区县州]$")
# Bylines sit within a few lines of the headline or the body; beyond lie other articles' writers.
_AREA_MARGIN: Final = 25


@dataclass(frozen=True)
class Byline:
    source: str | None
    author: str | None
    editor: str | None


def read_byline(facts: PageFacts, header: Sequence[Segment], footer: Sequence[Segment],
                opening: Sequence[Segment] = (), body: Sequence[Segment] | None = None) -> Byline:
    """Source, author and editor from the header byline, marked elements, meta tags and the footer;
    `opening` is the body's first lines, where a wire dateline ('新华社北京5月20日电') names the source,
    and `body` all of the body's lines (read from the page when not given)."""
    parts = _article_parts(facts, header, footer, opening, body)
    label_lines = _short_lines(parts.area)
    beside = _beside_dateline(header)
    editor, first_editor = _editors(header, footer, label_lines)
    source = _source(facts, parts, opening, label_lines, beside)
    # Chinese bylines keep 来源 and 作者 apart; elsewhere an agency byline is the author too.
    outlet = source if source and CJK.search(source) and not KANA.search(source) else None
    author = find_author(facts, parts, (editor, first_editor, outlet))
    if author is None:
        author = _account(facts, header, beside, (source, editor))
    return Byline(source=source, author=author, editor=editor)


def _account(facts: PageFacts, header: Sequence[Segment], beside: str | None,
             others: tuple[str | None, ...]) -> str | None:
    """A self-media account writes the piece: the name beside the time that links to a profile
    (toutiao's '中国网'), a profile link in the byline, or a name set off from the date by a dot
    ('2019-05-17 · 苏皖城市报道')."""
    if beside and _is_account(facts, beside):
        return beside if beside not in others and not _FURNITURE_WORD.search(beside) else None
    for segment in header[:_ACCOUNT_LINES]:
        name = segment.text.strip().lstrip("@")
        if name not in others and _names_account(name) and _links_to_profile(segment.element):
            return name
    dotted = _DOTTED_ACCOUNT.search(joined(header[:_ACCOUNT_LINES]))
    if dotted and dotted.group("value") not in others and _names_account(dotted.group("value")):
        return dotted.group("value")
    return None


def _names_account(name: str) -> bool:
    # Self-media platforms are Chinese; elsewhere a profile link in the header is an avatar or a tag.
    return (2 <= len(name) <= 20 and bool(CJK.search(name)) and plausible_byline(name)
            and not looks_like_outlet(name) and not _FURNITURE_WORD.search(name) and not _DATELINE.search(name)
            and not _PLACE.search(name))


def _links_to_profile(element: etree._Element) -> bool:
    for node in (element, element.getparent()):
        if node is not None and node.tag == "a" and _PROFILE_LINK.search(node.get("href", "")):
            return True
    return False


def _editors(*regions: Sequence[Segment]) -> tuple[str | None, str | None]:
    """The editor in charge if the region names one, else any editor (a sentence is not a name);
    and the first editor of any kind, who is not the writer either."""
    for text in _texts(*regions):
        anyone = first_labelled(EDITOR_LABEL, [text], plausible_name) \
            or first_labelled(_EDITOR_BRACKETED, [text], plausible_name)
        in_charge = first_labelled(_EDITOR_IN_CHARGE, [text], plausible_name) if anyone else None
        if anyone:
            return in_charge or anyone, anyone
    return None, None


def _texts(*regions: Sequence[Segment]) -> Iterator[str]:
    """Each region's text, joined only when the previous region held no answer."""
    for region in regions:
        yield joined(region)


def _short_lines(segments: Sequence[Segment]) -> list[Segment]:
    """Lines short enough to be a label line: far from the byline, a label inside a paragraph
    is more often the story's than the article's ('据新华社消息，来源：…')."""
    return [segment for segment in segments if len(segment.text) <= _LABEL_LINE_CHARS]


def _article_parts(facts: PageFacts, header: Sequence[Segment], footer: Sequence[Segment],
                   opening: Sequence[Segment], body: Sequence[Segment] | None) -> ArticleParts:
    """Where the body runs (from the first line of `opening` to where `footer` leaves it: extract.py
    starts the footer eight lines before the body's last) and the article's own stretch of the page,
    from a little above the headline's byline to a little below the footer."""
    segments = facts.segments
    identities = list(map(id, segments))

    def position(part: Sequence[Segment]) -> int | None:
        # The parts are runs of consecutive lines: where the first stands tells where all stand.
        return identities.index(id(part[0])) if part and id(part[0]) in identities else None

    header_at, first, footer_at = position(header), position(opening), position(footer)
    last = footer_at + len(footer) - 1 if footer_at is not None else None
    if body is None:
        body = segments[first: footer_at + _FOOTER_OVERLAP + 1] if first is not None and footer_at is not None \
            else opening
    starts = [index for index in (header_at, first) if index is not None]
    stops = [index for index in (last, first) if index is not None]
    if not starts or not stops:
        return ArticleParts(header, body, footer, segments)
    return ArticleParts(header, body, footer,
                        segments[max(0, min(starts) - _AREA_MARGIN): max(stops) + _AREA_MARGIN])


def _source(facts: PageFacts, parts: ArticleParts, opening: Sequence[Segment], label_lines: Sequence[Segment],
            beside: str | None) -> str | None:
    """`label_lines`: the short lines of the article's stretch; `beside`: the outlet-like word beside the time."""
    header, footer = parts.header, parts.footer
    for region in (header, footer):
        found = _labelled_source(joined(region))
        if found:
            return found
    meta = meta_value(facts, "source", "article:source", "og:source", "contentsource", "citation_publisher")
    if meta and usable_source(normalise_space(meta)):
        return normalise_space(meta)
    marked = marked_text(header, _SOURCE_CLASS)
    if marked and looks_like_outlet(marked):
        return marked
    if beside and not _is_account(facts, beside):
        return beside
    declared = _declared_outlet(facts)
    if declared:
        return declared
    cited = _cited_source(footer)
    if cited:
        return cited
    for segment in opening:
        wire = _WIRE_DATELINE.match(segment.text)
        if wire and usable_source(wire.group("value")):
            return wire.group("value")
    anywhere = _labelled_source(joined([segment for segment in label_lines if segment.element.tag != "a"]))
    return anywhere if anywhere and looks_like_outlet(anywhere) else None


def _declared_outlet(facts: PageFacts) -> str | None:
    """A JSON-LD author that is an Organization, or a 'person' named like an outlet (新华社 on
    toutiao), is the article's source."""
    for value in json_ld_values(facts, "author"):
        for item in value if isinstance(value, list) else [value]:
            name = next(iter(json_ld_names(item)), None)
            if name and (is_organization(item) or looks_like_outlet(name)) and usable_source(name) \
                    and not COLLECTIVE.search(name):
                return name
    return None


def _labelled_source(text: str) -> str | None:
    for match in SOURCE_LABEL.finditer(text):
        # '（来源：梨视频）' credits a clip; '（本文来源：经济日报）' names the article's outlet.
        explicit = len(match.group("label")) > 2
        if not explicit and _CREDIT_BEFORE.search(text[max(0, match.start() - 3): match.start()]):
            continue
        value = clean_value(match.group("value"))
        if usable_source(value) and not (followed_by_label(text, match) and value == match.group("value")):
            return value
    for match in _SOURCE_FROM.finditer(text) if "来源于" in text else ():
        value = clean_value(match.group("value"))
        if looks_like_outlet(value):
            return value
    return None


def _cited_source(footer: Sequence[Segment]) -> str | None:
    match = _CITATION.search(joined(footer))
    if match is None:
        return None
    value = normalise_space(match.group("value"))
    return value if usable_source(value) else None


def _beside_dateline(header: Sequence[Segment]) -> str | None:
    """Portals (sina, sohu, qq, udn) print the outlet right after the time with no label; others
    (thepaper, toutiao, chinanews) right before it, often in an element of its own."""
    shown = [segment.text for segment in header if _WORD.search(segment.text)]
    for index, text in enumerate(shown):
        match = _DATELINE.search(text)
        if match is None:
            continue
        after = [text[match.end():], *shown[index + 1: index + 3]]
        before = [text[:match.start()], *reversed(shown[max(0, index - 2): index])]
        for candidate in [_word(item, 0) for item in after] + [_word(item, -1) for item in before]:
            if looks_like_outlet(candidate):
                return candidate
        return None
    return None


def _is_account(facts: PageFacts, name: str) -> bool:
    """On self-media platforms (toutiao, sohu, baijiahao) the name beside the time is the posting
    account, linked to its profile page: a writer, not a source."""
    for segment in facts.segments:
        element = segment.element
        if element.tag == "a" and segment.text.lstrip("@") == name and _PROFILE_LINK.search(element.get("href", "")):
            return True
    return False


def _word(text: str, index: int) -> str:
    words = _SEPARATORS.sub(" ", text).split()
    return clean_value(words[index]) if words else ""
