"""Worker processes for the CPU-heavy steps (feed parsing, extraction), with deadlines that kill.

concurrent.futures cannot stop one runaway task before Python 3.14, and a parser stuck in C code
ignores every signal but SIGKILL; so each call gets a process of its own until it answers in time.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
import signal
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

T = TypeVar("T")


class WorkerError(Exception):
    """A call in a worker process did not return a result."""


class WorkerTimeout(WorkerError):
    """The call ran past its deadline; its worker was killed."""


class WorkerCrashed(WorkerError):
    """The worker process died during the call."""


class WorkerPool:
    """Run module-level functions in up to `size` processes; use as `async with WorkerPool(...)`."""

    def __init__(
        self,
        size: int,
        preload: Sequence[str] = (),
        initializer: Callable[[], None] | None = None,
    ) -> None:
        # forkserver: never fork a process that runs threads (resolver, executor) mid-lock.
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(list(preload))
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Worker] = []
        self._initializer = initializer

    async def __aenter__(self) -> WorkerPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def run(self, fn: Callable[..., T], *args: Any, timeout: float) -> T:
        """Call `fn(*args)` in a worker; raise what it raised, or WorkerTimeout after `timeout` s."""
        async with self._slots:
            worker = self._idle.pop() if self._idle else await self._spawn()
            try:
                outcome, value = await asyncio.wait_for(worker.call(fn, args), timeout)
            except TimeoutError:
                worker.kill()
                raise WorkerTimeout(f"{fn.__name__} ran past its {timeout:g}s deadline") from None
            except (EOFError, OSError) as exc:
                worker.kill()
                raise WorkerCrashed(f"{fn.__name__}: worker process died ({exc or 'no answer'})") from None
            except BaseException:  # cancelled mid-call: the worker's state is unknown
                worker.kill()
                raise
            self._idle.append(worker)
        if outcome == "error":
            raise value
        return value

    async def _spawn(self) -> _Worker:
        # Starting a process blocks for a while (the first one starts the fork server).
        return await asyncio.to_thread(_Worker, self._ctx, self._initializer)

    async def close(self) -> None:
        """Stop every idle worker; busy ones are killed by their callers' cancellation."""
        idle, self._idle = self._idle, []
        await asyncio.gather(*(asyncio.to_thread(worker.stop) for worker in idle))


class _Worker:
    """One process serving calls over a pipe."""

    def __init__(self, ctx: Any, initializer: Callable[[], None] | None) -> None:
        self._conn, child = ctx.Pipe()
        self._process: BaseProcess = ctx.Process(
            target=_serve, args=(child, initializer), daemon=True
        )
        self._process.start()
        child.close()

    async def call(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
        await asyncio.to_thread(self._conn.send, (fn, args))
        answer = await asyncio.to_thread(self._conn.recv_bytes)
        try:
            return pickle.loads(answer)
        except Exception as exc:  # an exception class whose __init__ cannot rebuild it
            return "error", WorkerError(f"{fn.__name__}: unreadable answer from worker ({exc})")

    def kill(self) -> None:
        self._process.kill()
        self._process.join(5)
        self._conn.close()

    def stop(self) -> None:
        try:
            self._conn.send(None)
        except OSError:
            pass
        self._process.join(5)
        if self._process.is_alive():
            self.kill()
        self._conn.close()


def _serve(conn: Connection, initializer: Callable[[], None] | None) -> None:
    """The worker's loop: call what arrives, send back ("ok", result) or ("error", exception)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    if initializer is not None:
        initializer()
    while True:
        try:
            job = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if job is None:
            return
        fn, args = job
        try:
            answer: tuple[str, Any] = ("ok", fn(*args))
        except Exception as exc:
            answer = ("error", exc)
        try:
            conn.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            conn.send(("error", WorkerError(f"{fn.__name__}: unpicklable result ({exc})")))
