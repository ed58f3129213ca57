"""The YAML configuration, loaded into frozen, validated objects.

Every mistake is reported as file, line and key path, e.g.
`config/feedd.yaml:14: sources[0].sections[1].interval: bad duration '15 minutes'`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from feedd.config_yaml import Reader, compose, join_key, read_text
from feedd.select import ArticleRules, Selector


@dataclass(frozen=True)
class FetchSettings:
    """How feedd talks to web servers."""

    user_agent: str
    timeout: float  # total deadline per fetch, seconds
    max_bytes: int  # cap on the decoded body
    max_redirects: int
    host_gap: float  # minimum seconds between two requests to one host
    concurrency: int  # hosts polled at once
    respect_robots: bool
    use_env_proxy: bool
    max_links: int  # cap on links taken from one listing


ListingKind = Literal["html", "json", "feed", "sitemap"]


@dataclass(frozen=True)
class ListingSpec:
    """Where a section's article links come from when it is not the HTML of `url`.

    json: `items` is the dotted path to the array of items (empty for the root), `link`,
    `title` and `time` are keys (dotted paths) inside each item. feed: an RSS or Atom feed.
    sitemap: a sitemap or Google News sitemap.
    """

    kind: ListingKind
    url: str  # what is fetched; defaults to the section's url
    items: str = ""
    link: str = "url"
    title: str = "title"
    time: str | None = None


@dataclass(frozen=True)
class SectionConfig:
    """One section page of one source: what becomes one feed (in three formats)."""

    source_id: str
    source_name: str
    id: str
    title: str
    url: str
    timezone: ZoneInfo
    interval: timedelta
    keep_items: int
    links: Selector | None
    article: ArticleRules | None
    pages: int
    allow_hosts: tuple[str, ...]
    listing: ListingSpec | None = None  # None: the HTML of `url`
    language: str | None = None  # the feeds' language tag (zh-CN); None: guessed from the time zone

    @property
    def key(self) -> str:
        return f"{self.source_id}/{self.id}"

    @property
    def feed_title(self) -> str:
        return f"{self.source_name} · {self.title}"


@dataclass(frozen=True)
class SourceConfig:
    id: str
    name: str
    timezone: ZoneInfo
    sections: tuple[SectionConfig, ...]


@dataclass(frozen=True)
class Config:
    path: Path
    output_dir: Path
    state_path: Path
    base_url: str  # ends with "/"
    allow_private_networks: bool
    fetch: FetchSettings
    sources: tuple[SourceConfig, ...]

    def sections(self) -> Iterator[SectionConfig]:
        for source in self.sources:
            yield from source.sections

    def section(self, key: str) -> SectionConfig | None:
        return next((s for s in self.sections() if s.key == key), None)


# ---------------------------------------------------------------- loading

DEFAULT_USER_AGENT = "feedd/0.1 (+https://github.com/feedd/feedd; news-portal feeds)"

_TOP_KEYS = {
    "output_dir", "state_path", "base_url", "allow_private_networks", "user_agent", "timeout",
    "max_bytes", "max_redirects", "host_gap", "concurrency", "respect_robots", "use_env_proxy",
    "max_links", "defaults", "sources",
}
_DEFAULT_KEYS = {"interval", "keep_items", "timezone", "pages", "language"}
_SOURCE_KEYS = {"id", "name", "timezone", "interval", "keep_items", "pages", "allow_hosts", "article",
                "sections", "language"}
_SECTION_KEYS = {"id", "title", "url", "links", "article", "interval", "keep_items", "timezone", "pages",
                 "listing", "language"}
_LISTING_KEYS = {"type", "url", "items", "link", "title", "time"}
_LISTING_KINDS: dict[str, ListingKind] = {"html": "html", "json": "json", "feed": "feed", "sitemap": "sitemap"}
_ARTICLE_KEYS = {"title", "published", "source", "author", "content", "remove"}


def load_config(path: Path) -> Config:
    """Read and validate the YAML file at `path`; raise ConfigError naming file, line and key."""
    located = compose(read_text(path), path)
    return _build_config(Reader(path, located.lines), located.data, path)


def load_article_rules(path: Path) -> ArticleRules:
    """Site rules for `feedd extract --rules`: a section's `article:` block as a file of its own."""
    located = compose(read_text(path), path)
    return _article_rules(Reader(path, located.lines), located.data, "")


