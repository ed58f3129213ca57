"""The published time of an article page, from the most to the least trustworthy evidence.

Order: JSON-LD datePublished, publication meta tags, <time datetime>, the visible dateline right
after the headline, publish-time variables in scripts, then a date in the URL. A later, more precise
reading of the same day refines an earlier one (a meta tag often gives only the day).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Final

from lxml import etree

from feedd.dateline import (
    dateline,
    is_decoy,
    issue_month,
    labelled_clock,
    lone_timestamp,
    relative_dateline,
    update_line,
)
from feedd.dates import parse_date, parse_dated, publisher_offset
from feedd.extract_page import PageFacts, json_ld_values, meta_value
from feedd.models import Timestamp

PUBLISHED_META: Final = (
    "article:published_time", "og:article:published_time", "og:published_time", "article:published",
    "published_time", "article_date_original", "og:release_date", "pubdate", "publishdate", "publish_date",
    "publish-date",
    "publishtime", "publish_time", "pubtime", "publication_date", "datepublished", "dc.date.issued",
    "dcterms.issued", "dc.date.created", "dcterms.created", "dc.date", "dcterms.date", "sailthru.date",
    "parsely-pub-date", "article.published", "weibo:article:create_at", "weibo: article:create_at",
    "originalpublicationdate", "date", "created", "dc.created",
)
# A publish-time variable ('publishTime = 1581517074', '"datePublished": "…"') or a date printer
# called with a literal ('showDate("2020/04/17 01:43:09")').
# The lookahead names the first characters of the keys, so the engine skips other positions of a script.
_SCRIPT_TIME: Final = re.compile(
    r"(?=[cpdD])(?:\b(?:ct|publish_time|publishTime|pubtime|pubTime|pubDate|publish_date|datePublished|create_time)"
    r"[\"']?\s*[=:]\s*[\"']?|[Dd]ate\(\s*[\"'])(?P<value>\d{10}(?!\d)|"
    r"\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:[+-]\d{2}:?\d{2}|Z)?)")
_URL_DATE: Final = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})[-_/]?(?P<m>[01]\d)[-_/](?P<d>[0-3]\d)(?:/|\b)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?:/|_|\b)"),
    re.compile(r"[/_t](?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)[_/.]"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>[01]\d)(?P<d>[0-3]\d)/"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>[a-z]{3,9})/(?P<d>[0-3]?\d)/", re.IGNORECASE),
)
_META_WITNESSES: Final = 3
# <time> elements and schema.org microdata on any element ('<dd itemprop="datePublished" content="2019-04-26">'),
# in document order; <meta itemprop> is read with the other meta tags.
_ITEMPROP_REACH: Final = 20  # characters between 'itemprop' and its value: ' = "'
_MICRODATA_TEXT: Final = 60
_MODIFIED_META: Final = (
    "article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified",
    "modified")


def find_published(facts: PageFacts, title_index: int | None, content_start: int | None, zone: tzinfo,
                   now: datetime) -> Timestamp | None:
    """The best-supported published time, or None when the page shows nothing credible."""
    declared = [found for found in (_from_json_ld(facts, zone, now), *_from_meta(facts, zone, now),
                                    _from_time_element(facts, zone, now)) if found is not None]
    shown = dateline(facts.segments, title_index, content_start, zone, now)
    if not declared:
        found = (shown or _from_scripts(facts, zone, now) or _relative(facts, title_index, zone, now)
                 or date_in_url(facts.url, zone, now) or lone_timestamp(facts.segments, zone, now)
                 or _modified(facts, zone, now) or date_in_url(meta_value(facts, "og:image") or "", zone, now)
                 or issue_month(facts.segments, zone, now))
    else:
        declared += _script_witness(facts, declared[0], shown, zone, now)
        found = _weigh(_outvoted(declared, shown), shown, facts.raw)
    if found is not None and found.precision == "day":
        return _same_day_clock(found, facts, zone, now) or found
    return found


def _weigh(declared: Sequence[Timestamp], shown: Timestamp | None, raw: str) -> Timestamp:
    """The declared time, unless the visible one says the same more exactly or in the right offset."""
    chosen = _in_publisher_offset(_best_declared(declared), raw)
    if shown is not None:
        chosen = _in_offset_shown(chosen, shown)
        shown = _in_offset_of(shown, chosen)
        if _local_time_labelled_utc(shown, chosen):
            return shown
        if shown.day == chosen.day and _visible_wins(shown, chosen):
            return shown
    return chosen


def _outvoted(declared: list[Timestamp], shown: Timestamp | None) -> list[Timestamp]:
    """The first declared time gives way to another that a further witness (a declared time or the
    visible dateline) agrees with, when nothing agrees with the first: a stale JSON-LD block against
    the meta tag and the page's own dateline."""
    # A dateline read off a declared <time> element's own stamp is that element again, not a new witness.
    independent = shown is not None and all(shown.moment != other.moment for other in declared)
    witnesses = [*declared[1:], *([shown] if shown is not None and independent else [])]
    if len(witnesses) < 2 or any(_agree(declared[0], witness) for witness in witnesses):
        return declared
    for index, candidate in enumerate(declared[1:], start=1):
        if any(_agree(candidate, other) for other in witnesses if other is not candidate):
            return [candidate, *declared[:index], *declared[index + 1:]]
    return declared


