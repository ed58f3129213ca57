"""One poll of one section: listing -> new links -> articles -> store -> feeds.

Failures are isolated: a broken article is recorded and retried at the next poll, a
broken listing fails this section only. The feeds are always rendered from the store,
so a crash between storing and publishing heals on the next poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from feedd.config import Config, SectionConfig
from feedd.decode import decode_html, decode_page
from feedd.discover import discover_links
from feedd.errors import (
    BlockedDestinationError,
    DecodeError,
    DiscoverError,
    ExtractError,
    FetchError,
    PublishError,
    RenderError,
    RobotsDisallowedError,
    StoreError,
)
from feedd.extract import extract_article
from feedd.fetch import Fetcher
from feedd.fetch_guard import Access
from feedd.listings import links_from_feed, links_from_json, next_page_url
from feedd.models import Article, FeedMeta, Link, NotModified, Page, SectionReport, SectionStatus
from feedd.publish import remove_stale_temp_files, render_index, render_opml, write_if_changed
from feedd.render import render_feeds
from feedd.store import Store, item_id_for

log = logging.getLogger(__name__)

FEED_EXTENSIONS = ("xml", "atom", "json")
MAX_ARTICLE_BACKOFF = timedelta(days=1)


@dataclass(frozen=True)
class PipelineDeps:
    """What a poll needs from the outside world, wired by the CLI."""

    config: Config
    fetcher: Fetcher
    store: Store
    clock: Callable[[], datetime]
    should_stop: Callable[[], bool] = lambda: False
    on_article: Callable[[str], None] = lambda _url: None
    publish_lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class _Listing:
    links: tuple[Link, ...]
    not_modified: bool
    etag: str | None
    last_modified: str | None


def poll_section(section: SectionConfig, deps: PipelineDeps) -> SectionReport:
    """Poll one section; never raises for a page or source failure. The overview files
    (feeds.opml, index.html) are the caller's to publish, once per batch of polls."""
    started = deps.clock()
    access = Access(deps.config.allow_private_networks, frozenset(section.allow_hosts))
    try:
        listing = _read_listing(section, deps, access)
    except (FetchError, DecodeError, DiscoverError, StoreError) as exc:
        text = str(exc)
        error = f"listing: {text}" if listing_url(section) in text else f"listing {listing_url(section)}: {text}"
        log.warning("%s: %s", section.key, error)
        _record_poll(deps, section.key, started, error)
        return SectionReport(key=section.key, listing_ok=False, error=error)
    try:
        outcome = _store_listing(section, deps, access, listing)
    except StoreError as exc:
        # A full disk or a locked database: the feeds on disk stay as they are.
        error = f"store: {exc}"
        log.error("%s: %s", section.key, error)
        _record_poll(deps, section.key, started, error)
        return SectionReport(key=section.key, listing_ok=False, links_found=len(listing.links), error=error)
    written, publish_error = _publish_section(section, deps)
    _record_poll(deps, section.key, started, publish_error)
    return SectionReport(
        key=section.key, listing_ok=publish_error is None, not_modified=listing.not_modified,
        links_found=len(listing.links), new_items=outcome.added, failed_articles=outcome.failed,
        feeds_written=written, error=publish_error)


def _store_listing(section: SectionConfig, deps: PipelineDeps, access: Access, listing: _Listing) -> _ArticleOutcome:
    if listing.not_modified:
        return _ArticleOutcome(0, (), False)
    outcome = _read_new_articles(section, deps, access, listing)
    if not outcome.retry_listing:
        # Validators are kept only when no article failed for a passing reason, so such an
        # article is retried on the next poll instead of hiding behind a 304.
        deps.store.record_page_success(listing_url(section), listing.etag, listing.last_modified)
    return outcome


@dataclass(frozen=True)
class _ArticleOutcome:
    added: int
    failed: tuple[str, ...]
    retry_listing: bool  # an article failed for a reason that may pass by the next poll


def listing_url(section: SectionConfig) -> str:
    return section.listing.url if section.listing else section.url


def _read_listing(section: SectionConfig, deps: PipelineDeps, access: Access) -> _Listing:
    url = listing_url(section)
    state = deps.store.page_state(url)
    page = deps.fetcher.fetch(url, access, etag=state.etag if state else None,
                              last_modified=state.last_modified if state else None)
    if isinstance(page, NotModified):
        return _Listing((), True, None, None)
    links = _links_of(section, deps, page)
    if section.pages > 1 and (section.listing is None or section.listing.kind == "html") \
            and deps.store.count_items(section.key) == 0:
        links = _follow_pages(section, deps, access, page, links)
    return _Listing(tuple(links[:deps.config.fetch.max_links]), False, page.etag, page.last_modified)


