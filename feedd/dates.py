"""Text to an aware published time: Chinese and western forms, relative forms, a plausibility window.

`parse_date` finds the first credible date in a short text (a meta value, a dateline, a URL) and
never raises: any failure is "no date". A time printed without a zone is read in the source's zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Final
from zoneinfo import ZoneInfo

from feedd.models import Precision, Timestamp

# Pages published "now" on a server whose clock runs a little ahead are still accepted.
FUTURE_TOLERANCE: Final = timedelta(hours=3)
OLDEST_YEAR: Final = 1995
_MAX_TEXT: Final = 400

_FULLWIDTH: Final = str.maketrans("０１２３４５６７８９：－／．", "0123456789:-/.")
# Month names in the languages of the portals feedd meets, with their common abbreviations and the
# genitive forms Slavic languages print in dates ("15 августа 2016").
_MONTHS: Final = {
    name: number
    for number, names in enumerate((
        ("january", "jan", "januar", "janvier", "enero", "gennaio", "janeiro", "januari", "jänner", "ianuarie",
         "января", "январь", "січня", "stycznia", "ocak", "يناير"),
        ("february", "feb", "februar", "février", "fevrier", "févr", "febrero", "febbraio", "fevereiro", "februari",
         "februarie", "февраля", "февраль", "лютого", "lutego", "şubat", "subat", "فبراير"),
        ("march", "mar", "märz", "maerz", "mars", "marzo", "março", "marco", "maart", "maret", "martie", "марта",
         "март", "березня", "marca", "mart", "مارس"),
        ("april", "apr", "avril", "abril", "aprile", "aprilie", "апреля", "апрель", "квітня", "kwietnia", "nisan",
         "أبريل", "ابريل"),
        ("may", "mai", "mayo", "maggio", "maio", "mei", "maj", "мая", "май", "травня", "maja", "mayıs", "mayis",
         "مايو"),
        ("june", "jun", "juni", "juin", "junio", "giugno", "junho", "iunie", "июня", "июнь", "червня", "czerwca",
         "haziran", "يونيو"),
        ("july", "jul", "juli", "juillet", "julio", "luglio", "julho", "iulie", "июля", "июль", "липня", "lipca",
         "temmuz", "يوليو"),
        ("august", "aug", "août", "aout", "agosto", "augustus", "agustus", "augusti", "августа", "август",
         "серпня", "sierpnia", "ağustos", "agustos", "أغسطس", "اغسطس"),
        ("september", "sep", "sept", "septembre", "septiembre", "settembre", "setembro", "septembrie",
         "сентября", "сентябрь", "вересня", "września", "wrzesnia", "eylül", "eylul", "سبتمبر"),
        ("october", "oct", "oktober", "octobre", "octubre", "ottobre", "okt", "outubro", "octombrie",
         "октября", "октябрь", "жовтня", "października", "pazdziernika", "ekim", "أكتوبر", "اكتوبر"),
        ("november", "nov", "novembre", "noviembre", "novembro", "noiembrie", "ноября", "ноябрь",
         "листопада", "listopada", "kasım", "kasim", "نوفمبر"),
        ("december", "dec", "dezember", "décembre", "decembre", "diciembre", "dicembre", "dez", "dezembro",
         "desember", "decembrie", "декабря", "декабрь", "грудня", "grudnia", "aralık", "aralik", "déc", "ديسمبر"),
    ), start=1)
    for name in names
}
_ZONE_ABBREVIATIONS: Final = {
    "utc": 0, "gmt": 0, "z": 0, "bst": 60, "cet": 60, "cest": 120, "mez": 60, "mesz": 120,
    "eet": 120, "eest": 180, "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420,
    "mdt": -360, "pst": -480, "pdt": -420, "jst": 540, "kst": 540, "hkt": 480, "sgt": 480,
    "aest": 600, "aedt": 660, "ist": 330, "msk": 180,
}
# US pages print the zone without saying whether summer time applies ("4:23 pm ET").
_REGION_ZONES: Final = {"et": "America/New_York", "ct": "America/Chicago", "mt": "America/Denver",
                        "pt": "America/Los_Angeles"}

# Between the day and its time: a weekday ("2019年4月26日(金) 16:44", "2026年04月20日 星期一 16:44") and a
# word for "at" ("05.03.2019 um 15:04 Uhr", "5 mars 2019 à 15h04", "22 de janeiro de 2018 às 10:00").
_WEEKDAY: Final = r"(?:\s*[(（][^()（）\d]{1,4}[)）]|\s+(?:星期|周|礼拜)[一二三四五六日天])?"
_AT: Final = r"(?:T|\s|日|,|at|um|à|às|a las|alle|om|[-–—|·])"
_TIME: Final = (_WEEKDAY + r"(?:\s*" + _AT + r"?\s*(?P<ampm1>上午|下午|晚上|凌晨|中午)?\s*"
                r"(?P<hour>\d{1,2})\s*(?:[:：时點点時h]|\.(?=\d{2}\s*(?:GMT|BST|UTC|CET|CEST|MEZ|MESZ|Uhr)\b))\s*"
                r"(?P<minute>\d{1,2})"
                r"(?:\s*[:：分]\s*(?P<second>\d{1,2})(?:\.\d+)?)?"
                r"\s*(?P<ampm2>[AaPp]\.?\s?[Mm]\.?(?![a-z])|[صم](?!\w))?"
                # Real offsets run from -12 to +14 hours in steps of 00, 30 or 45 minutes: '13:00-16:40' is a range.
                r"(?:\s*(?P<offset>Z(?![a-z])|[+-](?:0\d|1[0-4]):?(?:00|30|45)(?!\d)|[+-]\d{3}(?!\d)|"
                r"(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[A-Z]{3,4}T?\b|[ECMP]T\b))?)?")
_MONTH_NAME: Final = r"(?P<monthname>[^\W\d_]{3,12})\.?"


@dataclass(frozen=True)
class _Form:
    """One written date form: a regex and the way its groups map to year/month/day."""

    pattern: re.Pattern[str]
    order: str  # "ymd", "dmy", "mdy", "md" (year-less), "yy" / "dmy2" (two-digit year first / last)


def _form(body: str, order: str) -> _Form:
    return _Form(re.compile(body + _TIME, re.IGNORECASE), order)


_FORMS: tuple[_Form, ...] = (
    _form(r"(?<!\d)(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日?", "ymd"),
    _form(r"(?<![\d.])(?P<year>(?:19|20)\d{2})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?!\d)",
          "ymd"),
    _form(r"(?<![\d.])(?P<year>(?:19|20)\d{2})(?P<month>[01]\d)(?P<day>[0-3]\d)(?=T\d|\s*$)", "ymd"),
    _form(r"(?<![\d/.])(?P<day>\d{1,2})\.\s?(?P<month>\d{1,2})\.\s?(?P<year>(?:19|20)\d{2})(?!\d)", "dmy"),
    _form(r"(?<![\d/])(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>(?:19|20)\d{2})(?!\d)", "mdy"),
    _form(r"(?<![\w.])" + _MONTH_NAME + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d{2})(?!\d)",
          "mdy"),
    # "3 de mayo de 2022", "15. August 2016", "20 septembrie 2020, 16:20", "1st of May 2020"
    _form(r"(?<![\w.])(?P<day>\d{1,2})(?:st|nd|rd|th|er|º|°)?\.?\s+(?:(?:of|de|del)\s+)?" + _MONTH_NAME
          + r",?\s+(?:(?:de|del)\s+)?(?P<year>(?:19|20)\d{2})(?!\d)", "dmy"),
    # "发布时间：18-03-08": the label's colon may precede it, a time's "12:" may not.
    # "31.10.23", "8.5.12": a German day, month and two-digit year.
    _form(r"(?<![\d.])(?P<day>[0-3]?\d)\.(?P<month>[01]?\d)\.(?P<year>\d{2})(?![\d.])", "dmy2"),
    _form(r"(?<![\d/.-])(?<!\d:)(?P<year>\d{2})-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?![\d-])", "yy"),
    _form(r"(?<![\d年])(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日", "md"),
    # "01-14 17:58", "04/20 16:44": a year-less day is only taken with its clock
    _form(r"(?<![\d/.-])(?<!\d:)(?P<month>[01]?\d)(?P<sep>[-/])(?P<day>[0-3]?\d)(?![\d/.-])(?=\s+\d{1,2}:\d{2})", "md"),
)
# "Mon Aug 03 12:45:00 EDT 2015": the year after the clock and zone, as C's and Java's date printers write it.
_CLOCK_BEFORE_YEAR: Final = _Form(re.compile(
    r"(?<![\w.])" + _MONTH_NAME + r"\s+(?P<day>\d{1,2})\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s+(?:(?P<offset>[A-Z]{3,4})\s+)?(?P<year>(?:19|20)\d{2})(?!\d)"), "mdy")
# "Updated 10:46 AM ET, Thu May 21, 2020": the clock and its zone before the date, as US news sites print.
_CLOCK_BEFORE_DATE: Final = _Form(re.compile(
    r"(?<![\d:.])(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm2>[AaPp]\.?\s?[Mm]\.?)?\s*(?P<offset>[A-Z]{2,4})?,\s*"
    r"(?:[A-Z][a-z]{2,8},?\s+)?" + _MONTH_NAME + r"\s+(?P<day>\d{1,2}),?\s+(?P<year>(?:19|20)\d{2})(?!\d)"), "mdy")
_FORMS = (*_FORMS, _CLOCK_BEFORE_YEAR, _CLOCK_BEFORE_DATE)
_YEARED_FORMS: Final = tuple(form for form in _FORMS if form.order != "md")
_EPOCH: Final = re.compile(r"^\s*(?P<seconds>1\d{9})(?P<millis>\d{3})?\s*$")
_RELATIVE_UNITS: Final = {"秒": 1, "分钟": 60, "分": 60, "小时": 3600, "时": 3600, "天": 86400, "周": 604800,
                          "second": 1, "minute": 60, "min": 60, "hour": 3600, "day": 86400, "week": 604800}
_RELATIVE: Final = re.compile(
    r"(?P<amount>\d+)\s*(?P<unit>秒|分钟|小时|天|周|seconds?|minutes?|mins?|hours?|days?|weeks?)"
    r"(?:\s*(?P<minutes>\d+)\s*分钟?)?\s*(?:前|以前|ago)", re.IGNORECASE)
_DAY_WORDS: Final = {"今天": 0, "昨天": 1, "前天": 2, "today": 0, "yesterday": 1}
_DAY_WORD: Final = re.compile(
    r"(?P<word>今天|昨天|前天|today|yesterday)\s*(?:(?P<hour>\d{1,2})[:：](?P<minute>\d{2}))?",
    re.IGNORECASE)
# Chinese pages of foreign outlets name the zone before the clock: "格林尼治标准时间10:41", "北京时间 18:41".
_ZONE_LABELS: Final = {
    "格林尼治标准时间": "GMT", "格林威治标准时间": "GMT", "格林尼治时间": "GMT", "北京时间": "+08:00",
    "台北时间": "+08:00", "香港时间": "+08:00", "东京时间": "+09:00", "日本时间": "+09:00"}
_ZONE_BEFORE_CLOCK: Final = re.compile(
    r"(?P<zone>" + "|".join(_ZONE_LABELS) + r")\s*(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)")
_JUST_NOW: Final = re.compile(r"刚刚|just now", re.IGNORECASE)


def parse_date(text: str, zone: tzinfo, now: datetime) -> Timestamp | None:
    """The first credible date in `text`, read in `zone` when it names none; None when absent."""
    try:
        return _parse(text, zone, now, _READERS)
    except (ValueError, OverflowError, TypeError, KeyError):
        return None


def parse_dated(text: str, zone: tzinfo, now: datetime) -> Timestamp | None:
    """Like parse_date, but only dates that print their year: no '4月20日', '昨天' or '5分钟前'.

    Extraction tries these first, because a year-less date on a page is often a widget's."""
    try:
        return _parse(text, zone, now, _YEARED_READERS)
    except (ValueError, OverflowError, TypeError, KeyError):
        return None


