"""Module-level functions for WorkerPool tests: forkserver workers import them by reference."""

from __future__ import annotations

import os
import time
from pathlib import Path


class TwoArgError(Exception):
    """An exception whose __init__ takes two arguments, like FetchError(url, reason)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


def add(a: int, b: int) -> int:
    return a + b


def pid() -> int:
    return os.getpid()


def fail_with_key_error(key: str) -> None:
    raise KeyError(key)


def fail_with_two_arg_error(url: str, reason: str) -> None:
    raise TwoArgError(url, reason)


def write_pid_and_hang(path: str) -> None:
    """Record this worker's PID, then never return."""
    Path(path).write_text(str(os.getpid()))
    while True:
        time.sleep(0.05)


def die_hard(code: int) -> None:
    """Exit the worker process without any clean-up, as a crash in C code would."""
    os._exit(code)


def sleep_and_record(directory: str, seconds: float) -> tuple[int, float, float]:
    """Leave a marker in `directory`, sleep `seconds`; return (pid, start, end) by the wall clock."""
    start = time.time()
    marker = Path(directory) / f"{os.getpid()}-{start}"
    marker.write_text("")
    time.sleep(seconds)
    end = time.time()
    return os.getpid(), start, end


def count_words(text: str) -> int:
    """A real project function run the way the pipeline runs extraction."""
    from ingest.text.clean import word_count

    return word_count(text)