def _links_of(section: SectionConfig, deps: PipelineDeps, page: Page) -> list[Link]:
    spec = section.listing
    now = deps.clock()
    limit = deps.config.fetch.max_links
    if spec is not None and spec.kind in ("feed", "sitemap"):
        # Raw bytes: the XML declaration names the encoding.
        return links_from_feed(page.body, page.url, zone=section.timezone, now=now, max_links=limit)
    text = decode_html(page.body, page.content_type)
    if spec is not None and spec.kind == "json":
        return links_from_json(text, page.url, spec, zone=section.timezone, now=now, max_links=limit)
    return discover_links(text, page.url, selector=section.links, zone=section.timezone, now=now,
                          max_links=limit)


def _follow_pages(section: SectionConfig, deps: PipelineDeps, access: Access, first: Page,
                  links: list[Link]) -> list[Link]:
    """On a section's first poll, older pages of the listing fill the feed; later polls read page one only."""
    seen_pages = {first.url}
    seen_links = {link.url for link in links}
    page = first
    for _ in range(section.pages - 1):
        next_url = next_page_url(decode_html(page.body, page.content_type), page.url)
        if next_url is None or next_url in seen_pages or deps.should_stop():
            break
        seen_pages.add(next_url)
        try:
            fetched = deps.fetcher.fetch(next_url, access)
            if isinstance(fetched, NotModified):
                break
            more = [link for link in _links_of(section, deps, fetched) if link.url not in seen_links]
        except (FetchError, DecodeError, DiscoverError) as exc:
            log.warning("%s: listing page %s skipped: %s", section.key, next_url, exc)
            break
        if not more:
            break
        links.extend(more)
        seen_links.update(link.url for link in more)
        page = fetched
    return links


def _read_new_articles(section: SectionConfig, deps: PipelineDeps, access: Access,
                       listing: _Listing) -> _ArticleOutcome:
    by_id = {item_id_for(link.url): link for link in listing.links}
    known = deps.store.known_item_ids(section.key, by_id)
    added = 0
    failed: list[str] = []
    retry_listing = False
    for item_id, link in by_id.items():
        if item_id in known or not _due_for_retry(deps, link.url):
            continue
        if deps.should_stop():
            log.info("%s: stopping before %s", section.key, link.url)
            break
        try:
            article = _read_article(section, deps, access, link)
        except RobotsDisallowedError as exc:
            # Not a failure of the page: the site asks us not to read it, so it is left out.
            _record_article_failure(deps, link.url, exc)
            continue
        except (FetchError, DecodeError, ExtractError) as exc:
            _record_article_failure(deps, link.url, exc)
            text = str(exc)
            failed.append(text if text.startswith(link.url) else f"{link.url}: {text}")
            retry_listing = retry_listing or _is_passing(exc)
            continue
        finally:
            deps.on_article(link.url)
        deps.store.add_item(section.key, article, deps.clock())
        deps.store.record_page_success(link.url, None, None)
        added += 1
    return _ArticleOutcome(added, tuple(failed), retry_listing)


def _is_passing(exc: Exception) -> bool:
    """Transport failures, 5xx and 429 may pass by themselves; robots, 404, 410 and
    unreadable pages will not, and are retried on their own back-off instead."""
    if not isinstance(exc, FetchError) or isinstance(exc, RobotsDisallowedError | BlockedDestinationError):
        return False
    return exc.status is None or exc.status == 429 or exc.status >= 500


def _read_article(section: SectionConfig, deps: PipelineDeps, access: Access, link: Link) -> Article:
    page = deps.fetcher.fetch(link.url, access)
    if isinstance(page, NotModified):
        raise FetchError(link.url, "304 Not Modified to an unconditional request")
    decoded = decode_page(page.body, page.content_type)
    article = extract_article(decoded.text, page.url, zone=section.timezone, now=deps.clock(),
                              rules=section.article, utf8=decoded.utf8)
    return _fill_from_link(article, link)