def _parse(text: str, zone: tzinfo, now: datetime, readers: tuple[_Reader, ...]) -> Timestamp | None:
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    cleaned = " ".join(text[:_MAX_TEXT].translate(_FULLWIDTH).split())
    if "时间" in cleaned:
        cleaned = _ZONE_BEFORE_CLOCK.sub(_zone_after_clock, cleaned)
    if not cleaned:
        return None
    for reader in readers:
        found = reader(cleaned, zone, now)
        if found is not None:
            return found if _plausible(found, now) else None
    return None


def _zone_after_clock(match: re.Match[str]) -> str:
    return f"{match.group('clock')} {_ZONE_LABELS[match.group('zone')]}"


def _plausible(found: Timestamp, now: datetime) -> bool:
    return found.moment.year >= OLDEST_YEAR and found.moment <= now + FUTURE_TOLERANCE


def _read_epoch(text: str, zone: tzinfo, now: datetime) -> Timestamp | None:
    match = _EPOCH.match(text)
    if match is None:
        return None
    moment = datetime.fromtimestamp(int(match.group("seconds")), tz=UTC).astimezone(zone)
    return Timestamp(moment, "second")


def _read_written(text: str, zone: tzinfo, now: datetime) -> Timestamp | None:
    return _leftmost(text, zone, now, _FORMS)


