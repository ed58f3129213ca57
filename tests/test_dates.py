"""Date parsing: written forms, zones, year-less and relative forms, the plausibility window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedd.dates import parse_date, publisher_offset

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 21, 12, 0, tzinfo=SHANGHAI)

WRITTEN_FORMS = [
    ("2026-04-20 16:44:57", "2026-04-20T16:44:57+08:00", "second"),
    ("发布时间：2026-04-20 16:44:57", "2026-04-20T16:44:57+08:00", "second"),
    ("2026年04月20日 16:44", "2026-04-20T16:44:00+08:00", "minute"),
    ("2020年03月12日 20:19:00", "2020-03-12T20:19:00+08:00", "second"),
    ("时间：2026/4/20", "2026-04-20", "day"),
    ("2022.01.20", "2022-01-20", "day"),
    ("18-03-08 23:16", "2018-03-08T23:16:00+08:00", "minute"),
    ("2005-5-7 21:23:57", "2005-05-07T21:23:57+08:00", "second"),
    ("7/5/2005 9:23:57 PM", "2005-07-05T21:23:57+08:00", "second"),
    ("1581517074", "2020-02-12T22:17:54+08:00", "second"),
    ("1581517074000", "2020-02-12T22:17:54+08:00", "second"),
    ("2024-05-16T17:02:38+08:00", "2024-05-16T17:02:38+08:00", "second"),
    ("2024-05-16T09:02:38Z", "2024-05-16T17:02:38+08:00", "second"),
    ("2024-05-16T09:02:38.000+0000", "2024-05-16T17:02:38+08:00", "second"),
    ("2020-10-04T15:05:00-04:00", "2020-10-04T15:05:00-04:00", "second"),
    ("April 20, 2026 4:44 PM EDT", "2026-04-20T16:44:00-04:00", "minute"),
    ("Published Mon, 20 Apr 2026 08:00:00 GMT", "2026-04-20T16:00:00+08:00", "second"),
    ("20. April 2026", "2026-04-20", "day"),
    ("20.04.2026", "2026-04-20", "day"),
    ("20260420", "2026-04-20", "day"),
    ("2019-09-07 09:59:22　来源: 新京报", "2019-09-07T09:59:22+08:00", "second"),
    # the clock and zone before the year, as C's and Java's date printers write it
    ("Mon Aug 03 12:45:00 EDT 2015", "2015-08-03T12:45:00-04:00", "second"),
    # a three-digit offset, a dash between day and time, Spanish "a. m.", Arabic months and ص/م
    ("2018-10-29T10:15-500", "2018-10-29T10:15:00-05:00", "minute"),
    ("6 May 2022 - 2:00 p. m.", "2022-05-06T14:00:00+08:00", "minute"),
    ("الإثنين، 20 مايو 2024 07:00 م", "2024-05-20T19:00:00+08:00", "minute"),
    ("20 مايو 2024 07:00 ص", "2024-05-20T07:00:00+08:00", "minute"),
    # a zone named before the clock
    ("2012年12月10日, 格林尼治标准时间10:41", "2012-12-10T18:41:00+08:00", "minute"),
    ("2020年1月2日 东京时间 18:41", "2020-01-02T18:41:00+09:00", "minute"),
    # a weekday between the day and its time, Japanese 時/分/秒
    ("2019年4月26日(金) 16:44", "2019-04-26T16:44:00+08:00", "minute"),
    ("2019/04/26（金）16:44", "2019-04-26T16:44:00+08:00", "minute"),
    ("2026年04月20日 星期一 16:44", "2026-04-20T16:44:00+08:00", "minute"),
    ("2020年7月1日 10時00分", "2020-07-01T10:00:00+08:00", "minute"),
    ("2019年04月26日 16時44分32秒", "2019-04-26T16:44:32+08:00", "second"),
    # a word for "at" before the time, the French 15h04 and 1er
    ("05.03.2019 um 15:04 Uhr", "2019-03-05T15:04:00+08:00", "minute"),
    ("publié le 1er novembre 2023 à 16h28", "2023-11-01T16:28:00+08:00", "minute"),
    ("segunda-feira, 22 de janeiro de 2018 às 10:00", "2018-01-22T10:00:00+08:00", "minute"),
    ("5 de marzo de 2019 a las 15:04", "2019-03-05T15:04:00+08:00", "minute"),
    # the clock and its zone before the date; a clock with a dot when a zone or 'Uhr' follows
    ("Updated 10:46 AM ET, Thu May 21, 2020", "2020-05-21T10:46:00-04:00", "minute"),
    ("11:35, November 23, 2022", "2022-11-23T11:35:00+08:00", "minute"),
    ("Tue 5 Mar 2019 15.04 GMT", "2019-03-05T23:04:00+08:00", "minute"),
    ("5.3.2019 15.04 Uhr", "2019-03-05T15:04:00+08:00", "minute"),
    ("5 March 2019 12.50 Euro", "2019-03-05", "day"),
    # ... but a number in brackets is no weekday, and hours alone are no time
    ("2019-01-02 (1) 12:30", "2019-01-02", "day"),
    ("2019-01-02 12 hours", "2019-01-02", "day"),
]


@pytest.mark.parametrize(("text", "expected", "precision"), WRITTEN_FORMS)
def test_dates_reads_written_forms_with_their_precision(text: str, expected: str, precision: str) -> None:
    found = parse_date(text, SHANGHAI, NOW)
    assert found is not None
    assert found.isoformat() == expected
    assert found.precision == precision


def test_dates_reads_naive_time_in_source_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    found = parse_date("2026-01-20 16:44", berlin, NOW)
    assert found is not None
    assert found.moment.utcoffset() == timedelta(hours=1)
    assert found.moment.hour == 16


def test_dates_day_precision_is_midnight_in_zone() -> None:
    found = parse_date("2026-04-20", SHANGHAI, NOW)
    assert found is not None
    assert found.moment == datetime(2026, 4, 20, tzinfo=SHANGHAI)
    assert found.isoformat() == "2026-04-20"


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("4月20日", datetime(2026, 4, 21, 12, 0, tzinfo=SHANGHAI), "2026-04-20"),
    ("12月30日 08:00", datetime(2026, 1, 3, 12, 0, tzinfo=SHANGHAI), "2025-12-30T08:00:00+08:00"),
    ("12-31 23:58", datetime(2026, 1, 1, 0, 5, tzinfo=SHANGHAI), "2025-12-31T23:58:00+08:00"),
    ("01-14 17:58", datetime(2026, 1, 20, 9, 0, tzinfo=SHANGHAI), "2026-01-14T17:58:00+08:00"),
    ("12/31 23:58", datetime(2026, 1, 1, 0, 5, tzinfo=SHANGHAI), "2025-12-31T23:58:00+08:00"),
])
def test_dates_resolves_yearless_dates_across_a_year_end(text: str, now: datetime, expected: str) -> None:
    found = parse_date(text, SHANGHAI, now)
    assert found is not None
    assert found.isoformat() == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("刚刚", "2026-04-21T12:00:00+08:00"),
    ("5分钟前", "2026-04-21T11:55:00+08:00"),
    ("1小时10分前", "2026-04-21T10:50:00+08:00"),
    ("3小时前", "2026-04-21T09:00:00+08:00"),
    ("昨天 08:30", "2026-04-20T08:30:00+08:00"),
    ("前天 22:10", "2026-04-19T22:10:00+08:00"),
    ("2 hours ago", "2026-04-21T10:00:00+08:00"),
    ("2天前", "2026-04-19"),
])
def test_dates_reads_relative_forms_against_now(text: str, expected: str) -> None:
    found = parse_date(text, SHANGHAI, NOW)
    assert found is not None
    assert found.isoformat() == expected


@pytest.mark.parametrize("text", [
    "2026-04-23 10:00",        # two days ahead of now
    "2030年1月1日",
    "1990-05-01",              # before the web had news portals
    "1581517074" + "9",        # not a timestamp
    "no date here",
    "",
    "2026-13-45",
    "版权所有 ©",
])
def test_dates_rejects_future_implausible_and_absent_dates(text: str) -> None:
    assert parse_date(text, SHANGHAI, NOW) is None


def test_dates_accepts_a_naive_now_as_utc() -> None:
    found = parse_date("2026-04-20", SHANGHAI, datetime(2026, 4, 21, 12, 0))
    assert found is not None


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), offset_hours=st.integers(min_value=-12, max_value=14))
def test_dates_never_raise_and_always_return_aware_times(text: str, offset_hours: int) -> None:
    zone = timezone(timedelta(hours=offset_hours))
    found = parse_date(text, zone, datetime(2026, 4, 21, tzinfo=UTC))
    assert found is None or found.moment.utcoffset() is not None


@settings(max_examples=200, deadline=None)
@given(text=st.from_regex(r"[0-9年月日:：\-/. 前分钟小时天昨刚]{0,30}", fullmatch=True))
def test_dates_date_like_noise_never_raises_or_lands_in_the_future(text: str) -> None:
    found = parse_date(text, SHANGHAI, NOW)
    assert found is None or found.moment <= NOW + timedelta(hours=3)


MORE_LANGUAGES = [
    ("15 августа 2016, 13:43", "2016-08-15T13:43:00+00:00"),
    ("Miércoles, 15 de Abril de 2020", "2020-04-15"),
    ("3 de mayo de 2022", "2022-05-03"),
    ("2 de setembro de 2021", "2021-09-02"),
    ("duminică, 20 septembrie 2020 16:20", "2020-09-20T16:20:00+00:00"),
    ("12 stycznia 2021", "2021-01-12"),
    ("5 Ekim 2020", "2020-10-05"),
    ("14 maart 2019", "2019-03-14"),
    ("5. März 2020", "2020-03-05"),
]


@pytest.mark.parametrize(("text", "expected"), MORE_LANGUAGES)
def test_dates_reads_month_names_of_many_languages(text: str, expected: str) -> None:
    found = parse_date(text, UTC, NOW)
    assert found is not None
    assert found.isoformat() == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("11/28/2016 04:23 pm ET", "2016-11-28T16:23:00-05:00"),   # winter: EST
    ("06/28/2016 04:23 pm ET", "2016-06-28T16:23:00-04:00"),   # summer: EDT
    ("11/28/2016 11:00 AM PT", "2016-11-28T11:00:00-08:00"),
    ("10/17/2022 04:01 PM EDT", "2022-10-17T16:01:00-04:00"),
])
def test_dates_reads_us_region_zones_with_summer_time(text: str, expected: str) -> None:
    found = parse_date(text, UTC, NOW)
    assert found is not None
    assert found.isoformat() == expected


def test_dates_reads_a_two_digit_year_after_a_label_colon_but_not_inside_a_time() -> None:
    found = parse_date("发布时间：18-03-08", SHANGHAI, NOW)
    assert found is not None
    assert found.isoformat() == "2018-03-08"
    assert parse_date("12:18-03-08", SHANGHAI, NOW) is None


@pytest.mark.parametrize(("page", "instant", "expected"), [
    ('"date":"2023-11-08T22:28:35-05:00"', "2023-11-09T03:28:35+00:00", "-1 day, 19:00:00"),
    ('<meta name="sailthru.date" content="2023-11-08 22:28:35">', "2023-11-09T03:28:35+00:00",
     "-1 day, 19:00:00"),
    ('"published":"2020-04-07T15:49:34+05:30"', "2020-04-07T10:19:34+00:00", "5:30:00"),
])
def test_dates_finds_the_offset_a_page_states_for_the_same_instant(page: str, instant: str, expected: str) -> None:
    offset = publisher_offset("<html>" + page + "</html>", datetime.fromisoformat(instant))
    assert offset is not None
    assert str(offset.utcoffset(None)) == expected


@pytest.mark.parametrize("page", [
    '"date":"2023-11-08T22:28:36-05:00"',     # a second off: another instant
    '"date":"2023-11-09T03:28:35+00:00"',     # the same UTC stamp says nothing new
    '"date":"2023-11-07T03:28:35"',           # a naive time a day away
    "no stamps at all",
])
def test_dates_finds_no_publisher_offset_without_a_matching_stamp(page: str) -> None:
    assert publisher_offset(page, datetime(2023, 11, 9, 3, 28, 35, tzinfo=UTC)) is None


@pytest.mark.parametrize(("text", "expected"), [("31.10.23", "2023-10-31"), (", 8.5.12", "2012-05-08")])
def test_dates_reads_day_month_and_two_digit_year(text: str, expected: str) -> None:
    found = parse_date(text, SHANGHAI, NOW)
    assert found is not None
    assert found.isoformat() == expected


@pytest.mark.parametrize("text", ["1.2.3", "192.168.1.12", "v10.11.12.4"])
def test_dates_leaves_version_numbers_and_addresses_alone(text: str) -> None:
    assert parse_date(text, SHANGHAI, NOW) is None


@pytest.mark.parametrize(("text", "zone", "expected"), [
    ("05/03/2019", "Europe/London", "2019-03-05"),          # day first in Europe ...
    ("05/10/2018", "America/Sao_Paulo", "2018-10-05"),      # ... and Latin America
    ("05/03/2019", "America/New_York", "2019-05-03"),       # month first in the US
    ("7/5/2005 9:23:57 PM", "Asia/Shanghai", "2005-07-05T21:23:57+08:00"),  # Chinese portals on US-locale servers
    ("12/31/2019", "Europe/Paris", "2019-12-31"),           # a day past 12 settles the order anywhere
])
def test_dates_reads_numeric_dates_in_the_order_of_the_sources_region(text: str, zone: str, expected: str) -> None:
    found = parse_date(text, ZoneInfo(zone), NOW)
    assert found is not None
    assert found.isoformat() == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("会议时间：2019-03-06 13:00-16:40", "2019-03-06T13:00:00+08:00"),  # a range, not an offset of -16:40
    ("2019-03-06 09:15-17:50 开放", "2019-03-06T09:15:00+08:00"),
    ("2019-03-06T13:00-05:00", "2019-03-06T13:00:00-05:00"),
    ("2019-03-06T13:00:00+05:30", "2019-03-06T13:00:00+05:30"),
    ("2019-03-06 13:00:00+0845", "2019-03-06T13:00:00+08:45"),
    ("2019-03-06T13:00:00+14:00", "2019-03-06T13:00:00+14:00"),
])
def test_dates_reads_only_real_utc_offsets_after_a_clock(text: str, expected: str) -> None:
    found = parse_date(text, SHANGHAI, NOW)
    assert found is not None
    assert found.moment.isoformat() == expected
