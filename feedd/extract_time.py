"""The published time of an article page, from the most to the least trustworthy evidence.

Order: JSON-LD datePublished, publication meta tags, <time datetime>, the visible dateline right
after the headline, publish-time variables in scripts, then a date in the URL. A later, more precise
reading of the same day refines an earlier one (a meta tag often gives only the day).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from feedd.dates import parse_date, parse_dated, publisher_offset
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
# Widgets and footers whose dates are never the publication time, wherever the date sits.
_DECOY = re.compile(r"©|copyright|版权|all rights|今天是|今日|农历|星期.\s*$|天气", re.IGNORECASE)
# A counter's label disqualifies a line only when it comes before the line's first number
# ("发布时间: 2018-05-17 | 浏览次数: 12" is a dateline).
_COUNTER_LABEL = re.compile(r"评论|回复|留言|访问量|浏览|阅读数|点击", re.IGNORECASE)
# An update label names the line's date ("November 28, 2013 -- Updated 0203 GMT"), unless a
# publication label comes first ("发布时间：2020-01-02 最后更新：2020-01-05").
_UPDATE_LABEL = re.compile(r"最后更新|最近更新|更新时间|更新于|修改时间|编辑于|updated|modified|last edit",
                           re.IGNORECASE)
_FIRST_NUMBER = re.compile(r"\d")
_CLOCK = re.compile(r"\d{1,2}:\d{2}\b")
# One piece of a date split over several elements: "2019", "09", "/", "07", "19", ":", "02".
_DATE_PIECE = re.compile(r"[\d/:.\-年月日\s]{1,5}")
_DATE_PIECES_MIN = 3
_PUBLISH_LABEL = re.compile(r"(发布时间|发表时间|发布日期|发文日期|时间|日期|发布于|发表于|posted|published)", re.I)
_SCRIPT_TIME = re.compile(
    r"\b(?:ct|publish_time|publishTime|pubtime|pubTime|pubDate|publish_date|datePublished|create_time)"
    r"\s*[=:]\s*[\"']?(?P<value>\d{10}(?!\d)|\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?)")
_URL_DATE = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})[-_/]?(?P<m>[01]\d)[-_/](?P<d>[0-3]\d)(?:/|\b)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?:/|_|\b)"),
    re.compile(r"[/_t](?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)[_/.]"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>[01]\d)(?P<d>[0-3]\d)/"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>[a-z]{3,9})/(?P<d>[0-3]?\d)/", re.IGNORECASE),
)
_ABOVE_BODY = 25
_ABOVE_TITLE = 4
_CLOCK_REACH = 4
_LONE_REACH = 200
_NOT_DATE = re.compile(r"[\d\s:/.\-年月日时分秒]+")
_LINKED_DATE_REACH = 6
_HEADER_SEGMENTS = 40
_HEADER_CHARS = 1500


def find_published(facts: PageFacts, title_index: int | None, content_start: int | None, zone: tzinfo,
                   now: datetime) -> Timestamp | None:
    """The best-supported published time, or None when the page shows nothing credible."""
    declared = [found for found in (_from_json_ld(facts, zone, now), _from_meta(facts, zone, now),
                                    _from_time_element(facts, zone, now)) if found is not None]
    shown = dateline(facts.segments, title_index, content_start, zone, now)
    if not declared:
        return (shown or _from_scripts(facts, zone, now) or _relative(facts, title_index, zone, now)
                or date_in_url(facts.url, zone, now) or _lone_timestamp(facts.segments, zone, now))
    chosen = _in_publisher_offset(_best_declared(declared), facts.raw)
    if shown is not None:
        chosen = _in_offset_shown(chosen, shown)
        shown = _in_offset_of(shown, chosen)
        if _local_time_labelled_utc(shown, chosen):
            return shown
        if shown.day == chosen.day and _visible_wins(shown, chosen):
            return shown
        if _local_day_of_utc_time(shown, chosen):
            return shown
    return chosen


def _best_declared(declared: Sequence[Timestamp]) -> Timestamp:
    chosen = declared[0]
    for other in declared[1:]:
        if _same_instant_in_local_zone(other, chosen):
            chosen = other
    return chosen


def _in_publisher_offset(chosen: Timestamp, raw: str) -> Timestamp:
    """A time normalised to UTC (no zone configured) is shown in the offset the page itself states
    for the same instant elsewhere: a local day is what readers see and what feeds should say."""
    if chosen.precision == "day" or chosen.moment.utcoffset() != timedelta(0):
        return chosen
    offset = publisher_offset(raw, chosen.moment)
    if offset is None:
        return chosen
    return Timestamp(chosen.moment.astimezone(offset), chosen.precision)


def _in_offset_shown(chosen: Timestamp, shown: Timestamp) -> Timestamp:
    """A UTC machine time (no zone configured) and a visible wall clock a whole number of quarter
    hours away, same minute: the visible one is local, and their gap is the publisher's offset."""
    if (chosen.precision == "day" or shown.precision == "day" or chosen.moment.utcoffset() != timedelta(0)
            or shown.moment.utcoffset() != timedelta(0)):
        return chosen
    gap = shown.moment.replace(second=0) - chosen.moment.replace(second=0, microsecond=0)
    if not gap or abs(gap) > timedelta(hours=14) or gap % timedelta(minutes=15):
        return chosen
    return Timestamp(chosen.moment.astimezone(timezone(gap)), chosen.precision)


