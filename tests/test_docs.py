"""The README documents every config key and every command-line option: a setting added without
its line in the docs fails here."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from feedd import cli, config

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
CONFIG_KEYS = sorted(config._TOP_KEYS | config._DEFAULT_KEYS | config._SOURCE_KEYS | config._SECTION_KEYS
                     | config._LISTING_KEYS | config._ARTICLE_KEYS)


def _documented_keys() -> set[str]:
    """Keys named in code spans (`key`), or shown in a YAML example as `key:`."""
    in_tables = set(re.findall(r"`([a-z_]+)`", README))
    in_examples = set(re.findall(r"^\s*(?:- )?([a-z_]+):", README, flags=re.M))
    return in_tables | in_examples


@pytest.mark.parametrize("key", CONFIG_KEYS)
def test_docs_name_every_config_key(key: str) -> None:
    assert key in _documented_keys(), f"config key {key!r} is missing from README.md"


def _options() -> list[tuple[str, str]]:
    parser = cli._parser()
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    found = []
    for name, sub in commands.choices.items():
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    found.append((name, option))
    return found


@pytest.mark.parametrize(("command", "option"), _options())
def test_docs_name_every_command_option(command: str, option: str) -> None:
    rows = [line for line in README.splitlines() if line.startswith(f"| `feedd {command}")]
    assert rows, f"no README row for `feedd {command}`"
    assert any(option in row for row in rows), f"`feedd {command} {option}` is missing from README.md"