def _fill_from_link(article: Article, link: Link) -> Article:
    """The listing's own title and date stand in where the article page gave none; the listing
    URL is the identity even when the page redirected."""
    published = article.published or link.published
    if article.published is None:
        log.info("%s: no publish time on the page%s", link.url,
                 "; using the listing's date" if published else "; the feed shows the first-seen time")
    return replace(article, url=link.url, title=article.title or link.title, published=published)


def _due_for_retry(deps: PipelineDeps, url: str) -> bool:
    state = deps.store.page_state(url)
    if state is None:
        return True
    if state.gone:
        return False
    return state.next_try is None or state.next_try <= deps.clock()


def _record_article_failure(deps: PipelineDeps, url: str, exc: Exception) -> None:
    if isinstance(exc, RobotsDisallowedError):
        log.info("article %s skipped: disallowed by robots.txt", url)
    else:
        log.warning("article %s failed: %s", url, exc)
    status = exc.status if isinstance(exc, FetchError) else None
    state = deps.store.page_state(url)
    failures = state.failures + 1 if state else 1
    next_try = None
    permanent = (ExtractError, DecodeError, RobotsDisallowedError, BlockedDestinationError)
    if status == 404 or isinstance(exc, permanent):
        next_try = deps.clock() + min(MAX_ARTICLE_BACKOFF, timedelta(minutes=2 ** failures))
    elif isinstance(exc, FetchError) and exc.retry_after:
        next_try = deps.clock() + timedelta(seconds=exc.retry_after)
    deps.store.record_page_failure(url, str(exc), next_try, gone=status == 410)


def feed_meta(section: SectionConfig, base_url: str) -> FeedMeta:
    return FeedMeta(
        key=section.key, title=section.feed_title,
        description=f"{section.source_name} {section.title}: {section.url}",
        site_url=section.url, feed_base_url=base_url, language=_language_of(section))


def _language_of(section: SectionConfig) -> str | None:
    if section.language is not None:
        return section.language
    # Unconfigured, a mainland-China zone is the one zone that says the language with confidence.
    return "zh-CN" if str(section.timezone) in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else None


def _publish_section(section: SectionConfig, deps: PipelineDeps) -> tuple[tuple[str, ...], str | None]:
    try:
        items = deps.store.recent_items(section.key, section.keep_items)
        feeds = render_feeds(feed_meta(section, deps.config.base_url), items)
        written = []
        for extension, data in zip(FEED_EXTENSIONS, (feeds.rss, feeds.atom, feeds.json), strict=True):
            relative = f"{section.key}.{extension}"
            if write_if_changed(deps.config.output_dir, relative, data):
                written.append(relative)
        return tuple(written), None
    except (RenderError, PublishError, StoreError) as exc:
        log.error("%s: feeds not published: %s", section.key, exc)
        return (), f"publishing failed: {exc}"


def _record_poll(deps: PipelineDeps, key: str, at: datetime, error: str | None) -> None:
    try:
        deps.store.record_poll(key, at, error)
    except StoreError as exc:
        log.error("%s: cannot record the poll: %s", key, exc)


def section_statuses(config: Config, store: Store) -> list[SectionStatus]:
    statuses = []
    for section in config.sections():
        state = store.section_state(section.key)
        statuses.append(SectionStatus(
            key=section.key, title=section.feed_title, site_url=section.url,
            feed_paths=tuple(f"{section.key}.{ext}" for ext in FEED_EXTENSIONS),
            last_success=state.last_success, last_error=state.last_error,
            item_count=store.count_items(section.key)))
    return statuses


def prepare_output(config: Config) -> None:
    """Create the output folder on first use; its absence is not a user error."""
    try:
        config.output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.error("cannot create the output folder %s: %s", config.output_dir, exc)
        return
    remove_stale_temp_files(config.output_dir)


def publish_overview(deps: PipelineDeps) -> None:
    """feeds.opml and index.html, both derived from the config and the store."""
    config = deps.config
    with deps.publish_lock:
        try:
            opml = render_opml("feedd", [
                (section.feed_title, f"{config.base_url}{section.key}.xml", section.url)
                for section in config.sections()])
            write_if_changed(config.output_dir, "feeds.opml", opml)
            index = render_index(section_statuses(config, deps.store), config.base_url)
            write_if_changed(config.output_dir, "index.html", index)
        except (PublishError, StoreError, RenderError) as exc:
            log.error("overview not published: %s", exc)


def output_files(config: Config) -> list[Path]:
    return [config.output_dir / f"{s.key}.{ext}" for s in config.sections() for ext in FEED_EXTENSIONS]
