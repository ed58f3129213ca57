"""Config loading: valid files become frozen objects, every mistake names file, line and key path."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from feedd.config import load_config
from feedd.errors import ConfigError
from feedd.pipeline import feed_meta

REPO = Path(__file__).resolve().parents[1]

VALID = """\
output_dir: ./public
state_path: ./state/feedd.sqlite3
base_url: http://localhost:8080/feeds
defaults: {interval: 15m, keep_items: 50}
sources:
  - id: xinhua
    name: 新华网
    timezone: Asia/Shanghai
    sections:
      - id: politics
        title: 时政
        url: http://www.news.cn/politics/
        links: "ul.list li a"
      - id: world
        url: http://www.news.cn/world/
        interval: 1h30m
        keep_items: 10
        article:
          title: h1.title
          content: "xpath://div[@id='detail']"
          remove: [".share", ".editor"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feedd.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_loads_sections_with_inherited_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, VALID))
    politics, world = list(config.sections())
    assert politics.key == "xinhua/politics"
    assert politics.interval == timedelta(minutes=15)
    assert politics.keep_items == 50
    assert str(politics.timezone) == "Asia/Shanghai"
    assert politics.links is not None and politics.links.expression == "ul.list li a"
    assert world.interval == timedelta(hours=1, minutes=30)
    assert world.keep_items == 10
    assert world.article is not None and world.article.title is not None
    assert len(world.article.remove) == 2
    assert config.output_dir == (tmp_path / "public").resolve()
    assert config.base_url == "http://localhost:8080/feeds/"
    assert config.allow_private_networks is False


@pytest.mark.parametrize(("old", "new", "where"), [
    ("interval: 1h30m", "interval: 15 minutes", ":16: sources[0].sections[1].interval: bad duration"),
    ("timezone: Asia/Shanghai", "timezone: Asia/Shangai", ":8: sources[0].timezone: unknown time zone"),
    ("keep_items: 50", "keep_item: 50", ":4: defaults.keep_item: unknown key"),
    ('links: "ul.list li a"', 'links: "ul.list li a["', ":13: sources[0].sections[0].links: bad CSS"),
    ("id: world", "id: politics", ":14: sources[0].sections[1].id: duplicate section id"),
    ("url: http://www.news.cn/world/", "url: www.news.cn/world/", ":15: sources[0].sections[1].url: bad URL"),
    ("id: xinhua", "id: ../x", ":6: sources[0].id: bad id"),
    ("id: xinhua", "id: /etc/passwd", ":6: sources[0].id: bad id"),
    ("id: xinhua", "id: " + "a" * 300, ":6: sources[0].id: bad id"),
    ("    name: 新华网", "    nmae: 新华网", ":7: sources[0].nmae: unknown key"),
    ("keep_items: 10", "keep_items: ten", ":17: sources[0].sections[1].keep_items: expected a whole number"),
    ('content: "xpath://div[@id=\'detail\']"', 'content: "xpath://div[@id="', "article.content: bad XPath"),
])
def test_config_error_names_file_line_and_key(tmp_path: Path, old: str, new: str, where: str) -> None:
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert where in message, message


def test_config_language_is_inherited_and_overridden(tmp_path: Path) -> None:
    text = VALID.replace("    timezone: Asia/Shanghai\n", "    timezone: Asia/Shanghai\n    language: zh-Hans-CN\n", 1)
    text = text.replace("        keep_items: 10\n", "        keep_items: 10\n        language: en\n", 1)
    politics, world = load_config(write(tmp_path, text)).sections()
    assert (politics.language, world.language) == ("zh-Hans-CN", "en")
    assert feed_meta(politics, "http://localhost/").language == "zh-Hans-CN"
    assert feed_meta(world, "http://localhost/").language == "en"


def test_config_without_language_guesses_it_from_a_china_zone_only(tmp_path: Path) -> None:
    politics, _world = load_config(write(tmp_path, VALID)).sections()
    assert politics.language is None
    assert feed_meta(politics, "http://localhost/").language == "zh-CN"
    utc = load_config(write(tmp_path, VALID.replace("timezone: Asia/Shanghai", "timezone: UTC"))).sections()
    assert feed_meta(next(utc), "http://localhost/").language is None


def test_config_rejects_a_bad_language_tag_with_its_place(tmp_path: Path) -> None:
    bad = "        keep_items: 10\n        language: Chinese simplified\n"
    text = VALID.replace("        keep_items: 10\n", bad, 1)
    with pytest.raises(ConfigError, match=r":18: sources\[0\]\.sections\[1\]\.language: bad language tag"):
        load_config(write(tmp_path, text))


def test_config_rejects_broken_yaml_with_line(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "  - id: [unclosed\n")
    with pytest.raises(ConfigError, match=r"feedd.yaml:\d+: not valid YAML"):
        load_config(path)


def test_config_rejects_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


def test_shipped_config_is_valid() -> None:
    config = load_config(REPO / "config" / "feedd.yaml")
    keys = [s.key for s in config.sections()]
    assert "xinhua/politics" in keys and "gov/policies" in keys
    assert all(str(s.timezone) == "Asia/Shanghai" for s in config.sections() if s.source_id != "chinadaily")