def _build_config(r: Reader, raw: Any, path: Path) -> Config:
    top = r.mapping(raw, "", _TOP_KEYS)
    for required in ("output_dir", "state_path", "sources"):
        if required not in top:
            raise r.fail(required, "missing required key")
    base = path.parent
    defaults = r.mapping(top.get("defaults", {}), "defaults", _DEFAULT_KEYS)
    settings = _fetch_settings(r, top)
    sources_raw = top["sources"]
    if not isinstance(sources_raw, list) or not sources_raw:
        raise r.fail("sources", "expected a non-empty list of sources")
    sources = tuple(_source(r, item, f"sources[{i}]", defaults) for i, item in enumerate(sources_raw))
    _reject_duplicate_ids(r, sources)
    base_url = r.url(top.get("base_url", "http://localhost:8080/"), "base_url")
    return Config(
        path=path,
        output_dir=(base / r.text(top["output_dir"], "output_dir")).resolve(),
        state_path=(base / r.text(top["state_path"], "state_path")).resolve(),
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        allow_private_networks=r.boolean(top.get("allow_private_networks", False), "allow_private_networks"),
        fetch=settings,
        sources=sources,
    )


def _fetch_settings(r: Reader, top: dict[str, Any]) -> FetchSettings:
    return FetchSettings(
        user_agent=r.text(top.get("user_agent", DEFAULT_USER_AGENT), "user_agent"),
        timeout=r.number(top.get("timeout", 30), "timeout", minimum=0.1),
        max_bytes=int(r.number(top.get("max_bytes", 10_000_000), "max_bytes", minimum=1024, integer=True)),
        max_redirects=int(r.number(top.get("max_redirects", 5), "max_redirects", minimum=0, integer=True)),
        host_gap=r.number(top.get("host_gap", 1.0), "host_gap", minimum=0),
        concurrency=int(r.number(top.get("concurrency", 4), "concurrency", minimum=1, integer=True)),
        respect_robots=r.boolean(top.get("respect_robots", True), "respect_robots"),
        use_env_proxy=r.boolean(top.get("use_env_proxy", False), "use_env_proxy"),
        max_links=int(r.number(top.get("max_links", 300), "max_links", minimum=1, integer=True)),
    )


def _source(r: Reader, raw: Any, key: str, defaults: dict[str, Any]) -> SourceConfig:
    data = r.mapping(raw, key, _SOURCE_KEYS)
    for required in ("id", "sections"):
        if required not in data:
            raise r.fail(join_key(key, required), "missing required key")
    source_id = r.slug(data["id"], join_key(key, "id"))
    name = r.text(data.get("name", source_id), join_key(key, "name"))
    inherited: dict[str, tuple[Any, str]] = {k: (v, join_key("defaults", k)) for k, v in defaults.items()}
    for setting in _DEFAULT_KEYS & data.keys():
        inherited[setting] = (data[setting], join_key(key, setting))
    zone_value, zone_key = inherited.get("timezone", ("UTC", join_key(key, "timezone")))
    zone = r.zone(zone_value, zone_key)
    article = _article_rules(r, data["article"], join_key(key, "article")) if "article" in data else None
    hosts_raw = data.get("allow_hosts", [])
    if not isinstance(hosts_raw, list):
        raise r.fail(join_key(key, "allow_hosts"), "expected a list of host or host:port entries")
    allow_hosts = tuple(r.text(h, f"{key}.allow_hosts[{i}]").lower() for i, h in enumerate(hosts_raw))
    sections_raw = data["sections"]
    if not isinstance(sections_raw, list) or not sections_raw:
        raise r.fail(join_key(key, "sections"), "expected a non-empty list of sections")
    context = _SourceContext(source_id, name, zone, inherited, article, allow_hosts)
    sections = tuple(
        _section(r, item, f"{key}.sections[{i}]", context) for i, item in enumerate(sections_raw)
    )
    return SourceConfig(id=source_id, name=name, timezone=zone, sections=sections)


