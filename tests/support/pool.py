"""A worker pool double for coordination tests: WorkerPool's `run`, in this process.

The real WorkerPool keeps its own tests (test_workers.py); the pipeline's tests want the coordination,
not the processes, and a forkserver start per test would cost more than the test.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class InlinePool:
    """Calls `fn(*args)` directly on the event loop; `timeout` is not enforced (nothing can be killed).

    Arguments and results go through pickle as they would between processes, so what could not
    reach a worker (a lambda, an open handle) fails here too, and the caller gets copies, not aliases.
    """

    def __init__(self) -> None:
        self.calls: list[str] = []  # the names of the functions run, in order

    async def __aenter__(self) -> InlinePool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass

    async def run(self, fn: Callable[..., T], *args: Any, timeout: float) -> T:
        self.calls.append(fn.__name__)
        fn, args = pickle.loads(pickle.dumps((fn, args)))
        return pickle.loads(pickle.dumps(fn(*args)))
