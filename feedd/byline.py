"""Source (来源), author and editor, kept apart.

The byline just below the headline is read first, then marked elements and meta tags, then the
lines at the end of the body ('本文来源：…', '（责任编辑：…）'). Placeholders such as '转载' or
'本站原创' and image or video credits are not a source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from lxml import etree

from feedd.extract_page import PageFacts, Segment, json_ld_values, meta_value, normalise_space, text_of

_STOP = (r"(?=\s*(?:来源|來源|稿源|出处|作者|记者|記者|编辑|編輯|责编|责任编辑|选稿|发布|时间|日期|浏览|阅读|点击|"
         r"字号|字体|分享|评论|打印|关闭|摄影|通讯员|审核|校对|监制|$|\d{4}[-年/.]))")
_NAME_CHARS = r"[^\s:：|｜,，;；。()（）【】\[\]<>/／]"
_NAME_RUN = rf"(?P<value>{_NAME_CHARS}{{1,40}}(?:[ 、,，]{_NAME_CHARS}{{1,20}}){{0,4}})"
SOURCE_LABEL = re.compile(
    r"(?P<label>稿件来源|本文来源|文章来源|新闻来源|信息来源|来源于|来源|來源|稿源|出处|來自|来自)"
    r"\s*[:：|｜]\s*[\[【(（]?\s*"
    + _NAME_RUN)
# '本文来源于<a>国家统计局</a>' carries no colon; the value must then be named like an outlet.
_SOURCE_FROM = re.compile(r"(?:本文|文章|稿件)?来源于\s*" + _NAME_RUN)
# The end of a reprinted essay cites where it first ran: '——《北京之春》1998年3月号', '(摘自《…学刊》…)'.
_CITATION = re.compile(r"(?:^|\n)\s*[(（]?\s*(?:——|—|--|摘自|选自|转自|转载自|原载于?|刊于|载于|录自)\s*"
                       r"《(?P<value>[^》\n]{2,30})》")
_CJK_NAMES = r"(?P<value>[\u4e00-\u9fff·]{2,4}(?:(?:\s*[、,，]\s*|\s+)[\u4e00-\u9fff·]{2,4}){0,5})(?![\u4e00-\u9fff])"
_CREDIT_LEAD = (r"(?:[^\s:：()（）【】]{0,10}?(?:记者|記者|通讯员|通訊員)\s*[:：/／]?"
                r"|(?:文|编译|执笔人?|采写|作者)\s*[:：/／|]\s*(?:[^\s:：()（）【】]{0,12}?(?:记者|作者)\s*)?)\s*")
_CREDIT_START = re.compile(r"^\s*[(（【\[]?\s*" + _CREDIT_LEAD + _CJK_NAMES)
_CREDIT_BRACKETED = re.compile(r"[(（【\[]\s*" + _CREDIT_LEAD + _CJK_NAMES + r"\s*[)）】\]]")
# '观察者网专栏作者 王文': the name follows the last label.
_INNER_LABEL = re.compile(r"(?:作者|记者|記者|通讯员)\s*")
AUTHOR_LABEL = re.compile(
    r"(?:(?<![制创工著])作\s*者|[记記]\s*者|撰\s*文|撰\s*稿|文\s*[/／|]|文\s*[:：]|\bBy\b|\bVon\b|\bAutor(?:in)?\b|\bAuteur\s*:)\s*[:：]?\s*"
    + _NAME_RUN)
EDITOR_LABEL = re.compile(
    r"(?:责任编辑|責任編輯|责编|值班编辑|编辑|編輯|选稿|Editor)\s*[:：]\s*"
    r"(?P<value>[^\s:：|｜,，;；。()（）【】\[\]<>]{1,30}(?:[ 、,，][A-Za-z]{1,3}\d{2,6}(?![\w]))?"
    r"(?:[、,，][^\s:：|｜,，;；。()（）【】\[\]<>]{2,12}(?:\s[A-Za-z]{1,3}\d{2,6})?)*)")
_CREDIT_BEFORE = re.compile(r"(图片|图|照片|视频|素材|摄影|[(（])\s*$")
PLACEHOLDER_SOURCES = frozenset({
    "转载", "转载文章", "本站原创", "原创", "互联网", "网络", "网络转载", "网友投稿", "本站", "本网", "未知",
    "其他", "综合", "网络整理", "网友", "佚名", "admin", "管理员",
})
_SOURCE_CLASS = re.compile(r"source|media[-_]?name|from|origin|laiyuan|ly\b", re.IGNORECASE)
_AUTHOR_CLASS = re.compile(r"author|byline|writer|zuozhe", re.IGNORECASE)
_AUTHOR_MARK = re.compile(r"author(?!ity)|byline|writer|zuozhe|autor|auteur|reporter|writeby", re.IGNORECASE)
_AUTHOR_PROP = re.compile(r"\b(?:author|creator)\b", re.IGNORECASE)
_AWAY_FROM_BYLINE = re.compile(r"comment|related|recommend|sidebar|widget|popular|more-?from|reply|recirculation|"
                               r"footer|teaser", re.IGNORECASE)
# 'by' anywhere ('Posted on … by X'); the others only lead, as 'von' sits inside names too.
_BY_WORD = re.compile(r"\bby\s+|^\s*(?:von|par|por|door)\s+", re.IGNORECASE)
_AUTHOR_WORD = re.compile(r"^\s*(?:about the author\s*[-–:]?\s*)?"
                          r"(?:(?:auteur|autor|autorin|author|by|por|par|von)(?:\b|(?=[A-Z]))|作者|记者|撰文)"
                          r"\s*[:：]?\s*", re.IGNORECASE)
_BYLINE_TAIL = re.compile(r"\s*[|·•]\s*|,?\s+\d|\s@|\s+(?:on|am|le|el|il|den)\s+\d"
                          r"|\s+(?:updated|published|publicado)\b", re.IGNORECASE)
_AUTHOR_META = ("article:author", "author", "dc.creator", "sailthru.author", "parsely-author", "byl",
                "og:article:author", "twitter:creator")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
# Organisations that are a crowd, not an outlet ('维基媒体项目贡献者').
_COLLECTIVE = re.compile(r"贡献者|貢獻者|网友|用户|contributors|community", re.IGNORECASE)
_COMPANY = re.compile(r"\b(?:Inc|Ltd|LLC|GmbH|Corp|Co\.,? Ltd|S\.A|Condé Nast)\b\.?|有限公司", re.IGNORECASE)
_JUNK_NAME = re.compile(r"^(?:http|www\.|@)|[<>{}=:：]|^\d+$|\d{1,2}:\d{2}")
# Words of page furniture that sit next to a dateline but name no outlet.
_FURNITURE = re.compile(
    r"分享|字号|字体|打印|收藏|评论|回复|阅读|浏览|关注|举报|纠错|本文|链接|扫码|手机|客户端|订阅|点赞|转发|"
    r"^(?:大|中|小|默认|超大|标准)$|播报|听新闻|^A[+-]?$|星期|[周週][一二三四五六日]|原创|作者|编辑|记者|更新|查看|功能")
_WIRE_DATELINE = re.compile(r"^\s*[据據]?\s*(?P<value>[\u4e00-\u9fff]{2,6}?(?:社|网|網|台|报|報))"
                            r"[\u4e00-\u9fff]{0,8}\d{0,2}月?\d{0,2}日?\s*[电電讯訊]")
_OUTLET = re.compile(
    r"(报|報|网|網|社|台|刊|新闻|新聞|消息|参考|频道|在线|传媒|媒体|日报|晚报|时报|周刊|杂志|中心|局|部|委|厅|办|"
    r"政府|发布|头条|财经|之声|之春|季刊|学报|中文站|Times|News|Post|Daily|Journal|Reuters|Press|Herald|Agency)$")
_DATELINE = re.compile(r"\d{4}[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
                       r"|\d{1,2}:\d{2}(?::\d{2})?")
_WORD = re.compile(r"\w")
_PROFILE_LINK = re.compile(r"/(?:c/)?user/|/u/\d|/people/|/profile/|/author/|/home/\d|mp\.|/account/")
_SEPARATORS = re.compile(r"[|｜·•/／]|来源|來源|原创[:：]?")
_BY_PREFIX = re.compile(r"^\s*(?:(?:posted|written|published|publicado|publié|veröffentlicht)\s+)?"
                        r"(?:(?:by|von|par|por|text)\b|作者|记者|記者)\s*[:：]?\s*", re.IGNORECASE)
_PHOTO_CREDIT = re.compile(r"\s*(?:摄|摄影|供图|图)$|^(?:图|摄影)")
_CREDIT_TAIL = re.compile(r"\s*(?:整合|整理|编译|报道|报导|報導|即時報導)$")
_NOT_A_NAME = re.compile(
    r"^(?:posted|published|publicado|publié|veröffentlicht|follow|author|autor|no author|unknown|admin|share|"
    r"简介|博客|更多|查看|关注|相关)\b|@|[。，！？!?]|\d{1,2}[:.]\d{2}|^(?:on|am|el|le)$|^foto\b"
    # A job title printed where the name was expected ('Parliamentary editor').
    r"|^(?!.*\bstaff\b).+\s(?:editor|director|correspondent|reporter|contributor|manager|producer)$",
    re.IGNORECASE)


@dataclass(frozen=True)
class Byline:
    source: str | None
    author: str | None
    editor: str | None


def read_byline(facts: PageFacts, header: Sequence[Segment], footer: Sequence[Segment],
                opening: Sequence[Segment] = ()) -> Byline:
    """Source, author and editor from the header byline, marked elements, meta tags and the footer;
    `opening` is the body's first lines, where a wire dateline ('新华社北京5月20日电') names the source."""
    editor = _first(EDITOR_LABEL, [header, footer, facts.segments])
    source = _source(facts, header, footer, opening)
    # Chinese bylines keep 来源 and 作者 apart; elsewhere an agency byline is the author too.
    outlet = source if source and _CJK.search(source) and not _KANA.search(source) else None
    author = _author(facts, header, footer, opening, (editor, outlet))
    if author is None:
        # A self-media account printed beside the time writes the piece (toutiao's '中国网').
        beside = _beside_dateline(header)
        author = beside if beside and beside not in (source, editor) and _is_account(facts, beside) else None
    return Byline(source=source, author=author, editor=editor)