def _read_yeared(text: str, zone: tzinfo, now: datetime) -> Timestamp | None:
    return _leftmost(text, zone, now, _YEARED_FORMS)


_DIGIT: Final = re.compile(r"\d")


def _leftmost(text: str, zone: tzinfo, now: datetime, forms: tuple[_Form, ...]) -> Timestamp | None:
    """The leftmost written date of any form; a longer match wins a tie (it carries the time)."""
    if _DIGIT.search(text) is None:  # every written form has a day number: skip the many forms at once
        return None
    best: tuple[int, int, re.Match[str], _Form] | None = None
    for form in forms:
        for match in form.pattern.finditer(text):
            if _date_fields(match, form, zone, now) is None:
                continue
            key = (match.start(), -len(match.group(0)))
            if best is None or key < best[:2]:
                best = (key[0], key[1], match, form)
            break
    if best is None:
        return None
    return _timestamp(best[2], best[3], zone, now)


def _date_fields(match: re.Match[str], form: _Form, zone: tzinfo, now: datetime) -> tuple[int, int, int] | None:
    groups = match.groupdict()
    if groups.get("monthname"):
        month = _MONTHS.get(groups["monthname"].lower().rstrip("."))
        if month is None:
            return None
    else:
        month = int(groups["month"])
    day = int(groups["day"])
    if form.order == "mdy" and not groups.get("monthname") and (month > 12 >= day or (day <= 12 and _day_first(zone))):
        month, day = day, month
    if form.order == "md":
        year = now.astimezone(zone).year
        if (month, day) > (now.astimezone(zone).month, now.astimezone(zone).day):
            year -= 1
    elif form.order in ("yy", "dmy2"):
        year = 2000 + int(groups["year"])
    else:
        year = int(groups["year"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return year, month, day


# Regions that write a numeric date day first ("05/03/2019" is 5 March): Europe, Africa, Oceania, India
# and Latin America. US pages, and Chinese portals on US-locale servers, write the month first.
_DAY_FIRST_REGIONS: Final = ("Europe/", "Africa/", "Australia/", "Pacific/Auckland", "Asia/Kolkata", "Asia/Calcutta",
                             "America/Sao_Paulo", "America/Argentina/", "America/Buenos_Aires", "America/Santiago",
                             "America/Lima", "America/Bogota", "America/Caracas", "America/Montevideo",
                             "America/Asuncion", "America/La_Paz", "America/Guayaquil", "America/Mexico_City")


def _day_first(zone: tzinfo) -> bool:
    """Whether the source's zone lies where numeric dates are written day first."""
    key = getattr(zone, "key", None)
    return isinstance(key, str) and key.startswith(_DAY_FIRST_REGIONS)


def _timestamp(match: re.Match[str], form: _Form, zone: tzinfo, now: datetime) -> Timestamp | None:
    fields = _date_fields(match, form, zone, now)
    if fields is None:
        return None
    year, month, day = fields
    groups = match.groupdict()
    if groups.get("hour") is None:
        return Timestamp(datetime(year, month, day, tzinfo=zone), "day")
    hour = _hour(int(groups["hour"]), groups.get("ampm1") or groups.get("ampm2"))
    minute = int(groups["minute"])
    second = int(groups["second"]) if groups.get("second") else 0
    precision: Precision = "second" if groups.get("second") else "minute"
    stated = _zone_of(groups.get("offset"))
    if stated is None:
        moment = _in_zone(datetime(year, month, day, hour, minute, second), zone)
    else:
        moment = _stated(datetime(year, month, day, hour, minute, second, tzinfo=stated), zone)
    return Timestamp(moment, precision)


def _stated(moment: datetime, zone: tzinfo) -> datetime:
    """A UTC time is usually a machine's normalisation: show it in the source's zone. Any other
    stated offset is the page's own zone and is kept."""
    if moment.utcoffset() == timedelta(0):
        return moment.astimezone(zone)
    return moment


def _in_zone(naive: datetime, zone: tzinfo) -> datetime:
    return naive.replace(tzinfo=zone)


def _hour(hour: int, marker: str | None) -> int:
    if marker is None:
        return hour
    afternoon = marker[0] in "Pp下晚م" or (marker == "中午" and hour < 6)
    if afternoon and hour < 12:
        return hour + 12
    if marker[0] in "Aa凌ص" and hour == 12:
        return 0
    return hour


def _zone_of(label: str | None) -> tzinfo | None:
    if not label:
        return None
    text = label.strip().upper()
    if text in ("Z", "UTC", "GMT"):
        return UTC
    offset = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])\s*(\d{1,2}):?(\d{2})?", text)
    if offset:
        minutes = int(offset.group(2)) * 60 + int(offset.group(3) or 0)
        return timezone(timedelta(minutes=-minutes if offset.group(1) == "-" else minutes))
    region = _REGION_ZONES.get(text.lower())
    if region is not None:
        return ZoneInfo(region)
    known = _ZONE_ABBREVIATIONS.get(text.lower())
    return timezone(timedelta(minutes=known)) if known is not None else None


