"""The YAML configuration, loaded into frozen, validated objects.

Every mistake is reported as file, line and key path, e.g.
`config/feedd.yaml:14: sources[0].sections[1].interval: bad duration '15 minutes'`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from feedd.errors import ConfigError, SelectorError
from feedd.select import ArticleRules, Selector, compile_selector


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
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_INTERVAL = timedelta(seconds=1)

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


@dataclass(frozen=True)
class _Located:
    """The YAML tree as plain data plus the line of every key path."""

    data: Any
    lines: dict[str, int]


class _Reader:
    """Validation helpers that know the file name and the line of each key path."""

    def __init__(self, path: Path, lines: dict[str, int]) -> None:
        self.path = path
        self.lines = lines

    def fail(self, key: str, message: str) -> ConfigError:
        line = self.lines.get(key)
        if line is None and "." in key:
            line = self.lines.get(key.rsplit(".", 1)[0])
        return ConfigError(message, path=str(self.path), line=line, key=key)

    def mapping(self, value: Any, key: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "expected a mapping")
        for name in value:
            if name not in allowed:
                hint = ", ".join(sorted(allowed))
                raise self.fail(_join(key, str(name)), f"unknown key (known keys: {hint})")
        return value

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
            raise self.fail(key, "expected a non-empty string")
        return str(value).strip()

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, "expected true or false")
        return value

    def number(self, value: Any, key: str, *, minimum: float, integer: bool = False) -> float:
        wrong_type = isinstance(value, bool) or not isinstance(value, int | float)
        if wrong_type or (integer and not isinstance(value, int)):
            raise self.fail(key, f"expected a {'whole ' if integer else ''}number")
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum:g}")
        return float(value)

    def slug(self, value: Any, key: str) -> str:
        text = self.text(value, key)
        if not _SLUG.match(text):
            raise self.fail(key, f"bad id {text!r}: use 1-64 of a-z, 0-9 and '-' (it becomes a folder name)")
        return text

    def url(self, value: Any, key: str) -> str:
        text = self.text(value, key)
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.fail(key, f"bad URL {text!r}: expected an absolute http(s) URL")
        return text

    def duration(self, value: Any, key: str) -> timedelta:
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = float(value)
        else:
            parsed = _parse_duration(self.text(value, key))
            if parsed is None:
                raise self.fail(key, f"bad duration {value!r}: use e.g. 90s, 15m, 1h30m, 1d")
            seconds = parsed
        if timedelta(seconds=seconds) < MIN_INTERVAL:
            raise self.fail(key, "duration must be at least 1s")
        return timedelta(seconds=seconds)

    def zone(self, value: Any, key: str) -> ZoneInfo:
        name = self.text(value, key)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise self.fail(key, f"unknown time zone {name!r} (use an IANA name like Asia/Shanghai)") from exc

    def language(self, value: Any, key: str) -> str:
        tag = self.text(value, key)
        if not _LANGUAGE_TAG.match(tag):
            raise self.fail(key, f"bad language tag {tag!r} (use a BCP 47 tag like zh-CN or en)")
        return tag

    def selector(self, value: Any, key: str) -> Selector:
        try:
            return compile_selector(self.text(value, key))
        except SelectorError as exc:
            raise self.fail(key, str(exc)) from exc


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _parse_duration(text: str) -> float | None:
    compact = text.replace(" ", "").lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", compact):
        return float(compact)
    parts = _DURATION_PART.findall(compact)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != compact:
        return None
    return sum(float(n) * _DURATION_UNITS[u] for n, u in parts)


def _compose(text: str, path: Path) -> _Located:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", exc)
        raise ConfigError(f"not valid YAML: {problem}", path=str(path), line=line) from exc
    if root is None:
        raise ConfigError("the file is empty", path=str(path))
    lines: dict[str, int] = {}
    return _Located(_node_to_data(root, "", lines, path), lines)


def _node_to_data(node: yaml.Node, key: str, lines: dict[str, int], path: Path) -> Any:
    lines.setdefault(key, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            name = str(key_node.value)
            child = _join(key, name)
            if name in result:
                line = key_node.start_mark.line + 1
                raise ConfigError("duplicate key", path=str(path), line=line, key=child)
            lines[child] = key_node.start_mark.line + 1
            result[name] = _node_to_data(value_node, child, lines, path)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_node_to_data(item, f"{key}[{i}]", lines, path) for i, item in enumerate(node.value)]
    return yaml.SafeLoader(StringIO("")).construct_object(node, deep=True)


def load_config(path: Path) -> Config:
    """Read and validate the YAML file at `path`; raise ConfigError naming file, line and key."""
    located = _compose(_read_text(path), path)
    return _build_config(_Reader(path, located.lines), located.data, path)


def load_article_rules(path: Path) -> ArticleRules:
    """Site rules for `feedd extract --rules`: a section's `article:` block as a file of its own."""
    located = _compose(_read_text(path), path)
    return _article_rules(_Reader(path, located.lines), located.data, "")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc}", path=str(path)) from exc