def _in_offset_of(shown: Timestamp, chosen: Timestamp) -> Timestamp:
    """A visible time read in UTC (no zone configured) is a wall clock in the publisher's offset,
    once that offset is known from the page."""
    offset = chosen.moment.utcoffset()
    if shown.precision == "day" or shown.moment.utcoffset() != timedelta(0) or not offset:
        return shown
    return Timestamp(shown.moment.replace(tzinfo=chosen.moment.tzinfo), shown.precision)


def _local_time_labelled_utc(shown: Timestamp, declared: Timestamp) -> bool:
    """A machine time whose UTC wall clock is the local wall clock the page prints is a local time
    written with a UTC label (or without a zone): the visible time, which has its zone, is right."""
    if shown.precision == "day" or declared.precision == "day" or shown.moment.utcoffset() == timedelta(0):
        return False
    machine_clock = declared.moment.astimezone(UTC).replace(tzinfo=None)
    return abs(machine_clock - shown.moment.replace(tzinfo=None)) < timedelta(minutes=1)


def _relative(facts: PageFacts, title_index: int | None, zone: tzinfo, now: datetime) -> Timestamp | None:
    """A year-less dateline takes its year from a dated stamp of the same month and day elsewhere on
    the page (an update meta tag, the URL), since 'this year' is wrong for any page older than a year."""
    found = relative_dateline(facts.segments, title_index, zone, now)
    if found is None:
        return None
    for key, value in facts.meta.items():
        if "date" not in key and "time" not in key:
            continue
        other = parse_dated(value, zone, now)
        if other is not None and (other.day.month, other.day.day) == (found.day.month, found.day.day):
            try:
                return Timestamp(found.moment.replace(year=other.day.year), found.precision)
            except ValueError:
                return found
    return found


def _local_day_of_utc_time(shown: Timestamp, declared: Timestamp) -> bool:
    """A machine time in UTC falls on the next or previous day for publishers west or east of
    Greenwich; when the zone is not known (read as UTC), the day the page prints is the local one."""
    return (shown.precision == "day" and declared.precision != "day"
            and declared.moment.utcoffset() == timedelta(0) and shown.moment.utcoffset() == timedelta(0)
            and abs((shown.day - declared.day).days) == 1)


