"""The date a page shows its readers: the dateline below the headline or above the body.

Visible dates compete with decoys everywhere on a page: a "today" widget, update stamps, related
articles, photo captions, comment times. The windows searched here are the ones where a
publication date sits; labelled dates ("发布时间：", "Erschienen am:") count anywhere.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Final

from lxml import etree

from feedd.dates import parse_date, parse_dated
from feedd.extract_page import Segment
from feedd.models import Timestamp

# The label patterns are matched against lower-cased text: a case-sensitive alternation is several
# times faster than an IGNORECASE one, and these run on every short line of a page.
# Widgets and footers whose dates are never the publication time, wherever the date sits.
_DECOY: Final = re.compile(
    r"©|copyright|版权|all rights|今天是|今日|农历|天气|推荐文章|相关文章|相关阅读|上一篇|下一篇")
# A day ending with its weekday is the header's "today" widget, unless labelled ("发布时间：… 星期一").
_TODAY_WIDGET: Final = re.compile(r"星期.\s*$")
# A counter's label disqualifies a line only when it comes before the line's first number
# ("发布时间: 2018-05-17 | 浏览次数: 12" is a dateline).
_COUNTER_LABEL: Final = re.compile(r"评论|回复|留言|访问量|浏览|阅读数|点击")
# An update label names the line's date ("November 28, 2013 -- Updated 0203 GMT"), unless a
# publication label comes first ("发布时间：2020-01-02 最后更新：2020-01-05").
_UPDATE_LABEL: Final = re.compile(r"最后更新|最近更新|更新时间|更新于|修改时间|编辑于|updated|modified|"
                                  r"last edit|aktualisiert|letzte änderung|geändert|mis à jour|actualizado|atualizado|"
                                  r"aggiornato|zaktualizowano|bijgewerkt|обновлено|обновление|güncelleme|güncellendi|"
                                  r"수정")
_FIRST_NUMBER: Final = re.compile(r"\d")
_CLOCK: Final = re.compile(r"\d{1,2}:\d{2}\b")
# One piece of a date split over several elements: "2019", "09", "/", "07", "19", ":", "02".
_DATE_PIECE: Final = re.compile(r"[\d/:.\-年月日\s]{1,5}")
_DATE_PIECES_MIN: Final = 3
# The lookahead names every label's first character: the regex engine then skips the other
# positions of a long text at once instead of trying each label there (twice as fast).
_PUBLISH_LABEL: Final = re.compile(r"(?=[defgopvyо公发投掲日时発配등입])"
                                   r"(发布时间|发表时间|发布日期|发文日期|时间|日期|发布于|发表于|posted|published|"
                                   r"\bdatum\b|fecha|veröffentlicht|publiziert|erstellt am|erschienen|publié|publicado|"
                                   r"pubblicato|opublikowano|gepubliceerd|geplaatst|publicerad|publiceret|publisert|"
                                   r"опубликовано|yayınlanma|yayın tarihi|입력|등록|"
                                   r"公開日|掲載日|投稿日|配信日|配信開始日|発行日|発売日)")
_ABOVE_BODY: Final = 25
_ABOVE_TITLE: Final = 4
_CLOCK_REACH: Final = 4
_LONE_REACH: Final = 200
_NOT_DATE: Final = re.compile(r"[\d\s:/.\-年月日时分秒]+")
_LINKED_DATE_REACH: Final = 6
_LABEL_LINE: Final = 200
_HEADER_SEGMENTS: Final = 40
_HEADER_CHARS: Final = 1500
_LABEL_ALONE: Final = 20
_INTO_BODY: Final = 3
_ISSUE: Final = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*(?P<month>\d{1,2})\s*月\s*[号期]")
_ISSUE_REACH: Final = 10
_ENDS_WITH_DATE: Final = re.compile(r"(?:(?:19|20)\d{2}|\d{1,2}:\d{2}(?::\d{2})?|日)\W{0,3}$")


def dateline(segments: Sequence[Segment], title_index: int | None, content_start: int | None,
             zone: tzinfo, now: datetime) -> Timestamp | None:
    """The date shown below the headline or just above the body; labelled dates anywhere else.

    Dates that print their year are tried first: a year-less or relative one ('4月20日', '昨天')
    is accepted only in the byline right below the headline."""
    header = _header_window(segments, title_index) if title_index is not None else []
    if content_start is not None and title_index is not None and content_start > title_index:
        # Inside the story only a line ending with its date ('Wiesbaden, 11. November 2021') is a
        # dateline; a date in a sentence ('Le 6 août 2019, le député…') is not.
        reach = content_start + _INTO_BODY - title_index - 1
        header = header[:reach] + [segment for segment in header[reach:] if _ENDS_WITH_DATE.search(segment.text)]
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
        text = publication_part(segment.text)
        if (is_decoy(text) or len(segment.text) > 160 or _in_caption(segment)
                or _after_update_label(segment.element)):
            continue
        # Linked dates are usually other articles', except a date-archive link in the byline itself.
        if (segment.element.tag == "a" and position >= _LINKED_DATE_REACH
                and not _PUBLISH_LABEL.search(segment.text.lower())):
            continue
        found = (reader(text, zone, now) or _pieced_date(window, position, zone, now, reader)
                 or _with_next_clock(window, position, zone, now, reader))
        if found is None:
            continue
        if found.precision == "day":
            found = _machine_stamp(segment.element, found, zone, now) or found
        # A date split over two segments ("2024-05-20" then "16:25"): read them together.
        if found.precision == "day" and position + 1 < len(window):
            joined = reader(text + " " + window[position + 1].text, zone, now)
            if joined is not None and joined.day == found.day and joined.precision != "day":
                return joined
            return _same_day_with_clock(window, position, found, zone, now, reader) or found
        return found
    return None


def _in_caption(segment: Segment) -> bool:
    """Photo captions date the photo ('…at the Statehouse, Thursday, April 27, 2023'): a <figcaption>,
    or a line beside an image that repeats the image's alt or title text."""
    element = segment.element
    parent = element.getparent()
    if element.tag == "figcaption" or (parent is not None and parent.tag == "figcaption"):
        return True
    previous = element.getprevious()
    if previous is None or not isinstance(previous.tag, str):
        return False
    images = [previous] if previous.tag == "img" else previous.iterfind(".//img")
    return any(segment.text in (" ".join(image.get("alt", "").split()), " ".join(image.get("title", "").split()))
               for image in images)