def _joined(segments: Iterable[Segment]) -> str:
    return "\n".join(segment.text for segment in segments)


def _clean(value: str) -> str:
    text = re.sub(_STOP + r".*$", "", value, flags=re.DOTALL) if value else value
    return normalise_space(text.strip(" -—_:：|·.,，、/\\[]【】()（）\"'“”"))


def _first(pattern: re.Pattern[str], regions: Sequence[Sequence[Segment]],
           plausible: Callable[[str], bool] | None = None) -> str | None:
    for region in regions:
        text = _joined(region)
        for match in pattern.finditer(text):
            value = _clean(match.group("value"))
            if not value or _JUNK_NAME.search(value) or (value == match.group("value")
                                                          and _followed_by_label(text, match)):
                continue
            if plausible is None or plausible(value):
                return value
    return None


def _source(facts: PageFacts, header: Sequence[Segment], footer: Sequence[Segment],
            opening: Sequence[Segment]) -> str | None:
    for region in (header, footer):
        found = _labelled_source(_joined(region))
        if found:
            return found
    meta = meta_value(facts, "source", "article:source", "og:source", "contentsource", "citation_publisher")
    if meta and _usable_source(normalise_space(meta)):
        return normalise_space(meta)
    marked = _marked_text(header, _SOURCE_CLASS)
    if marked and _looks_like_outlet(marked):
        return marked
    beside = _beside_dateline(header)
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
        if wire and _usable_source(wire.group("value")):
            return wire.group("value")
    anywhere = _labelled_source(_joined(segment for segment in facts.segments if segment.element.tag != "a"))
    return anywhere if anywhere and _looks_like_outlet(anywhere) else None