def _build_config(r: _Reader, raw: Any, path: Path) -> Config:
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


def _fetch_settings(r: _Reader, top: dict[str, Any]) -> FetchSettings:
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


def _source(r: _Reader, raw: Any, key: str, defaults: dict[str, Any]) -> SourceConfig:
    data = r.mapping(raw, key, _SOURCE_KEYS)
    for required in ("id", "sections"):
        if required not in data:
            raise r.fail(_join(key, required), "missing required key")
    source_id = r.slug(data["id"], _join(key, "id"))
    name = r.text(data.get("name", source_id), _join(key, "name"))
    inherited: dict[str, tuple[Any, str]] = {k: (v, _join("defaults", k)) for k, v in defaults.items()}
    for setting in _DEFAULT_KEYS & data.keys():
        inherited[setting] = (data[setting], _join(key, setting))
    zone_value, zone_key = inherited.get("timezone", ("UTC", _join(key, "timezone")))
    zone = r.zone(zone_value, zone_key)
    article = _article_rules(r, data["article"], _join(key, "article")) if "article" in data else None
    hosts_raw = data.get("allow_hosts", [])
    if not isinstance(hosts_raw, list):
        raise r.fail(_join(key, "allow_hosts"), "expected a list of host or host:port entries")
    allow_hosts = tuple(r.text(h, f"{key}.allow_hosts[{i}]").lower() for i, h in enumerate(hosts_raw))
    sections_raw = data["sections"]
    if not isinstance(sections_raw, list) or not sections_raw:
        raise r.fail(_join(key, "sections"), "expected a non-empty list of sections")
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


def _section(r: _Reader, raw: Any, key: str, ctx: _SourceContext) -> SectionConfig:
    data = r.mapping(raw, key, _SECTION_KEYS)
    for required in ("id", "url"):
        if required not in data:
            raise r.fail(_join(key, required), "missing required key")
    section_id = r.slug(data["id"], _join(key, "id"))
    merged = dict(ctx.inherited)
    for name in _DEFAULT_KEYS & data.keys():
        merged[name] = (data[name], _join(key, name))

    def setting(name: str, fallback: Any) -> tuple[Any, str]:
        return merged.get(name, (fallback, _join(key, name)))

    article_key = _join(key, "article")
    return SectionConfig(
        source_id=ctx.source_id,
        source_name=ctx.name,
        id=section_id,
        title=r.text(data.get("title", section_id), _join(key, "title")),
        url=r.url(data["url"], _join(key, "url")),
        timezone=r.zone(*setting("timezone", "UTC")) if "timezone" in data else ctx.zone,
        interval=r.duration(*setting("interval", "15m")),
        keep_items=int(r.number(*setting("keep_items", 100), minimum=1, integer=True)),
        links=r.selector(data["links"], _join(key, "links")) if "links" in data else None,
        article=_article_rules(r, data["article"], article_key) if "article" in data else ctx.article,
        pages=int(r.number(*setting("pages", 1), minimum=1, integer=True)),
        allow_hosts=ctx.allow_hosts,
        listing=_listing(r, data["listing"], _join(key, "listing"), data["url"]) if "listing" in data else None,
        language=r.language(*merged["language"]) if "language" in merged else None,
    )


def _listing(r: _Reader, raw: Any, key: str, section_url: str) -> ListingSpec:
    data = r.mapping(raw, key, _LISTING_KEYS)
    kind_name = r.text(data.get("type", "html"), _join(key, "type"))
    kind = _LISTING_KINDS.get(kind_name)
    if kind is None:
        raise r.fail(_join(key, "type"), f"unknown listing type {kind_name!r} (use html, json, feed or sitemap)")
    url = r.url(data["url"], _join(key, "url")) if "url" in data else section_url
    if kind != "json":
        extra = sorted({"items", "link", "title", "time"} & data.keys())
        if extra:
            raise r.fail(_join(key, extra[0]), f"only a json listing takes {extra[0]!r}")
        return ListingSpec(kind=kind, url=url)
    items = str(data.get("items", "")).strip()
    return ListingSpec(
        kind=kind, url=url, items=items,
        link=r.text(data.get("link", "url"), _join(key, "link")),
        title=r.text(data.get("title", "title"), _join(key, "title")),
        time=r.text(data["time"], _join(key, "time")) if "time" in data else None)


def _article_rules(r: _Reader, raw: Any, key: str) -> ArticleRules:
    data = r.mapping(raw, key, _ARTICLE_KEYS)
    fields = {
        name: r.selector(data[name], _join(key, name))
        for name in ("title", "published", "source", "author", "content") if name in data
    }
    remove_raw = data.get("remove", [])
    if not isinstance(remove_raw, list):
        raise r.fail(_join(key, "remove"), "expected a list of selectors")
    remove = tuple(r.selector(item, f"{key}.remove[{i}]") for i, item in enumerate(remove_raw))
    return ArticleRules(remove=remove, **fields)


def _reject_duplicate_ids(r: _Reader, sources: tuple[SourceConfig, ...]) -> None:
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
