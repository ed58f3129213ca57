"""The published time of an article page, from the most to the least trustworthy evidence.

Order: JSON-LD datePublished, publication meta tags, <time datetime>, the visible dateline right
after the headline, publish-time variables in scripts, then a date in the URL. A later, more precise
reading of the same day refines an earlier one (a meta tag often gives only the day).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo

from feedd.dates import parse_date
from feedd.extract_page import PageFacts, Segment, json_ld_values, meta_value
from feedd.models import Timestamp

PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "article:published",
    "published_time", "og:release_date", "pubdate", "publishdate", "publish_date", "publish-date",
    "publishtime", "publish_time", "pubtime", "publication_date", "datepublished", "dc.date.issued",
    "dcterms.issued", "dc.date.created", "dcterms.created", "dc.date", "dcterms.date", "sailthru.date",
    "parsely-pub-date", "article.published", "weibo:article:create_at", "originalpublicationdate",
    "date", "created", "dc.created",
)
# Labels in front of a date that is not the publication time.
_DECOY = re.compile(
    r"最后更新|最近更新|更新时间|更新于|修改时间|编辑于|评论|回复|留言|©|copyright|版权|all rights|"
    r"updated|modified|last edit|今天是|今日|农历|星期.\s*$|天气|访问量|浏览", re.IGNORECASE)
_PUBLISH_LABEL = re.compile(r"(发布时间|发表时间|发布日期|发文日期|时间|日期|发布于|发表于|posted|published)", re.I)
_SCRIPT_TIME = re.compile(
    r"\b(?:ct|publish_time|publishTime|pubtime|pubTime|pubDate|publish_date|datePublished|create_time)"
    r"\s*[=:]\s*[\"']?(?P<value>\d{10}(?!\d)|\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?)")
_URL_DATE = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})[-_/]?(?P<m>[01]\d)[-_/](?P<d>[0-3]\d)(?:/|\b)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?:/|_|\b)"),
    re.compile(r"[/_t](?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)[_/.]"),
)
_HEADER_SEGMENTS = 40
_HEADER_CHARS = 1500


def find_published(facts: PageFacts, title_index: int | None, zone: tzinfo, now: datetime) -> Timestamp | None:
    """The best-supported published time, or None when the page shows nothing credible."""
    chosen: Timestamp | None = None
    for candidate in _candidates(facts, title_index, zone, now):
        if candidate is None:
            continue
        if chosen is None or _refines(candidate, chosen):
            chosen = candidate
    return chosen


def _candidates(facts: PageFacts, title_index: int | None, zone: tzinfo, now: datetime) -> list[Timestamp | None]:
    """Each evidence reader in trust order; the lazy generator keeps later ones cheap."""
    return [
        _from_json_ld(facts, zone, now),
        _from_meta(facts, zone, now),
        _from_time_element(facts, zone, now),
        dateline(facts.segments, title_index, zone, now),
        _from_scripts(facts, zone, now),
        date_in_url(facts.url, zone, now),
    ]


def _refines(candidate: Timestamp, chosen: Timestamp) -> bool:
    """A later reading refines an earlier one when it shows a time on the same day."""
    order = {"day": 0, "minute": 1, "second": 2}
    return candidate.day == chosen.day and order[candidate.precision] > order[chosen.precision]


def _from_json_ld(facts: PageFacts, zone: tzinfo, now: datetime) -> Timestamp | None:
    for key in ("datePublished", "dateCreated", "uploadDate"):
        for value in json_ld_values(facts, key):
            if isinstance(value, str):
                found = parse_date(value, zone, now)
                if found is not None:
                    return found
    return None


def _from_meta(facts: PageFacts, zone: tzinfo, now: datetime) -> Timestamp | None:
    for key in PUBLISHED_META:
        value = meta_value(facts, key)
        if value:
            found = parse_date(value, zone, now)
            if found is not None:
                return found
    return None


def _from_time_element(facts: PageFacts, zone: tzinfo, now: datetime) -> Timestamp | None:
    fallback: Timestamp | None = None
    for element in facts.root.iter("time"):
        value = element.get("datetime") or element.get("content") or ""
        if not value:
            continue
        found = parse_date(value, zone, now)
        if found is None:
            continue
        marks = " ".join(filter(None, (element.get("itemprop"), element.get("class"), element.get("pubdate"))))
        if element.get("pubdate") is not None or re.search(r"publish|datePublished|pubdate", marks, re.I):
            return found
        if fallback is None and not _DECOY.search(marks + " " + (element.text or "")):
            fallback = found
    return fallback


def dateline(segments: Sequence[Segment], title_index: int | None, zone: tzinfo,
             now: datetime) -> Timestamp | None:
    """The first credible date shown just below the headline; labelled dates anywhere else."""
    if title_index is not None:
        found = _first_date(_header_window(segments, title_index), zone, now)
        if found is not None:
            return found
    return _labelled_date(segments, zone, now)


def _header_window(segments: Sequence[Segment], title_index: int) -> list[Segment]:
    window: list[Segment] = []
    chars = 0
    for segment in segments[title_index + 1: title_index + 1 + _HEADER_SEGMENTS]:
        window.append(segment)
        chars += len(segment.text)
        if chars > _HEADER_CHARS:
            break
    return window


def _first_date(window: Sequence[Segment], zone: tzinfo, now: datetime) -> Timestamp | None:
    for position, segment in enumerate(window):
        if _DECOY.search(segment.text) or len(segment.text) > 160:
            continue
        if segment.element.tag == "a" and not _PUBLISH_LABEL.search(segment.text):
            continue
        found = parse_date(segment.text, zone, now)
        if found is None:
            continue
        # A date split over two segments ("2024-05-20" then "16:25"): read them together.
        if found.precision == "day" and position + 1 < len(window):
            joined = parse_date(segment.text + " " + window[position + 1].text, zone, now)
            if joined is not None and joined.day == found.day:
                return joined
        return found
    return None


def _labelled_date(segments: Sequence[Segment], zone: tzinfo, now: datetime) -> Timestamp | None:
    for segment in segments:
        label = _PUBLISH_LABEL.search(segment.text)
        if label is None or _DECOY.search(segment.text) or len(segment.text) > 200:
            continue
        found = parse_date(segment.text[label.start():], zone, now)
        if found is not None:
            return found
    return None


def _from_scripts(facts: PageFacts, zone: tzinfo, now: datetime) -> Timestamp | None:
    for script in facts.scripts:
        match = _SCRIPT_TIME.search(script)
        if match is not None:
            found = parse_date(match.group("value"), zone, now)
            if found is not None:
                return found
    return None


def date_in_url(url: str, zone: tzinfo, now: datetime) -> Timestamp | None:
    """A day printed in the article's URL path: /2026-04/20/, /20260420/, /2026/04/20/."""
    path = url.split("?", 1)[0]
    for pattern in _URL_DATE:
        match = pattern.search(path)
        if match is not None:
            found = parse_date(f"{match.group('y')}-{match.group('m')}-{match.group('d')}", zone, now)
            if found is not None:
                return found
    return None