def _declared_outlet(facts: PageFacts) -> str | None:
    """A JSON-LD author that is an Organization, or a 'person' named like an outlet (新华社 on
    toutiao), is the article's source."""
    for value in json_ld_values(facts, "author"):
        for item in value if isinstance(value, list) else [value]:
            name = next(iter(_names(item)), None)
            if name and (_is_organization(item) or _looks_like_outlet(name)) and _usable_source(name) \
                    and not _COLLECTIVE.search(name):
                return name
    return None


def _is_organization(item: object) -> bool:
    return isinstance(item, dict) and "Organization" in str(item.get("@type", ""))


def _labelled_source(text: str) -> str | None:
    for match in SOURCE_LABEL.finditer(text):
        # '（来源：梨视频）' credits a clip; '（本文来源：经济日报）' names the article's outlet.
        explicit = len(match.group("label")) > 2
        if not explicit and _CREDIT_BEFORE.search(text[max(0, match.start() - 3): match.start()]):
            continue
        value = _clean(match.group("value"))
        if _usable_source(value) and not (_followed_by_label(text, match) and value == match.group("value")):
            return value
    for match in _SOURCE_FROM.finditer(text) if "来源于" in text else ():
        value = _clean(match.group("value"))
        if _looks_like_outlet(value):
            return value
    return None


