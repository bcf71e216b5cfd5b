"""Memory and CPU time of a process and all its descendants, from /proc while it runs.

Descendants are found by parent id in /proc/<pid>/stat, scanned on every sample, to any depth (ingest ->
fork server -> workers). A process once seen stays counted after its parent exits and it is reparented
(the fork server outlives `ingest` for a moment), which /proc/<pid>/task/*/children would lose.

Memory: the highest sum over the tree of RSS (pages shared between processes, like the fork server's
libraries, counted once per process: an upper bound) and of PSS (shared pages split between their users).
CPU: `run_tree` makes this process a child subreaper, so every orphaned descendant is reparented here and
reaped; then getrusage(RUSAGE_CHILDREN) grows by the user+sys seconds of the whole tree, every descendant
that was waited for included, however short-lived. The /proc samples give a second, lower figure.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")
_PR_SET_CHILD_SUBREAPER = 36


@dataclass
class Usage:
    """What one process tree used; wall and returncode are filled by `run_tree`."""

    peak_rss: int = 0  # bytes, highest sum over the tree
    peak_pss: int = 0
    cpu_sampled: float = 0.0  # user+sys seconds, each process's last /proc sample, summed
    cpu: float | None = None  # user+sys seconds from getrusage(RUSAGE_CHILDREN): exact; None if not known
    processes: int = 0  # distinct processes seen
    wall: float = 0.0
    started: float = 0.0  # time.monotonic() just before the process started, to compare with servers' logs
    returncode: int | None = None
    left_running: int = 0  # descendants still alive when we stopped waiting for them


class TreeWatch:
    """Samples a process tree: from a thread between start() and stop(), or when `sample` is called."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        self.root = root
        self.interval = interval
        self.usage = Usage()
        self._known: dict[int, int] = {}  # pid -> start time, so a reused pid is not mistaken for ours
        self._cpu: dict[int, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> TreeWatch:
        self._thread.start()
        return self

    def stop(self) -> Usage:
        self._done.set()
        self._thread.join()
        return self.usage

    def alive(self) -> dict[int, int]:
        """The tree's live processes now: pid -> parent pid."""
        table = _process_table()
        self._follow(table)
        return {pid: table[pid].ppid for pid in self._known if pid in table}

    def sample(self) -> tuple[int, int]:
        """One sample: the tree's RSS and PSS now, in bytes; the peaks and CPU figures updated."""
        table = _process_table()
        self._follow(table)
        rss = pss = 0
        for pid in self._known:
            if (proc := table.get(pid)) is not None:
                rss += proc.rss
                pss += _pss(pid) if proc.rss else 0
                self._cpu[pid] = proc.cpu
        usage = self.usage
        usage.peak_rss, usage.peak_pss = max(usage.peak_rss, rss), max(usage.peak_pss, pss)
        usage.cpu_sampled, usage.processes = sum(self._cpu.values()), len(self._known)
        return rss, pss

    def _follow(self, table: dict[int, _Proc]) -> None:
        if self.root in table:
            self._known.setdefault(self.root, table[self.root].start)
        changed = True
        while changed:  # children of known processes, to any depth
            changed = False
            for pid, proc in table.items():
                parent = table.get(proc.ppid)
                if pid not in self._known and parent and self._known.get(proc.ppid) == parent.start:
                    self._known[pid] = proc.start
                    changed = True
        for pid, start in list(self._known.items()):
            if pid in table and table[pid].start != start:  # exited, and the pid was reused
                del self._known[pid]

    def _run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.interval)


def run_tree(
    command: list[str],
    *,
    interval: float = 0.05,
    timeout: float | None = None,
    **popen: object,
) -> Usage:
    """Run `command` to its end (killed with its process group past `timeout`), sampling its tree; then
    wait for its descendants to go and reap those orphaned to us, so the CPU figure holds all of them."""
    become_subreaper()
    before = _children_cpu()
    at = time.monotonic()
    started = time.perf_counter()
    proc = subprocess.Popen(command, start_new_session=True, **popen)
    watch = TreeWatch(proc.pid, interval).start()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    wall = time.perf_counter() - started
    usage = watch.stop()
    usage.left_running = reap_descendants(watch)
    usage.cpu = _children_cpu() - before if not usage.left_running else None
    usage.wall, usage.started, usage.returncode = wall, at, proc.returncode
    return usage


def watch_memory(proc: subprocess.Popen) -> int:
    """Sample the resident memory of `proc` and its descendants until it exits; the highest sum, in bytes.

    RSS counts pages shared between processes (the fork server's libraries) once per process: an upper
    bound. Kept for bench/hostile.py; `run_tree` measures more."""
    become_subreaper()
    watch = TreeWatch(proc.pid).start()
    proc.wait()
    peak = watch.stop().peak_rss
    reap_descendants(watch)
    return peak


def become_subreaper() -> None:
    """Orphaned descendants are reparented to this process (not init), which reaps them."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def reap_descendants(watch: TreeWatch, patience: float = 15.0) -> int:
    """Wait up to `patience` seconds for the tree's processes to exit, reaping those reparented to us;
    how many are still alive then."""
    me = os.getpid()
    deadline = time.monotonic() + patience
    while True:
        alive = watch.alive()
        for pid, parent in alive.items():
            if parent == me:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
        if not alive or time.monotonic() > deadline:
            return len(watch.alive())
        time.sleep(0.05)


@dataclass(frozen=True, slots=True)
class _Proc:
    ppid: int
    start: int
    cpu: float  # own user+sys seconds
    rss: int  # bytes; 0 for a zombie, which is listed so that it can be reaped


def _process_table() -> dict[int, _Proc]:
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                raw = f.read()
        except OSError:
            continue
        fields = raw[raw.rindex(b")") + 2 :].split()  # after "pid (comm) ": comm may hold spaces
        table[int(entry.name)] = _Proc(
            ppid=int(fields[1]),
            start=int(fields[19]),
            cpu=(int(fields[11]) + int(fields[12])) / TICK,
            rss=int(fields[21]) * PAGE,
        )
    return table


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
