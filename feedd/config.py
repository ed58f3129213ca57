"""The YAML configuration, loaded into frozen, validated objects.

Every mistake is reported as file, line and key path, e.g.
`config/feedd.yaml:14: sources[0].sections[1].interval: bad duration '15 minutes'`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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
