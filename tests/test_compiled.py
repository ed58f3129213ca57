"""`make` compiles the extraction stages with mypyc (tools/compile.py), each beside its source, and
Python imports a compiled module before its .py: one left from an older source would run old code."""

from __future__ import annotations

import re
from pathlib import Path

import feedd

PACKAGE = Path(feedd.__file__).parent
MAKEFILE = PACKAGE.parent / "Makefile"


def _compiled_list() -> list[str]:
    text = MAKEFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    found = re.search(r"^COMPILED := .*?addsuffix \.py,([^)]*)\)", text, re.MULTILINE)
    assert found is not None, "the Makefile's COMPILED list is gone"
    return found.group(1).split()


def test_no_compiled_module_is_older_than_its_source() -> None:
    stale = [library.name for library in PACKAGE.glob("*.so")
             if (source := PACKAGE / (library.name.split(".")[0] + ".py")).exists()
             and library.stat().st_mtime < source.stat().st_mtime]
    assert not stale, f"compiled before their sources last changed: {stale}; run `make` (or `make pure`)"


def test_the_compiled_modules_are_feedd_stages_and_all_or_none_are_built() -> None:
    names = _compiled_list()
    assert names and all((PACKAGE / f"{name}.py").exists() for name in names)
    built = {library.name.split(".")[0] for library in PACKAGE.glob("*.so")} - {"native__mypyc"}
    assert built in (set(), set(names)), f"half a build: {sorted(built ^ set(names))} differ; run `make`"
