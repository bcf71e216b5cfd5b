"""Peak resident memory of a process and all its descendants, sampled from /proc while it runs."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path


def watch_memory(proc: subprocess.Popen) -> int:
    """Sample the resident memory of `proc` and its descendants until it exits; the highest sum, in bytes.

    RSS counts pages shared between processes (the fork server's libraries) once per process: an upper bound."""
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_resident(pid) for pid in _tree(proc.pid)))
            time.sleep(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    proc.wait()
    done.set()
    watcher.join()
    return peak


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                pass
    return found


def _resident(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
