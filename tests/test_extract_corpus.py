"""CI gate: feedd's extraction scores on the shared development corpus must not drop below the
floors pinned in extract_floors.json (measured, then rounded down by about 0.01).

The scoring rules are the benchmark's (benchmarks/extract.py), so the gate and the published
comparison table always measure the same thing.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
FLOORS = json.loads((Path(__file__).with_name("extract_floors.json")).read_text(encoding="utf-8"))


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("feedd_extract_benchmark", REPO / "benchmarks" / "extract.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scores() -> dict[str, float]:
    """feedd's scores over every article page of the development corpus (in-process, no peers)."""
    bench = _benchmark()
    if not bench.CORPUS.is_dir():
        pytest.fail(f"corpus missing at {bench.CORPUS}")
    cases = bench.load_cases()
    results, _ = bench.run_feedd_inprocess(cases)
    measured: dict[str, float] = bench.score(cases, results)
    return measured


@pytest.mark.parametrize("field", sorted(FLOORS))
def test_extract_corpus_score_stays_above_its_floor(scores: dict[str, float], field: str) -> None:
    assert field in scores, f"{field} was not measured"
    assert scores[field] >= FLOORS[field], f"{field}: {scores[field]:.3f} fell below its floor {FLOORS[field]}"
