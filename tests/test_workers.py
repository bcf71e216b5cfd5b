"""The worker pool: results, exceptions, deadlines that really kill, crashes, and its size limit."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from ingest.ops.workers import WorkerCrashed, WorkerError, WorkerPool, WorkerTimeout
from support import workerfns


def wait_until_gone(pid: int, within: float = 5.0) -> bool:
    """Whether process `pid` no longer exists, polling for up to `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


async def test_result_is_returned_from_another_process() -> None:
    async with WorkerPool(1) as pool:
        assert await pool.run(workerfns.add, 2, 3, timeout=30) == 5
        worker_pid = await pool.run(workerfns.pid, timeout=30)
        assert await pool.run(workerfns.count_words, "日本 and English", timeout=30) == 4
    assert worker_pid != os.getpid()


async def test_workers_are_reused() -> None:
    async with WorkerPool(1) as pool:
        pids = {await pool.run(workerfns.pid, timeout=30) for _ in range(3)}
    assert len(pids) == 1


async def test_exception_is_reraised_with_its_type() -> None:
    async with WorkerPool(1) as pool:
        with pytest.raises(KeyError) as info:
            await pool.run(workerfns.fail_with_key_error, "missing-key", timeout=30)
        assert info.value.args == ("missing-key",)
        assert await pool.run(workerfns.add, 1, 1, timeout=30) == 2  # still serving


async def test_exception_that_does_not_unpickle_is_a_worker_error() -> None:
    async with WorkerPool(1) as pool:
        with pytest.raises((workerfns.TwoArgError, WorkerError)):
            await pool.run(workerfns.fail_with_two_arg_error, "https://x.example/", "bad", timeout=30)


async def test_timeout_kills_the_worker(tmp_path: Path) -> None:
    pid_file = tmp_path / "worker.pid"
    async with WorkerPool(1) as pool:
        await pool.run(workerfns.add, 0, 0, timeout=30)  # the worker is up before the clock starts
        started = time.monotonic()
        with pytest.raises(WorkerTimeout, match="write_pid_and_hang"):
            await pool.run(workerfns.write_pid_and_hang, str(pid_file), timeout=1.0)
        assert time.monotonic() - started < 1.0 + 5.0  # bounded: kill() waits at most 5 s
        pid = int(pid_file.read_text())
        assert pid != os.getpid()
        assert wait_until_gone(pid), f"worker {pid} still alive after its timeout"

        # the pool keeps working, in a fresh process
        assert await pool.run(workerfns.add, 20, 22, timeout=30) == 42
        assert await pool.run(workerfns.pid, timeout=30) != pid


async def test_crashed_worker_is_reported_and_replaced() -> None:
    async with WorkerPool(1) as pool:
        crashed_pid = await pool.run(workerfns.pid, timeout=30)
        with pytest.raises(WorkerCrashed, match="die_hard"):
            await pool.run(workerfns.die_hard, 3, timeout=30)
        assert wait_until_gone(crashed_pid)
        assert await pool.run(workerfns.add, 1, 2, timeout=30) == 3
        assert await pool.run(workerfns.pid, timeout=30) != crashed_pid


async def test_concurrency_is_bounded_by_size(tmp_path: Path) -> None:
    size, calls, hold = 2, 6, 0.3
    async with WorkerPool(size) as pool:
        results = await asyncio.gather(
            *(
                pool.run(workerfns.sleep_and_record, str(tmp_path), hold, timeout=30)
                for _ in range(calls)
            )
        )
    assert len(results) == calls
    assert len(list(tmp_path.iterdir())) == calls  # every call ran
    pids = {pid for pid, _, _ in results}
    assert len(pids) <= size
    # the most calls running at one moment, from the workers' own clocks
    peak = max(sum(1 for _, s, e in results if s <= start < e) for _, start, _ in results)
    assert peak <= size
    assert peak == size  # and the pool did run calls side by side


async def test_close_stops_idle_workers(tmp_path: Path) -> None:
    pool = WorkerPool(2)
    results = await asyncio.gather(
        *(pool.run(workerfns.sleep_and_record, str(tmp_path), 0.2, timeout=30) for _ in range(2))
    )
    await pool.close()
    for pid, _, _ in results:
        assert pid != os.getpid()
        assert wait_until_gone(pid)