def _followed_by_label(text: str, match: re.Match[str]) -> bool:
    """'责任编辑：\n平台声明：…': the value caught is the next line's label, the field is empty."""
    return text[match.end(): match.end() + 1] in (":", "：")


def _cited_source(footer: Sequence[Segment]) -> str | None:
    match = _CITATION.search(_joined(footer))
    if match is None:
        return None
    value = normalise_space(match.group("value"))
    return value if _usable_source(value) else None


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
            if _looks_like_outlet(candidate):
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
    return _clean(words[index]) if words else ""


def _looks_like_outlet(value: str) -> bool:
    """Unlabelled text counts as a source only when it is named like an outlet ('…报', '…网')."""
    return (2 <= len(value) <= 20 and _usable_source(value) and not _FURNITURE.search(value)
            and not re.search(r"\d{3}|\d\s*[年月日]|[:：]", value) and bool(_OUTLET.search(value)))


def _usable_source(value: str) -> bool:
    key = value.strip()
    return (1 < len(key) <= 40 and key not in PLACEHOLDER_SOURCES and not _JUNK_NAME.search(key)
            and not key.isdigit())


def _marked_text(segments: Sequence[Segment], marker: re.Pattern[str]) -> str | None:
    """Text of a short element whose class or id says what it holds (class="source")."""
    for segment in segments:
        element = segment.element
        for node in (element, element.getparent()):
            if node is None:
                continue
            marks = f"{node.get('class', '')} {node.get('id', '')} {node.get('itemprop', '')}"
            if marker.search(marks) and len(segment.text) <= 40:
                value = _clean(_BY_PREFIX.sub("", segment.text))
                if value and not re.search(r"\d{4}", value):
                    return value
    return None


def _author(facts: PageFacts, header: Sequence[Segment], footer: Sequence[Segment],
            opening: Sequence[Segment], others: tuple[str | None, ...]) -> str | None:
    """The byline's person; a value that is the editor, the source or an outlet's name is not."""
    def plausible(value: str) -> bool:
        return _plausible_name(value) and value not in others and not _is_outlet_name(value)

    credited = _credit_line([*header, *opening], plausible)
    if credited:
        return credited
    labelled = _first(AUTHOR_LABEL, [header], plausible=plausible)
    if labelled:
        return _CREDIT_TAIL.sub("", labelled)
    declared = [value for value in _declared_authors(facts) if plausible(value)]
    marked = _marked_text(header, _AUTHOR_CLASS)
    if marked and plausible(marked) and not (declared and len(declared[0]) > len(marked)):
        return _CREDIT_TAIL.sub("", marked)
    if declared:
        return declared[0]
    anywhere = _marked_author(facts, plausible)
    if anywhere:
        return anywhere
    found = _credit_line(footer, plausible) or _first(AUTHOR_LABEL, [footer], plausible=plausible)
    return _CREDIT_TAIL.sub("", found) if found else None


def _credit_line(segments: Sequence[Segment], plausible: Callable[[str], bool]) -> str | None:
    """Writers credited inside the body: '（职工通讯员 李琴雯 刘会）…', '扬子晚报记者 张楠',
    '采写：南都见习记者 林子沛', '…上。（编译/林靖东）'."""
    for segment in segments:
        text = segment.text
        found = _CREDIT_START.match(text) if len(text) <= 40 else None
        found = found or _CREDIT_BRACKETED.search(text)
        if found is None:
            continue
        value = _CREDIT_TAIL.sub("", _clean(_INNER_LABEL.split(found.group("value"))[-1]))
        if value and plausible(value):
            return value
    return None


def _marked_author(facts: PageFacts, plausible: Callable[[str], bool]) -> str | None:
    """The first element marked as the byline (rel=author, itemprop=author, class="byline") that
    is not inside comments, related-article lists or sidebars."""
    for segment in facts.segments:
        if len(segment.text) > 80:
            continue
        node = _author_mark(segment.element)
        if node is None or _in_furniture(node):
            continue
        sizes = facts.measures.get(node)
        text = normalise_space(text_of(node)) if sizes is not None and sizes.text <= 120 else segment.text
        name = _byline_name(text)
        if name and plausible(name):
            return _with_coauthors(node, name, plausible)
    return None


