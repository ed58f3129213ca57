"""Text rules the byline readers share: label patterns, cleaning a caught value, and telling a
person's name from an outlet's, a placeholder or page furniture.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Final

from feedd.extract_page import Segment, normalise_space

# A value ends where the next byline label or a date begins ('作者：张三 来源：新华社').
_STOP: Final = re.compile(
    r"\s*(?:来源|來源|稿源|出处|作者|记者|記者|编辑|編輯|责编|责任编辑|选稿|发布(?:时间|日期|于|[:：])|"
    r"时间|日期|浏览|阅读|点击|字号|字体|分享|评论|打印|关闭|摄影|通讯员|审核|校对|监制|\d{4}[-年/.]).*$",
    re.DOTALL)
_NAME_CHARS: Final = r"[^\s:：|｜,，;；。()（）【】\[\]<>/／]"
NAME_RUN: Final = rf"(?P<value>{_NAME_CHARS}{{1,40}}(?:[ 、,，]{_NAME_CHARS}{{1,20}}){{0,4}})"
CJK: Final = re.compile(r"[\u4e00-\u9fff]")
KANA: Final = re.compile(r"[\u3040-\u30ff]")
PLACEHOLDER_SOURCES: Final = frozenset({
    "转载", "转载文章", "本站原创", "原创", "互联网", "网络", "网络转载", "网友投稿", "本站", "本网", "未知",
    "其他", "综合", "网络整理", "网友", "佚名", "admin", "管理员",
})
JUNK_NAME: Final = re.compile(r"^(?:http|www\.|@)|[<>{}=:：]|^\d+$|\d{1,2}:\d{2}")
# Words of page furniture that sit next to a dateline but name no outlet.
_FURNITURE: Final = re.compile(
    r"分享|字号|字体|打印|收藏|评论|回复|阅读|浏览|关注|举报|纠错|本文|链接|扫码|手机|客户端|订阅|点赞|转发|"
    r"^(?:大|中|小|默认|超大|标准|发布|发表)$|播报|听新闻|^A[+-]?$|星期|[周週][一二三四五六日]|原创|作者|编辑|记者|更新|查看|功能")
_OUTLET: Final = re.compile(
    r"(报|報|网|網|社|台|刊|新闻|新聞|消息|参考|频道|在线|传媒|媒体|日报|晚报|时报|周刊|杂志|中心|局|部|委|厅|办|"
    r"政府|发布|头条|财经|之声|之春|季刊|学报|中文站|Times|News|Post|Daily|Journal|Reuters|Press|Herald|Agency)$")
_DATE_LIKE: Final = re.compile(r"\d{3}|\d\s*[年月日]|[:：]")
_NOT_A_NAME: Final = re.compile(
    r"^(?:posted|published|publicado|publié|veröffentlicht|follow|author|autor|no author|unknown|admin|share|"
    r"more (?:about|from|by)|about the author|authors|autoren|auteurs|autores|авторы?)\b"
    r"|^(?:简介|博客|更多|查看|关注|相关|手记|我来说两句|当前位置|您的位置|您现在的位置|首页|返回)"
    r"|@|[。，！？!?■□●○◆◇★☆▲△▼▽※→]|\d{1,2}[:.]\d{2}"
    r"|^(?:on|am|el|le)$|^foto\b"
    # A month or a day alone is what is left of a date line ('juillet 2020') or a sentence ('By Tuesday, …').
    r"|^(?:january|february|march|april|may|june|july|august|september|october|november|december|janvier|"
    r"février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|januar|februar|märz|juni|juli|"
    r"oktober|dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    r"diciembre|monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|"
    r"freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|today|tomorrow|yesterday|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?$"
    # A job title printed where the name was expected ('Parliamentary editor').
    r"|^(?!.*\bstaff\b).+\s(?:editor|director|correspondent|reporter|contributor|manager|producer)$",
    re.IGNORECASE)
_PHOTO_CREDIT: Final = re.compile(r"\s*(?:摄|摄影|供图|图)$|^(?:图|摄影)")
_NAME_TOKEN_SPLIT: Final = re.compile(r"[\s,、;/&]+")
_NAME_LIST_SPLIT: Final = re.compile(r"\s*(?:[,;&]|\band\b|\bund\b)\s*")
_NAME_WORDS: Final = 4
# Lower-case words that sit inside western names ('Walter von Aachen', 'Camila de la Cruz').
_NAME_PARTICLES: Final = frozenset(
    {"von", "van", "der", "den", "de", "del", "della", "la", "le", "da", "di", "du", "dos",
     "das", "do", "bin", "ibn", "al", "el", "ter", "ten", "zu", "y", "e", "and", "und", "et",
     "mit", "with", "&", "staff"})
_STRIP: Final = " -—_:：|·.,，、/\\[]【】()（）\"'“”"


def joined(segments: Iterable[Segment]) -> str:
    return "\n".join([segment.text for segment in segments])


def clean_value(value: str) -> str:
    text = _STOP.sub("", value) if value else value
    return normalise_space(text.strip(_STRIP))


def without_desk(value: str) -> str:
    """'David Straub, MDR THÜRINGEN' → 'David Straub': a capitalised desk after the writer's name."""
    name, comma, desk = value.rpartition(",")
    return name if comma and desk.strip().isupper() and not name.isupper() else value


