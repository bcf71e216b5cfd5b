"""Where the shared fixtures are, for the tests and the benchmarks alike."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]  # tests/support/ -> the repository
NOT_FOUND = "shared fixtures not found: set INGEST_FIXTURES or check out beside ../shared/fixtures"


def find_fixtures() -> Path | None:
    """$INGEST_FIXTURES, else the nearest `shared/fixtures` above the repository; None if neither."""
    if env := os.environ.get("INGEST_FIXTURES"):
        return Path(env)
    for parent in REPO.parents:
        candidate = parent / "shared" / "fixtures"
        if candidate.is_dir():
            return candidate
    return None


def require_fixtures() -> Path:
    """The shared fixtures; FileNotFoundError saying how to provide them if they are not there."""
    if (found := find_fixtures()) is None:
        raise FileNotFoundError(NOT_FOUND)
    return found
