"""What the throughput benchmarks share: many loopback sites, the `ingest` command and its environment,
CPU pinning, and a small table printer. The sites and feeds come from tests/support/, as the tests use them.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from proctree import Usage, run_tree  # beside this module

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the loopback test server, the fixture finder and feed helpers

from support.localsite import LocalSite
from support.longimport import events

MIB = 2**20
FIRST_HOST = 2  # 127.0.0.2 on: 127.0.0.1 stays free for anything else running on the machine


@contextmanager
def loopback_sites(count: int) -> Iterator[list[LocalSite]]:
    """`count` sites, each on its own address from 127.0.0.2 on, stopped on the way out."""
    if not 0 < count <= 254 - FIRST_HOST:
        raise ValueError(f"{count} sites do not fit in 127.0.0.{FIRST_HOST}-254")
    with ExitStack() as stack:
        yield [stack.enter_context(LocalSite(f"127.0.0.{FIRST_HOST + i}")) for i in range(count)]


def requests_seen(sites: Sequence[LocalSite]) -> int:
    return sum(len(site.requests) for site in sites)


def ingest_command(*args: str) -> list[str]:
    """The `ingest` console script of this interpreter's environment, with `args`."""
    return [str(Path(sys.executable).with_name("ingest")), *args]


def ingest_env() -> dict[str, str]:
    """This environment without INGEST_*: no database or config of the caller's reaches the runs."""
    return {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}


@dataclass
class Once:
    """One `ingest --once`: what its process tree used, its summary line's counts, its JSON log events."""

    usage: Usage
    ok: int
    failed: int
    new: int
    log: list[dict]

    def count(self, event: str) -> int:
        return sum(e["event"] == event for e in self.log)


def run_once(config: Path, folder: Path, *args: str, timeout: float = 3600.0) -> Once:
    """`ingest --once --config CONFIG ARGS` with JSON logs, measured by proctree.run_tree; its output goes
    through files in `folder`, so that no pipe fills up."""
    with open(folder / "once.out", "w+") as out, open(folder / "once.err", "w+") as err:
        usage = run_tree(
            ingest_command("--once", "--config", str(config), "--log-format", "json", *args),
            stdout=out,
            stderr=err,
            env=ingest_env(),
            text=True,
            timeout=timeout,
        )
        out.seek(0), err.seek(0)
        stdout, log = out.read(), events(err.read())
    found = re.search(r"(\d+) feeds ok, (\d+) failed; (\d+) articles new", stdout)
    if found is None:
        raise RuntimeError(f"ingest exited {usage.returncode} without its summary; see {folder / 'once.err'}")
    ok, failed, new = map(int, found.groups())
    return Once(usage, ok, failed, new, log)


def pin_to(cpu: int):
    """A preexec_fn running the child on one CPU only."""
    return lambda: os.sched_setaffinity(0, {cpu})


def usable_cores() -> int:
    return len(os.sched_getaffinity(0))


def table(header: Sequence[str], rows: Sequence[Sequence[object]], first: int = 38, width: int = 12) -> None:
    """Print rows whose first cell is a label and the others figures: floats to two places, None as -."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            value = f"{value:,.2f}"
        elif isinstance(value, int):
            value = f"{value:,}"
        return f"{'-' if value is None else value:>{width}}"

    print(f"{header[0]:<{first}}" + "".join(cell(h) for h in header[1:]))
    for row in rows:
        print(f"{row[0]:<{first}}" + "".join(cell(v) for v in row[1:]))
