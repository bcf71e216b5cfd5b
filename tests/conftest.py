from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.fixturedir import require_fixtures
from support.localsite import LocalSite

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return require_fixtures()


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite("127.0.0.1") as s:
        yield s


@pytest.fixture
def other_site() -> Iterator[LocalSite]:
    """A second site on another loopback address: a host that feeds.yaml does not name."""
    with LocalSite("127.0.0.2") as s:
        yield s


def ingest_command() -> list[str]:
    """The installed `ingest` console script of the interpreter running the tests."""
    script = Path(sys.executable).with_name("ingest")
    if script.exists():
        return [str(script)]
    found = shutil.which("ingest")
    if found is None:
        raise RuntimeError("the `ingest` command is not installed: pip install -e '.[test]'")
    return [found]


def run_ingest(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real `ingest` command and capture its output."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    full_env.update(env or {})
    return subprocess.run(
        [*ingest_command(), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
