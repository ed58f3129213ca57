"""Reading the YAML config: the tree with the line of every key path, and validators that fail
with file, line and key path. config.py builds the configuration objects with them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from feedd.errors import ConfigError, SelectorError
from feedd.select import Selector, compile_selector

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_INTERVAL = timedelta(seconds=1)


@dataclass(frozen=True)
class Located:
    """The YAML tree as plain data plus the line of every key path."""

    data: Any
    lines: dict[str, int]


class Reader:
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
                raise self.fail(join_key(key, str(name)), f"unknown key (known keys: {hint})")
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
            parsed = parse_duration(self.text(value, key))
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


def join_key(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def parse_duration(text: str) -> float | None:
    compact = text.replace(" ", "").lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", compact):
        return float(compact)
    parts = _DURATION_PART.findall(compact)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != compact:
        return None
    return sum(float(n) * _DURATION_UNITS[u] for n, u in parts)


def compose(text: str, path: Path) -> Located:
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
    return Located(_node_to_data(root, "", lines, path), lines)


def _node_to_data(node: yaml.Node, key: str, lines: dict[str, int], path: Path) -> Any:
    lines.setdefault(key, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            name = str(key_node.value)
            child = join_key(key, name)
            if name in result:
                line = key_node.start_mark.line + 1
                raise ConfigError("duplicate key", path=str(path), line=line, key=child)
            lines[child] = key_node.start_mark.line + 1
            result[name] = _node_to_data(value_node, child, lines, path)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_node_to_data(item, f"{key}[{i}]", lines, path) for i, item in enumerate(node.value)]
    return yaml.SafeLoader(StringIO("")).construct_object(node, deep=True)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc}", path=str(path)) from exc
