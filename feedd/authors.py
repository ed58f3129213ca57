"""The article's writers: credit lines in the byline or the body, labelled bylines, JSON-LD and
meta authors, and elements marked as the byline, in that order of trust.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final
from urllib.parse import urlsplit

from lxml import etree

from feedd.author_marks import BY_PREFIX, coauthors_of, marked_author, marked_text
from feedd.byline_text import (
    CJK,
    NAME_RUN,
    clean_value,
    first_labelled,
    is_outlet_name,
    joined,
    plausible_byline,
    plausible_name,
    without_desk,
)
from feedd.extract_page import PageFacts, Segment, json_ld_values, normalise_space

_CJK_NAMES: Final = (
    r"(?P<value>[\u4e00-\u9fff·]{2,4}(?:(?:\s*[、,，]\s*|\s+)[\u4e00-\u9fff·]{2,4}){0,5})(?![\u4e00-\u9fff])")
# people.com.cn pads two-character names to three columns: '本报记者 王乐文 方 敏'.
_PADDED_NAME: Final = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff])[ \u3000]([\u4e00-\u9fff])(?![\u4e00-\u9fff])")
_CREDIT_LEAD: Final = (r"(?:[^\s:：()（）【】]{0,10}?(?:记者|記者|通讯员|通訊員)\s*[:：/／]?"
                       r"|(?:文|编译|执笔人?|采写|作者)\s*[:：/／|]\s*(?:[^\s:：()（）【】]{0,12}?(?:记者|作者)\s*)?)\s*")
_CREDIT_START: Final = re.compile(r"^\s*[(（【\[]?\s*" + _CREDIT_LEAD + _CJK_NAMES)
_CREDIT_BRACKETED: Final = re.compile(r"[(（【\[]\s*" + _CREDIT_LEAD + _CJK_NAMES + r"\s*[)）】\]]")
# Blogs sign a post at its foot: '由海姑娘张贴 @ 2005-03-15'.
_SIGNED_OFF: Final = re.compile(r"^\s*由\s*(?P<value>[^\s@]{2,12}?)\s*(?:张贴|發表|发表|发布|發佈)")
# '观察者网专栏作者 王文': the name follows the last label.
_INNER_LABEL: Final = re.compile(r"(?:作者|记者|記者|通讯员)\s*")
# '作者' needs a separator ('作者手记' is a heading); '文' must not end a word ('正文：', '原文：');
# 'By' and 'Von' lead a line ('Pulled By Her Hair' is a headline, 'Produced By …' a credit line).
# The leading lookahead lets the regex engine skip to the labels' first characters.
AUTHOR_LABEL: Final = re.compile(
    r"(?=[作记記撰文BVA\s|·•])(?:(?<![制创工著])作\s*者\s*[:：|｜\s]|[记記]\s*者|撰\s*[文稿]|(?<![\u4e00-\u9fff])文\s*[/／|:：]"
    r"|(?:^|(?<=[|·•]))\s*(?:By|Von)\b|\bAutor(?:in)?\b|\bAuteur\s*:)\s*[:：]?\s*" + NAME_RUN, re.MULTILINE)
# '作者：中国国际经济交流中心世界经济研究部部长、研究员徐占忱': a job title runs into the name.
_JOB_TITLES: Final = (
    r"(?:研究员|部长|主任|教授|院长|所长|主编|博士|讲师|主席|书记|经理|总监|分析师|经济学家|学者|专家|律师|"
    r"医生|记者|作者)\s*")
_TITLED_NAME: Final = re.compile(_JOB_TITLES + r"(?P<value>[\u4e00-\u9fff·]{2,4})$")
# '（本文来源：经济日报 作者：…研究部部长、研究员徐占忱）': the same inside a closing citation.
_TITLED_CREDIT: Final = re.compile(r"作者\s*[:：][^()（）\n]{0,80}?" + _JOB_TITLES
                                   + r"(?P<value>[\u4e00-\u9fff·]{2,4})\s*[)）]")
# Old portals print the writer in brackets after the time: '2004年7月16日08:19 [ 黄宇 ] 来源：'.
_BRACKETED_BESIDE_TIME: Final = re.compile(
    r"\d{1,2}:\d{2}(?::\d{2})?\s*[\[【]\s*(?P<value>[\u4e00-\u9fff·]{2,4})\s*[\]】]")
# A bare 'By' may lead a sentence ('By Tuesday, …'): it needs a full name after it.
_POSTED_BY_LINE: Final = re.compile(r"^\s*(?:(?i:(?:posted|written|published)\s+by)\s+(?P<handle>[A-ZÀ-Ý].*)"
                                    r"|(?i:by|von|par|por)\s+(?P<value>[A-ZÀ-Ý][^\s,]+\s+[A-ZÀ-Ý].*))")
_BYLINE_END: Final = re.compile(r"\s*(?:[|·•@]|,?\s+\d|\s+(?:on|am|le|el|il|den)\s+\d)")
_POSTED_BY_CHARS: Final = 60
# A label alone in its element, the name in the next one: '<h5>Autor:</h5><div>Peter Maahn/SP-X</div>'.
_NAME_START: Final = re.compile(r"\s*" + NAME_RUN)
_LONE_LABEL: Final = re.compile(
    r"\s*(?:Autor(?:in|en)?|Authors?|Auteur|Verfasser(?:in)?|作\s*者|记者|記者|撰文)\s*[:：]\s*")
_CREDIT_TAIL: Final = re.compile(r"\s*(?:整合|整理|编译|报道|报导|報導|即時報導)$")
# A desk before the writer: '上報快訊／范姜佳鈺'.
_DESK_SLASH: Final = re.compile(r"^[\u4e00-\u9fff]{3,8}[/／](?P<value>[\u4e00-\u9fff·]{2,4})$")
# A standalone name line under an essay's headline is read only when it starts with a common surname.
_SURNAMES: Final = frozenset(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何林高罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾"
    "肖萧蕭田董袁潘于蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付方白"
    "邹鄒孟熊秦邱江尹薛闫閻段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯")
_AUTHOR_CLASS: Final = re.compile(r"author|byline|writer|zuozhe", re.IGNORECASE)
_AUTHOR_META: Final = ("article:author", "author", "dc.creator", "sailthru.author", "parsely-author", "byl",
                       "og:article:author", "cxenseparse:author", "article:author_name", "article_author", "og:author",
                       "content_author", "articleauthor", "twitter:creator")
# Organisations that are a crowd, not an outlet ('维基媒体项目贡献者').
COLLECTIVE: Final = re.compile(r"贡献者|貢獻者|网友|用户|contributors|community", re.IGNORECASE)
_COMPANY: Final = re.compile(r"\b(?:Inc|Ltd|LLC|GmbH|Corp|Co\.,? Ltd|S\.A|Condé Nast)\b\.?|有限公司", re.IGNORECASE)
_SITE_SPLIT: Final = re.compile(r"\s[-|–—_]\s|_")
_LIST_MARK: Final = re.compile(r"[,;、，]| and ")
_KEY_NOISE: Final = re.compile(r"[\W_]+|www|com$")
_BODY_TAIL: Final = 20
_WORDS: Final = re.compile(r"[\s,;/&、，]+")


@dataclass(frozen=True)
class ArticleParts:
    """The lines under the headline, the body's lines, the lines around its end, and the stretch
    of the page that holds all three (marks beyond it belong to other articles)."""

    header: Sequence[Segment]
    body: Sequence[Segment]
    footer: Sequence[Segment]
    area: Sequence[Segment]


def find_author(facts: PageFacts, parts: ArticleParts, others: tuple[str | None, ...]) -> str | None:
    """The byline's person; a value that is the editor, the source or an outlet's name is not."""
    def declarable(value: str) -> bool:
        return plausible_name(value) and value not in others and not is_outlet_name(value)

    def plausible(value: str) -> bool:
        return declarable(value) and plausible_byline(value)

    header, body, footer = parts.header, parts.body, parts.footer
    article = _article_wrappers(header, body)
    # A reporter credited at the body's end ('扬子晚报记者 张楠') beats a box marked 'author' that
    # holds the publishing account.
    return (_credit_line([*header, *body[:3]], plausible)
            or _header_author(facts, header, article, plausible)
            or _credit_line([*body[-_BODY_TAIL:], *footer], plausible)
            or _declared_or_marked(facts, parts, article, declarable, plausible)
            or marked_author(facts, parts.area, article, plausible) or _signed(header)
            or _footer_label(footer, plausible) or _posted_by(parts.area, plausible)
            or _lone_label(parts.area, plausible))


def _header_author(facts: PageFacts, header: Sequence[Segment], article: frozenset[etree._Element],
                   plausible: Callable[[str], bool]) -> str | None:
    """A labelled byline under the headline ('作者：…', 'By …') with its co-authors, or a writer
    bracketed after the time."""
    text = joined(header)
    labelled = first_labelled(AUTHOR_LABEL, [text], plausible=plausible)
    if labelled:
        return coauthors_of(facts, header, _named(labelled), article, plausible)
    bracketed = _BRACKETED_BESIDE_TIME.search(text)
    return bracketed.group("value") if bracketed and plausible(bracketed.group("value")) else None


def _declared_or_marked(facts: PageFacts, parts: ArticleParts, article: frozenset[etree._Element],
                        declarable: Callable[[str], bool], plausible: Callable[[str], bool]) -> str | None:
    """An element under the headline marked as the byline, or the JSON-LD / meta author."""
    declared = [value for value in declared_authors(facts, _site_keys(facts)) if declarable(value)]
    marked = marked_text(parts.header, _AUTHOR_CLASS)
    marked = _named(marked) if marked else None
    # A marked byline beats a declared author it extends ('Nils' → 'Nils Pickert') or a declared
    # account handle ('oreilly_japan'), not a full name it does not mention (a photo credit in a
    # box marked 'author').
    if marked and plausible(marked) and not (declared and (len(declared[0]) > len(marked) or (
            " " in declared[0] and not _shares_word(declared[0], marked)))):
        return coauthors_of(facts, parts.header, marked, article, plausible)
    if not declared:
        return None
    # A CMS often declares only the first of several writers the byline names.
    return declared[0] if "," in declared[0] else coauthors_of(facts, parts.area, declared[0], article, plausible)


def _article_wrappers(header: Sequence[Segment], body: Sequence[Segment]) -> frozenset[etree._Element]:
    """Elements holding both the headline's byline and the body: layout, never page furniture,
    whatever their class says ('content-sidebar')."""
    if not header or not body:
        return frozenset()
    return frozenset(header[0].element.iterancestors()) & frozenset(body[0].element.iterancestors())


def _named(value: str) -> str:
    value = without_desk(_CREDIT_TAIL.sub("", value))
    for pattern in (_DESK_SLASH, _TITLED_NAME):
        found = pattern.search(value)
        if found:
            return found.group("value")
    return value


def _posted_by(area: Sequence[Segment], plausible: Callable[[str], bool]) -> str | None:
    """An unmarked short line that leads with the writer: 'Posted by Konstantin', 'von Andreas Kürten'."""
    for segment in area:
        found = _POSTED_BY_LINE.match(segment.text) if len(segment.text) <= _POSTED_BY_CHARS else None
        if found:
            name = clean_value(_BYLINE_END.split(found.group("handle") or found.group("value"), maxsplit=1)[0])
            if name and plausible(name):
                return name
    return None


def _lone_label(area: Sequence[Segment], plausible: Callable[[str], bool]) -> str | None:
    """A writer named in the element after a label that stands alone ('Autor:' | 'Peter Maahn')."""
    for segment, following in pairwise(area):
        if _LONE_LABEL.fullmatch(segment.text):
            found = _NAME_START.match(following.text)
            name = _named(clean_value(found.group("value"))) if found else None
            if name and plausible(name):
                return name
    return None


def _footer_label(footer: Sequence[Segment], plausible: Callable[[str], bool]) -> str | None:
    found = first_labelled(AUTHOR_LABEL, [joined(footer)], plausible=plausible)
    return _named(found) if found else None


def _credit_line(segments: Sequence[Segment], plausible: Callable[[str], bool]) -> str | None:
    """Writers credited inside the body: '（职工通讯员 李琴雯 刘会）…', '扬子晚报记者 张楠',
    '采写：南都见习记者 林子沛', '…上。（编译/林靖东）', '由海姑娘张贴'."""
    for segment in segments:
        text = segment.text
        if text.isascii():
            continue  # every form below names its writer in Chinese characters
        if len(text) <= 40:
            text = _PADDED_NAME.sub(r"\1\2", text)
            found = _CREDIT_START.match(text) or _SIGNED_OFF.match(text) or _CREDIT_BRACKETED.search(text)
        else:
            found = _CREDIT_BRACKETED.search(text) or (_TITLED_CREDIT.search(text) if "作者" in text else None)
        if found is None:
            continue
        value = _CREDIT_TAIL.sub("", clean_value(_INNER_LABEL.split(found.group("value"))[-1]))
        if value and plausible(value):
            return value
    return None


def _signed(header: Sequence[Segment]) -> str | None:
    """An essay signed on a line of its own under the headline: '胡平'."""
    for segment in header[:2]:
        text = segment.text.strip()
        if 2 <= len(text) <= 3 and text[0] in _SURNAMES and len(CJK.findall(text)) == len(text):
            return text
    return None


def declared_authors(facts: PageFacts, site: list[str]) -> list[str]:
    """JSON-LD and meta authors; a CMS default that names the site itself is not a writer,
    unless JSON-LD declares it an Organization (agency bylines: 'BBC News')."""
    found: list[str] = []
    host = _host_labels(facts.url)
    for value in json_ld_values(facts, "author"):
        items = value if isinstance(value, list) else [value]
        names = [name for item in items for name in json_ld_names(item)
                 if is_organization(item) or not (_names_site(name, site) or _key(name) in host)]
        if names:
            found.append(", ".join(names))
    for key in _AUTHOR_META:
        meta = normalise_space(BY_PREFIX.sub("", facts.meta.get(key, "")))
        if meta and plausible_name(meta) and not meta.startswith("/") and not _names_site(meta, site) \
                and _key(meta) not in host and not _COMPANY.search(meta):
            found.append(meta)
            break
    return [name for name in found if name]


def is_organization(item: object) -> bool:
    return isinstance(item, dict) and "Organization" in str(item.get("@type", ""))


def _site_keys(facts: PageFacts) -> list[str]:
    names = [facts.meta.get("og:site_name", ""), _SITE_SPLIT.split(facts.title_tag)[-1]]
    return [key for key in (_key(name) for name in names) if len(key) >= 2]


def _host_labels(url: str) -> frozenset[str]:
    """The labels of the page's host name ('chinanews' of www.chinanews.com): a CMS that fills
    the author with the site's domain name names no writer."""
    host = urlsplit(url).hostname or ""
    return frozenset(label for label in host.split(".")[:-1] if len(label) >= 4)


def _shares_word(one: str, other: str) -> bool:
    return bool(set(_key_words(one)) & set(_key_words(other)))


def _key_words(text: str) -> list[str]:
    return [_key(word) for word in _WORDS.split(text) if _key(word)] or [_key(text)]


def _names_site(name: str, site: list[str]) -> bool:
    """'网易' on 网易新闻, 'Deutsche Welle (www.dw.com)' on DW.COM; a list of writers ending
    in the outlet ('…, and Tom Watkins, CNN') still names people."""
    key = _key(name)
    single = not _LIST_MARK.search(name)
    return len(key) >= 2 and any(key in item or (single and item in key) for item in site)


def _key(text: str) -> str:
    return _KEY_NOISE.sub("", text.lower())


def json_ld_names(value: object) -> list[str]:
    if isinstance(value, str):
        return [normalise_space(value)]
    if isinstance(value, dict):
        name = value.get("name")
        return [normalise_space(name)] if isinstance(name, str) else []
    if isinstance(value, list):
        names = [name for item in value for name in json_ld_names(item)]
        return [", ".join(names)] if names else []
    return []