def _visible_wins(shown: Timestamp, declared: Timestamp) -> bool:
    """On the same day, the time printed for readers wins over a machine-readable one, unless the
    machine's is the same minute with seconds added (or the page shows no time at all)."""
    if shown.precision == "day":
        return False
    if declared.precision == "day":
        return True
    wall_clock = shown.moment.replace(tzinfo=None) - declared.moment.replace(tzinfo=None)
    if abs(wall_clock) < timedelta(minutes=1):
        return shown.precision == "second" and declared.precision != "second"
    # A gap of whole hours is a zone mix-up (the visible time read in the wrong zone), not a
    # different time: the declared one, which states its offset, is right.
    minutes = round(abs((shown.moment - declared.moment).total_seconds()) / 60)
    return minutes % 60 not in (0, 1, 59) and minutes < 24 * 60


def _same_instant_in_local_zone(other: Timestamp, chosen: Timestamp) -> bool:
    """A UTC reading is replaced by the same instant stated in the publisher's own offset."""
    return (chosen.precision != "day" and other.precision != "day" and other.moment == chosen.moment
            and chosen.moment.utcoffset() == timedelta(0) and other.moment.utcoffset() != timedelta(0))


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
        if fallback is None and not _is_decoy(marks + " " + (element.text or "")):
            fallback = found
    return fallback


def dateline(segments: Sequence[Segment], title_index: int | None, content_start: int | None,
             zone: tzinfo, now: datetime) -> Timestamp | None:
    """The date shown below the headline or just above the body; labelled dates anywhere else.

    Dates that print their year are tried first: a year-less or relative one ('4月20日', '昨天')
    is accepted only in the byline right below the headline."""
    header = _header_window(segments, title_index) if title_index is not None else []
    above_body: list[Segment] = []
    if content_start is not None:
        above_body = list(reversed(segments[max(0, content_start - _ABOVE_BODY): content_start + 2]))
    # Some layouts print the date in a short line right above the headline, with the kicker.
    above_title: list[Segment] = []
    if title_index is not None:
        above_title = [segment for segment in reversed(segments[max(0, title_index - _ABOVE_TITLE): title_index])
                       if len(segment.text) <= 60]
    for window in (header, above_body, above_title):
        found = _first_date(window, zone, now, parse_dated)
        if found is not None:
            return found
    return _labelled_date(segments, zone, now)


def relative_dateline(segments: Sequence[Segment], title_index: int | None, zone: tzinfo,
                      now: datetime) -> Timestamp | None:
    """A year-less or relative date ('4月20日', '昨天 08:30') in a short line right below the headline."""
    if title_index is None:
        return None
    header = [segment for segment in _header_window(segments, title_index) if len(segment.text) <= 40]
    return _first_date(header, zone, now, parse_date)


def _header_window(segments: Sequence[Segment], title_index: int) -> list[Segment]:
    window: list[Segment] = []
    chars = 0
    for segment in segments[title_index + 1: title_index + 1 + _HEADER_SEGMENTS]:
        window.append(segment)
        chars += len(segment.text)
        if chars > _HEADER_CHARS:
            break
    return window


def _first_date(window: Sequence[Segment], zone: tzinfo, now: datetime,
                reader: Callable[[str, tzinfo, datetime], Timestamp | None]) -> Timestamp | None:
    for position, segment in enumerate(window):
        if _is_decoy(segment.text) or len(segment.text) > 160:
            continue
        # Linked dates are usually other articles', except a date-archive link in the byline itself.
        if segment.element.tag == "a" and position >= _LINKED_DATE_REACH and not _PUBLISH_LABEL.search(segment.text):
            continue
        found = (reader(segment.text, zone, now) or _pieced_date(window, position, zone, now, reader)
                 or _with_next_clock(window, position, zone, now, reader))
        if found is None:
            continue
        # A date split over two segments ("2024-05-20" then "16:25"): read them together.
        if found.precision == "day" and position + 1 < len(window):
            joined = reader(segment.text + " " + window[position + 1].text, zone, now)
            if joined is not None and joined.day == found.day and joined.precision != "day":
                return joined
            return _same_day_with_clock(window, position, found, zone, now, reader) or found
        return found
    return None