def _script_witness(facts: PageFacts, first: Timestamp, shown: Timestamp | None, zone: tzinfo,
                    now: datetime) -> list[Timestamp]:
    """A script's publish-time variable, as a further witness when the visible dateline disputes the
    first declared time's day and the script agrees with the dateline (a meta tag holding a later
    republication, the JSON-LD a parser could not read)."""
    if shown is None or shown.day == first.day:
        return []
    script = _from_scripts(facts, zone, now)
    return [script] if script is not None and script.day == shown.day else []


def _agree(one: Timestamp, other: Timestamp) -> bool:
    if one.precision == "day" or other.precision == "day":
        return one.day == other.day
    if one.moment.utcoffset() != other.moment.utcoffset() and not (one.moment.utcoffset() and other.moment.utcoffset()):
        # A wall clock read as UTC (no zone configured) agrees with the same wall clock in any offset.
        return abs(one.moment.replace(tzinfo=None) - other.moment.replace(tzinfo=None)) < timedelta(minutes=1)
    return abs(one.moment - other.moment) < timedelta(minutes=1)


def _same_day_clock(found: Timestamp, facts: PageFacts, zone: tzinfo, now: datetime) -> Timestamp | None:
    """The same day with its time from a publish-time variable in a script or a labelled line
    elsewhere on the page ('发布于：2015-11-05 11:34' under a post dated '2015-11-05')."""
    for candidate in (_script_clock(facts, found, zone, now), labelled_clock(facts.segments, found, zone, now)):
        if candidate is not None and candidate.precision != "day" and candidate.day == found.day:
            return candidate
    return None


def _script_clock(facts: PageFacts, found: Timestamp, zone: tzinfo, now: datetime) -> Timestamp | None:
    # Only scripts that print the day are searched: a plain substring test before any regex.
    day = found.day.isoformat()
    for script in facts.scripts:
        if day in script:
            match = _SCRIPT_TIME.search(script)
            if match is not None:
                return parse_date(match.group("value"), zone, now)
    return None


def _modified(facts: PageFacts, zone: tzinfo, now: datetime) -> Timestamp | None:
    """Last resort: when the page was last changed (a wiki's 'last edited', a recipe's 'Updated'),
    which is closer to the truth than no date at all."""
    for value in json_ld_values(facts, "dateModified"):
        if isinstance(value, str):
            found = parse_date(value, zone, now)
            if found is not None:
                return found
    for key in _MODIFIED_META:
        value = meta_value(facts, key)
        found = parse_date(value, zone, now) if value else None
        if found is not None:
            return found
    return update_line(facts.segments, zone, now)


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


def _from_meta(facts: PageFacts, zone: tzinfo, now: datetime) -> list[Timestamp]:
    """The distinct times publication meta tags give, most trusted key first (at most a few)."""
    found: list[Timestamp] = []
    for key in PUBLISHED_META:
        value = meta_value(facts, key)
        reading = parse_date(value, zone, now) if value else None
        if reading is not None and reading not in found:
            found.append(reading)
            if len(found) == _META_WITNESSES:
                break
    return found


def _from_time_element(facts: PageFacts, zone: tzinfo, now: datetime) -> Timestamp | None:
    fallback: Timestamp | None = None
    for element in _machine_time_elements(facts):
        value = _machine_value(element)
        if not value:
            continue
        found = parse_date(value, zone, now)
        if found is None:
            continue
        if "T00:00:00" in value:
            # A day stored as a datetime: the page gave no time.
            found = Timestamp(found.moment, "day")
        marks = " ".join(filter(None, (element.get("itemprop"), element.get("class"), element.get("pubdate"))))
        if element.get("pubdate") is not None or re.search(r"publish|datePublished|pubdate", marks, re.I):
            return found
        if fallback is None and not is_decoy(marks + " " + (element.text or "")):
            fallback = found
    return fallback


def _machine_time_elements(facts: PageFacts) -> list[etree._Element]:
    # The microdata half of the query reads every element; the markup says first whether it can match.
    if not _may_hold_microdata_time(facts.raw):
        return list(facts.root.iter("time"))
    # One pass over the held nodes costs less than the XPath union of two descendant searches.
    return [node for node in facts.nodes if node.tag == "time"
            or (node.get("itemprop") == "datePublished" and node.tag != "meta")]


def _may_hold_microdata_time(raw: str) -> bool:
    """Whether 'datePublished' ever follows 'itemprop' in the markup (plain finds: a case-blind regex
    would try every position of the page)."""
    start = raw.find("datePublished")
    while start != -1:
        if "itemprop" in raw[max(0, start - _ITEMPROP_REACH): start].lower():
            return True
        start = raw.find("datePublished", start + 1)
    return False


def _machine_value(element: etree._Element) -> str:
    """The time a <time> element states in its attributes; a microdata element may state it in its
    text instead ('<span itemprop="datePublished">July 11, 2011</span>')."""
    value = element.get("datetime") or element.get("content") or ""
    if value or element.tag == "time":
        return value
    value = element.get("title") or " ".join("".join(map(str, element.itertext())).split())
    return value if len(value) <= _MICRODATA_TEXT else ""


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
