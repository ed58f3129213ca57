"""Test pages: ours beside the tests, or real saved pages read in place from ../shared/corpus/."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def read_page(name: str, own_folder: Path) -> str:
    """`name` from `own_folder`, else from the corpus; a missing page fails the test, as a skipped
    one would pass unseen."""
    own = own_folder / name
    path = own if own.exists() else CORPUS / name
    if not path.exists():
        pytest.fail(f"page {name} is neither in {own_folder} nor in {CORPUS}")
    return path.read_bytes().decode("utf-8", "replace")


def corpus_folder(name: str) -> Path:
    """One corpus of ../shared/corpus/; its absence fails the test."""
    folder = CORPUS / name
    if not folder.is_dir():
        pytest.fail(f"corpus {name} not found at {folder}")
    return folder
