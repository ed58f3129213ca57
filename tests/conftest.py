"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pages import CORPUS
from tests.portal.server import Portal


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The real-page corpus, read in place beside the repository (../shared/corpus)."""
    if not CORPUS.is_dir():
        pytest.fail(f"corpus not found at {CORPUS}: the repository must sit beside shared/")
    return CORPUS


@pytest.fixture
def portal(corpus_dir: Path) -> Iterator[Portal]:
    """A fresh replayed news portal on 127.0.0.1 (free port), in round 1, stopped after the test."""
    with Portal(corpus_dir) as running:
        yield running
