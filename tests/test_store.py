"""The SQLite store: identity by canonical URL, ordering, fetch state and due times survive reopening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from feedd.models import Article, Timestamp
from feedd.store import Store, canonical_url, item_id_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEEN = datetime(2026, 4, 21, 1, 0, tzinfo=UTC)


def article(url: str, published: Timestamp | None, title: str = "标题") -> Article:
    return Article(url=url, title=title, published=published, source="新华社", author="记者甲", editor="编辑乙",
                   summary="摘要", content_html="<p>正文</p>", content_text="正文", images=("http://x/a.jpg",))


def test_canonical_url_drops_fragment_tracking_and_default_port() -> None:
    assert canonical_url("HTTP://WWW.News.cn:80/a/b.htm?utm_source=x&id=3#top") == "http://www.news.cn/a/b.htm?id=3"
    assert item_id_for("http://www.news.cn/a.htm#x") == item_id_for("http://www.news.cn:80/a.htm")
    assert item_id_for("http://www.news.cn/a.htm").startswith("urn:uuid:")
    assert item_id_for("http://www.news.cn/a.htm") != item_id_for("http://www.news.cn/b.htm")


def test_store_keeps_items_once_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state" / "feedd.sqlite3"
    store = Store.open(path)
    stamp = Timestamp(datetime(2026, 4, 20, 16, 44, 57, tzinfo=SHANGHAI), "second")
    first = store.add_item("s/a", article("http://x/1.htm", stamp), SEEN)
    store.add_item("s/a", article("http://x/1.htm#dup", stamp, title="changed"), SEEN + timedelta(hours=1))
    store.close()
    store = Store.open(path)
    items = store.recent_items("s/a", 10)
    assert len(items) == 1
    assert items[0] == first
    assert items[0].published is not None
    assert items[0].published.moment.utcoffset() == timedelta(hours=8)
    assert items[0].title == "标题"
    assert store.integrity_ok()


def test_store_orders_newest_first_with_first_seen_for_undated(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    day = Timestamp(datetime(2026, 4, 19, tzinfo=SHANGHAI), "day")
    late = Timestamp(datetime(2026, 4, 20, 23, 0, tzinfo=SHANGHAI), "minute")
    store.add_item("k", article("http://x/day.htm", day), SEEN)
    store.add_item("k", article("http://x/late.htm", late), SEEN)
    store.add_item("k", article("http://x/undated.htm", None), SEEN)  # 09:00 Shanghai on the 21st
    assert [i.url.rsplit("/", 1)[1] for i in store.recent_items("k", 10)] == ["undated.htm", "late.htm", "day.htm"]
    assert [i.url for i in store.recent_items("k", 1)] == ["http://x/undated.htm"]
    assert store.recent_items("k", 10)[2].published == day
    assert store.known_item_ids("k", [item_id_for("http://x/day.htm"), item_id_for("http://x/no")]) == {
        item_id_for("http://x/day.htm")}


def test_store_records_fetch_state_and_due_times(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = Store.open(path)
    store.record_page_success("http://x/list/", '"e1"', "Mon, 20 Apr 2026 08:00:00 GMT")
    retry = SEEN + timedelta(minutes=5)
    store.record_page_failure("http://x/1.htm", "HTTP 503", retry)
    store.record_page_failure("http://x/1.htm", "HTTP 503", retry)
    store.record_page_failure("http://x/gone.htm", "HTTP 410", None, gone=True)
    store.set_next_due("s/a", retry)
    store.record_poll("s/a", SEEN, "listing failed")
    store.close()
    store = Store.open(path)
    listing = store.page_state("http://x/list/")
    assert listing is not None and listing.etag == '"e1"'
    failing = store.page_state("http://x/1.htm")
    assert failing is not None and failing.failures == 2 and failing.next_try == retry
    gone = store.page_state("http://x/gone.htm")
    assert gone is not None and gone.gone
    assert store.next_due("s/a") == retry
    state = store.section_state("s/a")
    assert state.last_error == "listing failed" and state.failures == 1 and state.last_success is None
    store.record_poll("s/a", SEEN, None)
    assert store.section_state("s/a").last_success == SEEN