def followed_by_label(text: str, match: re.Match[str]) -> bool:
    """'责任编辑：\n平台声明：…': the value caught is the next line's label, the field is empty."""
    return text[match.end(): match.end() + 1] in (":", "：")


def first_labelled(pattern: re.Pattern[str], regions: Iterable[str],
                   plausible: Callable[[str], bool] | None = None) -> str | None:
    """The first clean value `pattern` labels in the regions' texts, in order."""
    for text in regions:
        for match in pattern.finditer(text):
            value = clean_value(match.group("value"))
            if not value or JUNK_NAME.search(value) or (value == match.group("value")
                                                         and followed_by_label(text, match)):
                continue
            if plausible is None or plausible(value):
                return value
    return None


def usable_source(value: str) -> bool:
    key = value.strip()
    return (1 < len(key) <= 40 and key not in PLACEHOLDER_SOURCES and not JUNK_NAME.search(key)
            and not key.isdigit())


def looks_like_outlet(value: str) -> bool:
    """Unlabelled text counts as a source only when it is named like an outlet ('…报', '…网')."""
    return (2 <= len(value) <= 20 and usable_source(value) and not _FURNITURE.search(value)
            and not _DATE_LIKE.search(value) and bool(_OUTLET.search(value)))


def is_outlet_name(value: str) -> bool:
    return bool(CJK.search(value)) and bool(_OUTLET.search(value)) and " " not in value


def plausible_name(value: str) -> bool:
    """A person's (or desk's) name, not a sentence or a label caught by a loose byline pattern."""
    if len(value) < 2 or len(value) > 80 or JUNK_NAME.search(value) or _NOT_A_NAME.search(value) \
            or value in PLACEHOLDER_SOURCES or _PHOTO_CREDIT.search(value):
        return False
    return all(len(CJK.findall(token)) <= 6 and len(token) <= 30 for token in _NAME_TOKEN_SPLIT.split(value))


def plausible_byline(value: str) -> bool:
    """A name read from the page's text: also not a sentence caught after 'Von' or 'by'
    ('dort wollen die ukrainischen Streitkräfte'), nor a byline box read whole."""
    if not plausible_name(value):
        return False
    if CJK.search(value) or KANA.search(value):
        return True
    # Each writer of a list is a name too ('Jon Porter, Jul' holds a date, '…, Politics Reporter' a job).
    return not any(_reads_as_prose(part) or (part != value and _NOT_A_NAME.search(part))
                   for part in _NAME_LIST_SPLIT.split(value) if part)


def _reads_as_prose(part: str) -> bool:
    """Names are capitalised and short; lower-case handles ('srf/hosb;kesm') have no spaces."""
    words = [word for word in part.split() if word.lower() not in _NAME_PARTICLES]
    lower = sum(1 for word in words if word[:1].islower())
    # A surname comes last and is capitalised: 'En kiosques' is a heading.
    trailing_lower = len(words) > 1 and words[-1][:1].islower()
    return len(words) > _NAME_WORDS or trailing_lower or (lower >= 2 and 2 * lower >= len(words))