def _read_relative(text: str, zone: tzinfo, now: datetime) -> Timestamp | None:
    local_now = now.astimezone(zone).replace(microsecond=0)
    if _JUST_NOW.search(text):
        return Timestamp(local_now.replace(second=0), "minute")
    match = _RELATIVE.search(text)
    if match is not None:
        unit = match.group("unit").lower().rstrip("s") if match.group("unit").isascii() else match.group("unit")
        seconds = int(match.group("amount")) * _RELATIVE_UNITS[unit]
        seconds += int(match.group("minutes") or 0) * 60
        precision: Precision = "day" if _RELATIVE_UNITS[unit] >= 86400 else "minute"
        moment = (local_now - timedelta(seconds=seconds)).replace(second=0)
        if precision == "day":
            moment = moment.replace(hour=0, minute=0)
        return Timestamp(moment, precision)
    word = _DAY_WORD.search(text)
    if word is None:
        return None
    day = (local_now - timedelta(days=_DAY_WORDS[word.group("word").lower()])).date()
    if word.group("hour") is None:
        return Timestamp(datetime(day.year, day.month, day.day, tzinfo=zone), "day")
    moment = datetime(day.year, day.month, day.day, int(word.group("hour")), int(word.group("minute")))
    return Timestamp(_in_zone(moment, zone), "minute")


