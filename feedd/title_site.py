"""A <title>'s parts and which of them name the site: '_新华网', '--时政--人民网', '| Reuters' are
cut off the headline. The names come from the page itself (og:site_name, the host's labels) and
from words that name outlets; a part may also spell the host from whole words and initials."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

from feedd.extract_page import PageFacts, meta_value

# A bar joins parts spaced or not ('购买|楼市_新浪新闻'); a hyphen only spaced, or before a short last part.
SEPARATORS: Final = re.compile(r"\s*(?:--|__|_|\|\|?|\s[-–—~·]\s|\s::\s|｜|\s»\s|-{1}(?=[^\s\d]{2,12}$))\s*")
_SITE_WORDS: Final = re.compile(
    r"(网|報|报|新闻|频道|在线|中心|电台|电视台|官网|首页|平台|门户|客户端|网站|在线|\.com|\.cn|"
    r"\b(?:news|times|post|daily|tribune|journal|reuters|herald|online|magazine|blog|press|media|tv|radio|gazette)\b)",
    re.IGNORECASE)
KEY_PUNCTUATION: Final = re.compile(r"[\s\u3000\"'“”‘’「」《》·:：,，.。!！?？|｜_\-–—()（）\[\]【】¶]+")
_WORD: Final = re.compile(r"[^\W_]+")
_SPELLED_MIN: Final = 5
_WIDE: Final = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")
def match_key(text: str) -> str:
    """Text stripped of spacing and punctuation, for comparing headline variants."""
    return KEY_PUNCTUATION.sub("", text).lower()


def first_part(title: str) -> str:
    return SEPARATORS.split(title, maxsplit=1)[0]


def strip_site_suffix(title: str, facts: PageFacts) -> str:
    """Drop trailing (or leading) parts that name the site or section: '_新华网', '| Reuters'."""
    parts = [part for part in SEPARATORS.split(title) if part.strip()]
    if len(parts) <= 1:
        return title.strip()
    site_names = site_names_of(facts)
    while len(parts) > 1 and is_site_part(parts[-1], site_names):
        parts.pop()
    while len(parts) > 1 and is_site_part(parts[0], site_names) and len(parts[0]) < len(parts[1]):
        parts.pop(0)
    if len(parts) > 1:
        # Unknown trailing parts: the widest part is the headline (a CJK character is two columns).
        best = max(parts, key=_width)
        return best.strip()
    return parts[0].strip()


def _width(text: str) -> int:
    return len(text) + len(_WIDE.findall(text))


def site_names_of(facts: PageFacts) -> set[str]:
    names = {match_key(value) for value in (meta_value(facts, "og:site_name", "application-name",
                                                      "apple-mobile-web-app-title", "publisher"),)
             if value}
    host = urlsplit(facts.url).hostname or ""
    names.update(label for label in host.split(".") if len(label) > 3 and label not in ("www", "news"))
    return names


def is_site_part(part: str, site_names: set[str]) -> bool:
    key = match_key(part)
    if not key:
        return True
    if any(name and (name in key or key in name) for name in site_names):
        return True
    words = _WORD.findall(part.lower())
    if any(len(name) >= _SPELLED_MIN and _spells(name, words) for name in site_names if name.isascii()):
        return True
    short = len(key) <= 12 if not key.isascii() else len(key) <= 30
    return (short and bool(_SITE_WORDS.search(part))) or len(key) <= 4


def _spells(name: str, words: list[str]) -> bool:
    """The part's words, from its start, spell the site's name from whole words and
    initials: 'parcoabruzzo' in "Parco Nazionale d'Abruzzo", 'nytimes' in 'New York Times'."""
    seen: set[tuple[int, int, bool]] = set()

    def spell(at: int, word: int, used: int) -> bool:
        if at == len(name):
            return used >= 2
        state = (at, word, used >= 2)
        if state in seen:
            return False
        seen.add(state)
        # The name starts at the part's first word, or its second after an article ('The New York Times').
        for index in range(word, len(words) if used else min(2, len(words))):
            candidate = words[index]
            if name.startswith(candidate, at) and spell(at + len(candidate), index + 1, used + 1):
                return True
            if candidate[0] == name[at] and spell(at + 1, index + 1, used + 1):
                return True
        return False

    return spell(0, 0, 0)