def _with_coauthors(node: etree._Element, name: str, plausible: Callable[[str], bool]) -> str:
    """Several writers sit in sibling elements marked alike (<a rel=author>A</a> and <a rel=author>B</a>)."""
    parent = node.getparent()
    if parent is None:
        return name
    names = [name]
    for twin in parent.iter(node.tag):
        if twin is node or twin.get("class") != node.get("class") or twin.get("rel") != node.get("rel"):
            continue
        other = _byline_name(normalise_space(text_of(twin)))
        if other and other not in names and plausible(other):
            names.append(other)
    return ", ".join(names[:6])


def _author_mark(element: etree._Element) -> etree._Element | None:
    node: etree._Element | None = element
    for _ in range(3):
        if node is None:
            return None
        attrib = node.attrib
        if attrib and ("author" in attrib.get("rel", "") or _AUTHOR_PROP.search(attrib.get("itemprop", ""))
                       or _AUTHOR_MARK.search(f"{attrib.get('class', '')} {attrib.get('id', '')}")):
            return node
        node = node.getparent()
    return None


def _in_furniture(node: etree._Element) -> bool:
    for ancestor in node.iterancestors():
        if _AWAY_FROM_BYLINE.search(f"{ancestor.get('class', '')} {ancestor.get('id', '')}"):
            return True
    return False


def _byline_name(text: str) -> str | None:
    """'Posted on May 2, 2020 by Adi Tzlil' → 'Adi Tzlil'; 'Janic Cathomen, 01.12.2021' → 'Janic Cathomen'."""
    by = _BY_WORD.search(text)
    value = text[by.end():] if by else _AUTHOR_WORD.sub("", text)
    value = _BYLINE_TAIL.split(value, maxsplit=1)[0]
    value = _clean(value)
    return value or None


def _is_outlet_name(value: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", value)) and bool(_OUTLET.search(value)) and " " not in value


def _plausible_name(value: str) -> bool:
    """A person's (or desk's) name, not a sentence or a label caught by a loose byline pattern."""
    if len(value) < 2 or len(value) > 80 or _JUNK_NAME.search(value) or _NOT_A_NAME.search(value) \
            or value in PLACEHOLDER_SOURCES:
        return False
    if _PHOTO_CREDIT.search(value):
        return False
    for token in re.split(r"[\s,、;/&]+", value):
        cjk = len(re.findall(r"[\u4e00-\u9fff]", token))
        if cjk > 6 or len(token) > 30:
            return False
    return True


def _declared_authors(facts: PageFacts) -> list[str]:
    """JSON-LD and meta authors; a CMS default that names the site itself is not a writer,
    unless JSON-LD declares it an Organization (agency bylines: 'BBC News')."""
    site = _site_keys(facts)
    found: list[str] = []
    for value in json_ld_values(facts, "author"):
        items = value if isinstance(value, list) else [value]
        names = [name for item in items for name in _names(item)
                 if _is_organization(item) or not _names_site(name, site)]
        if names:
            found.append(", ".join(names))
    for key in _AUTHOR_META:
        meta = normalise_space(_BY_PREFIX.sub("", facts.meta.get(key, "")))
        if meta and _plausible_name(meta) and not meta.startswith("/") and not _names_site(meta, site) \
                and not _COMPANY.search(meta):
            found.append(meta)
            break
    return [name for name in found if name]


def _site_keys(facts: PageFacts) -> list[str]:
    names = [facts.meta.get("og:site_name", ""), re.split(r"\s[-|–—_]\s|_", facts.title_tag)[-1]]
    return [key for key in (_key(name) for name in names) if len(key) >= 2]


def _names_site(name: str, site: list[str]) -> bool:
    """'网易' on 网易新闻, 'Deutsche Welle (www.dw.com)' on DW.COM; a list of writers ending
    in the outlet ('…, and Tom Watkins, CNN') still names people."""
    key = _key(name)
    single = not re.search(r"[,;、，]| and ", name)
    return len(key) >= 2 and any(key in item or (single and item in key) for item in site)


def _key(text: str) -> str:
    return re.sub(r"[\W_]+|www|com$", "", text.lower())


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        return [normalise_space(value)]
    if isinstance(value, dict):
        name = value.get("name")
        return [normalise_space(name)] if isinstance(name, str) else []
    if isinstance(value, list):
        names = [name for item in value for name in _names(item)]
        return [", ".join(names)] if names else []
    return []