_STAMP_NEAR: Final = re.compile(
    r"(?P<date>(?:19|20)\d{2}-[01]\d-[0-3]\d)[T ](?P<clock>[0-2]\d:[0-5]\d:[0-5]\d)(?:\.\d+)?"
    r"(?P<offset>Z|[+-][01]\d:?[0-5]\d)?(?!\d)")
_MAX_OFFSET: Final = timedelta(hours=14)
_OFFSET_STEP: Final = timedelta(minutes=15)
_OFFSET_LOOKS: Final = 40


def publisher_offset(raw: str, moment: datetime) -> tzinfo | None:
    """The UTC offset a page states for `moment` elsewhere in its source (a script's
    "2023-11-08T22:28:35-05:00", a meta tag's naive local "2023-11-08 22:28:35"); None when absent.

    Only stamps with seconds count: a second-exact match in another offset is the same instant, not
    a coincidence. The page is searched for ":MM:SS" with plain string scans, not one regex over it."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    seconds = f"{utc:%S}"
    for minute in (utc.minute, (utc.minute + 30) % 60):
        found = _offset_near(raw, f":{minute:02d}:{seconds}", utc)
        if found is not None:
            return found
    return None


def _offset_near(raw: str, needle: str, utc: datetime) -> tzinfo | None:
    hit = raw.find(needle)
    looks = 0
    while hit != -1 and looks < _OFFSET_LOOKS:
        looks += 1
        match = _STAMP_NEAR.search(raw, max(0, hit - 16), hit + 30)
        if match is not None:
            offset = _offset_of_stamp(match, utc)
            if offset is not None:
                return offset
        hit = raw.find(needle, hit + 1)
    return None


def _offset_of_stamp(match: re.Match[str], utc: datetime) -> tzinfo | None:
    try:
        local = datetime.fromisoformat(f"{match.group('date')}T{match.group('clock')}")
    except ValueError:
        return None
    stated = _zone_of(match.group("offset"))
    if stated is not None:
        if local - utc == stated.utcoffset(local):
            return stated if stated.utcoffset(local) else None
        return None
    # A naive local time: second-exact, a whole quarter-hour away from UTC and no more than 14 hours.
    shift = local - utc
    if shift and abs(shift) <= _MAX_OFFSET and shift % _OFFSET_STEP == timedelta(0) and utc.second:
        return timezone(shift)
    return None


_Reader = Callable[[str, tzinfo, datetime], Timestamp | None]
_READERS: tuple[_Reader, ...] = (_read_epoch, _read_written, _read_relative)
_YEARED_READERS: tuple[_Reader, ...] = (_read_epoch, _read_yeared)