def _machine_stamp(element: etree._Element, shown: Timestamp, zone: tzinfo, now: datetime) -> Timestamp | None:
    """The full time an element showing only a day carries in its attributes (`datetime=`,
    `content=`, `title=`, `data-published=`), on itself or its parent; None when absent.

    A stamp within a day of the shown day is the same moment: a UTC stamp may fall on the next or
    previous day of the local date shown."""
    for node in (element, element.getparent()):
        if node is None:
            continue
        for value in map(str, node.attrib.values()):
            if not 10 <= len(value) <= 60 or not _CLOCK.search(value):
                continue
            stamp = parse_dated(value, zone, now)
            # "T00:00:00" is a day stored as a datetime, not a time.
            if (stamp is not None and stamp.precision != "day" and abs((stamp.day - shown.day).days) <= 1
                    and "00:00:00" not in value):
                return stamp
    return None


def is_decoy(text: str) -> bool:
    text = text.lower()
    if _DECOY.search(text) or (_TODAY_WIDGET.search(text) and not _PUBLISH_LABEL.search(text)):
        return True
    update = _UPDATE_LABEL.search(text)
    if update is not None and not _update_trails(text, update.end()):
        published = _PUBLISH_LABEL.search(text)
        if published is None or published.start() > update.start():
            return True
    counter = _COUNTER_LABEL.search(text)
    if counter is None:
        return False
    number = _FIRST_NUMBER.search(text)
    return number is None or counter.start() < number.start()


def publication_part(text: str) -> str:
    """A line's text from its publication label on, when an update label and its date come first
    ('Updated: 6 March 2019 | Published: 5 March 2019'); else the whole line."""
    lowered = text.lower()
    update = _UPDATE_LABEL.search(lowered)
    if update is None or len(lowered) != len(text):  # lower() may lengthen a few letters: offsets would slip
        return text
    update_date = _FIRST_NUMBER.search(lowered, update.end())
    published = _PUBLISH_LABEL.search(lowered, update_date.end()) if update_date is not None else None
    return text[published.start():] if published is not None else text


def _after_update_label(element: etree._Element) -> bool:
    """A date right after a bare update label of its own ('<span>Updated <time>7:12 am PDT, May 6</time>',
    '<dt>Updated</dt><dd>May 6, 2020</dd>')."""
    previous = element.getprevious()
    parent = element.getparent()
    before: str | None
    if previous is not None:
        before = previous.tail or ("".join(map(str, previous.itertext())) if isinstance(previous.tag, str) else "")
    else:
        before = parent.text if parent is not None else None
    text = (before or "").strip()
    return 0 < len(text) <= _LABEL_ALONE and _FIRST_NUMBER.search(text) is None and bool(
        _UPDATE_LABEL.search(text.lower()))