def _is_decoy(text: str) -> bool:
    if _DECOY.search(text):
        return True
    update = _UPDATE_LABEL.search(text)
    if update is not None:
        published = _PUBLISH_LABEL.search(text)
        if published is None or published.start() > update.start():
            return True
    counter = _COUNTER_LABEL.search(text)
    if counter is None:
        return False
    number = _FIRST_NUMBER.search(text)
    return number is None or counter.start() < number.start()


def _pieced_date(window: Sequence[Segment], position: int, zone: tzinfo, now: datetime,
                 reader: Callable[[str, tzinfo, datetime], Timestamp | None]) -> Timestamp | None:
    """A date printed as a run of tiny elements, year first: '2019' '09' '/' '07' '19' ':' '02'."""
    pieces: list[str] = []
    for segment in window[position: position + 10]:
        if not _DATE_PIECE.fullmatch(segment.text):
            break
        pieces.append(segment.text)
    numbers = re.findall(r"\d+", " ".join(pieces))
    if len(pieces) < _DATE_PIECES_MIN or len(numbers) < 3 or len(numbers[0]) != 4:
        return None
    text = "-".join(numbers[:3])
    if len(numbers) >= 5:
        text += f" {numbers[3]}:{numbers[4]}"
    return reader(text, zone, now)


def _same_day_with_clock(window: Sequence[Segment], position: int, found: Timestamp, zone: tzinfo, now: datetime,
                         reader: Callable[[str, tzinfo, datetime], Timestamp | None]) -> Timestamp | None:
    """The same day printed with its time a few lines on (a caption's date, then the byline's)."""
    for segment in window[position + 2: position + 2 + _CLOCK_REACH]:
        if len(segment.text) > 80 or not _CLOCK.search(segment.text) or _is_decoy(segment.text):
            continue
        later = reader(segment.text, zone, now)
        if later is not None and later.precision != "day" and later.day == found.day:
            return later
    return None


def _with_next_clock(window: Sequence[Segment], position: int, zone: tzinfo, now: datetime,
                     reader: Callable[[str, tzinfo, datetime], Timestamp | None]) -> Timestamp | None:
    """A year-less day whose time sits in the next element ('发布时间：01-14' then '17:58')."""
    if position + 1 >= len(window) or not _CLOCK.match(window[position + 1].text):
        return None
    if len(window[position].text) > 40 or not _FIRST_NUMBER.search(window[position].text):
        return None
    return reader(window[position].text + " " + window[position + 1].text, zone, now)


def _lone_timestamp(segments: Sequence[Segment], zone: tzinfo, now: datetime) -> Timestamp | None:
    """Last resort on pages with no headline or label (old forums, archives): the first line that is
    nothing but a full date and time, outside links. Widgets print a weekday or no time at all."""
    for segment in segments[:_LONE_REACH]:
        text = segment.text
        if len(text) > 24 or segment.element.tag == "a" or not _CLOCK.search(text) or _is_decoy(text):
            continue
        if len(_NOT_DATE.sub("", text)) > 2:
            continue
        found = parse_dated(text, zone, now)
        if found is not None and found.precision != "day":
            return found
    return None


def _labelled_date(segments: Sequence[Segment], zone: tzinfo, now: datetime) -> Timestamp | None:
    for segment in segments:
        label = _PUBLISH_LABEL.search(segment.text)
        if label is None or _is_decoy(segment.text) or len(segment.text) > 200:
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
    """A day printed in the article's URL path: /2026-04/20/, /20260420/, /2026/04/20/, /2026/0420/,
    /202604/20/, /t20260420_1.html, /2026/apr/20/."""
    path = url.split("?", 1)[0]
    for pattern in _URL_DATE:
        match = pattern.search(path)
        if match is not None:
            found = parse_date(f"{match.group('d')} {match.group('m')} {match.group('y')}"
                               if match.group("m").isalpha() else
                               f"{match.group('y')}-{match.group('m')}-{match.group('d')}", zone, now)
            if found is not None:
                return found
    return None
