from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEED = ROOT.parent / "shared" / "seed" / "000_31d482f88aa163fd.txt"


def seed_path() -> Path:
    """The seed report: the committed copy in fixtures/ (shared/ may be absent)."""
    p = FIXTURES / "text" / "seed-halazhigou-2023.tsv.txt"
    return p if p.exists() else SEED


@pytest.fixture(scope="session")
def seed_report():
    import extractor

    return extractor.parse(seed_path())


def load_expected(name: str) -> dict:
    return json.loads((FIXTURES / "expected" / f"{name}.json").read_text(encoding="utf-8"))