def _update_trails(text: str, label_end: int) -> bool:
    """'on December 27, 2014 at 12:06 PM, updated': a bare label after a dated line names a
    later change printed elsewhere; the line's own date is the publication."""
    first = _FIRST_NUMBER.search(text)
    return first is not None and first.start() < label_end and _FIRST_NUMBER.search(text, label_end) is None


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
    """The same day printed with its time a few lines on (a caption's date, then the byline's), or
    that time alone ('October 11, 2022', 'October 11, 2022', '15:11')."""
    for step, segment in enumerate(window[position + 2: position + 2 + _CLOCK_REACH]):
        if len(segment.text) > 80 or not _CLOCK.search(segment.text) or is_decoy(segment.text):
            continue
        text = segment.text
        if _CLOCK.fullmatch(text):
            # A lone clock further on, or a zero one, is a video's running time.
            if step or text.lstrip("0:") == "":
                continue
            text = f"{window[position].text} {text}"
        later = reader(text, zone, now)
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


def lone_timestamp(segments: Sequence[Segment], zone: tzinfo, now: datetime) -> Timestamp | None:
    """Last resort on pages with no headline or label (old forums, archives): the first line that is
    nothing but a full date and time, outside links. Widgets print a weekday or no time at all."""
    for segment in segments[:_LONE_REACH]:
        text = segment.text
        if len(text) > 24 or segment.element.tag == "a" or not _CLOCK.search(text) or is_decoy(text):
            continue
        if len(_NOT_DATE.sub("", text)) > 2:
            continue
        found = parse_dated(text, zone, now)
        if found is not None and found.precision != "day":
            return found
    return None


def _labelled_date(segments: Sequence[Segment], zone: tzinfo, now: datetime) -> Timestamp | None:
    for position in _labelled_lines(segments):
        segment = segments[position]
        text = publication_part(segment.text)
        label = _PUBLISH_LABEL.search(text.lower())
        if label is None or is_decoy(text):
            continue
        found = parse_date(text[label.start():], zone, now) or _after_label(segments, position, zone, now)
        if found is not None:
            return found
    return None


def _labelled_lines(segments: Sequence[Segment]) -> list[int]:
    """Positions of the lines of up to 200 characters that hold a publication label, in page order.
    The lines are searched as one text: one regex pass instead of one per line (a page has hundreds)."""
    positions = [position for position, segment in enumerate(segments) if len(segment.text) <= _LABEL_LINE]
    lines = [segments[position].text.lower() for position in positions]
    starts: list[int] = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    # A newline ends a word as the end of a line does, and no label spans one.
    text = "\n".join(lines)
    found: list[int] = []
    for match in _PUBLISH_LABEL.finditer(text):
        position = positions[bisect_right(starts, match.start()) - 1]
        if not found or found[-1] != position:
            found.append(position)
    return found


def _after_label(segments: Sequence[Segment], position: int, zone: tzinfo, now: datetime) -> Timestamp | None:
    """A label alone in its element, its date in the next one: <dt>配信開始日</dt><dd>2019/3/5</dd>."""
    if len(segments[position].text) > _LABEL_ALONE or position + 1 >= len(segments):
        return None
    following = segments[position + 1].text
    return parse_dated(following, zone, now) if len(following) <= _LABEL_ALONE * 2 else None


def labelled_clock(segments: Sequence[Segment], day: Timestamp, zone: tzinfo, now: datetime) -> Timestamp | None:
    """A publish-labelled line anywhere on the page giving `day` with its time; None when absent."""
    wanted = (str(day.day.year), str(day.day.day))
    for segment in segments:
        text = segment.text
        if len(text) > 200 or not all(part in text for part in wanted) or not _CLOCK.search(text):
            continue
        label = _PUBLISH_LABEL.search(text.lower())
        if label is None or is_decoy(text):
            continue
        found = parse_dated(text[label.start():], zone, now)
        if found is not None and found.precision != "day" and found.day == day.day:
            return found
    return None


def update_line(segments: Sequence[Segment], zone: tzinfo, now: datetime) -> Timestamp | None:
    """The date of a line labelled as the last change ('last edited 2019-11-10', 'Updated June 13, 2019')."""
    for segment in segments:
        text = segment.text
        if len(text) > 200:
            continue
        label = _UPDATE_LABEL.search(text.lower())
        found = parse_dated(text[label.start():], zone, now) if label is not None else None
        if found is not None:
            return found
    return None




def issue_month(segments: Sequence[Segment], zone: tzinfo, now: datetime) -> Timestamp | None:
    """A magazine reprint's closing citation ('——《北京之春》1998年3月号'): the issue's month, as its
    first day. Only the last lines are read; a month named in the story is not its date."""
    for segment in reversed(segments[-_ISSUE_REACH:]):
        match = _ISSUE.search(segment.text)
        if match is None:
            continue
        year, month = int(match.group("year")), int(match.group("month"))
        if 1 <= month <= 12 and datetime(year, month, 1, tzinfo=zone) <= now:
            return Timestamp(datetime(year, month, 1, tzinfo=zone), "day")
    return None