@dataclass(frozen=True)
class _SourceContext:
    source_id: str
    name: str
    zone: ZoneInfo
    inherited: dict[str, tuple[Any, str]]  # value and the key path it was written at
    article: ArticleRules | None
    allow_hosts: tuple[str, ...]


def _section(r: Reader, raw: Any, key: str, ctx: _SourceContext) -> SectionConfig:
    data = r.mapping(raw, key, _SECTION_KEYS)
    for required in ("id", "url"):
        if required not in data:
            raise r.fail(join_key(key, required), "missing required key")
    section_id = r.slug(data["id"], join_key(key, "id"))
    merged = dict(ctx.inherited)
    for name in _DEFAULT_KEYS & data.keys():
        merged[name] = (data[name], join_key(key, name))

    def setting(name: str, fallback: Any) -> tuple[Any, str]:
        return merged.get(name, (fallback, join_key(key, name)))

    article_key = join_key(key, "article")
    return SectionConfig(
        source_id=ctx.source_id,
        source_name=ctx.name,
        id=section_id,
        title=r.text(data.get("title", section_id), join_key(key, "title")),
        url=r.url(data["url"], join_key(key, "url")),
        timezone=r.zone(*setting("timezone", "UTC")) if "timezone" in data else ctx.zone,
        interval=r.duration(*setting("interval", "15m")),
        keep_items=int(r.number(*setting("keep_items", 100), minimum=1, integer=True)),
        links=r.selector(data["links"], join_key(key, "links")) if "links" in data else None,
        article=_article_rules(r, data["article"], article_key) if "article" in data else ctx.article,
        pages=int(r.number(*setting("pages", 1), minimum=1, integer=True)),
        allow_hosts=ctx.allow_hosts,
        listing=_listing(r, data["listing"], join_key(key, "listing"), data["url"]) if "listing" in data else None,
        language=r.language(*merged["language"]) if "language" in merged else None,
    )


def _listing(r: Reader, raw: Any, key: str, section_url: str) -> ListingSpec:
    data = r.mapping(raw, key, _LISTING_KEYS)
    kind_name = r.text(data.get("type", "html"), join_key(key, "type"))
    kind = _LISTING_KINDS.get(kind_name)
    if kind is None:
        raise r.fail(join_key(key, "type"), f"unknown listing type {kind_name!r} (use html, json, feed or sitemap)")
    url = r.url(data["url"], join_key(key, "url")) if "url" in data else section_url
    if kind != "json":
        extra = sorted({"items", "link", "title", "time"} & data.keys())
        if extra:
            raise r.fail(join_key(key, extra[0]), f"only a json listing takes {extra[0]!r}")
        return ListingSpec(kind=kind, url=url)
    items = str(data.get("items", "")).strip()
    return ListingSpec(
        kind=kind, url=url, items=items,
        link=r.text(data.get("link", "url"), join_key(key, "link")),
        title=r.text(data.get("title", "title"), join_key(key, "title")),
        time=r.text(data["time"], join_key(key, "time")) if "time" in data else None)


def _article_rules(r: Reader, raw: Any, key: str) -> ArticleRules:
    data = r.mapping(raw, key, _ARTICLE_KEYS)
    fields = {
        name: r.selector(data[name], join_key(key, name))
        for name in ("title", "published", "source", "author", "content") if name in data
    }
    remove_raw = data.get("remove", [])
    if not isinstance(remove_raw, list):
        raise r.fail(join_key(key, "remove"), "expected a list of selectors")
    remove = tuple(r.selector(item, f"{key}.remove[{i}]") for i, item in enumerate(remove_raw))
    return ArticleRules(remove=remove, **fields)


def _reject_duplicate_ids(r: Reader, sources: tuple[SourceConfig, ...]) -> None:
    seen_sources: set[str] = set()
    for i, source in enumerate(sources):
        if source.id in seen_sources:
            raise r.fail(f"sources[{i}].id", f"duplicate source id {source.id!r}")
        seen_sources.add(source.id)
        seen_sections: set[str] = set()
        for j, section in enumerate(source.sections):
            if section.id in seen_sections:
                raise r.fail(f"sources[{i}].sections[{j}].id", f"duplicate section id {section.id!r}")
            seen_sections.add(section.id)
