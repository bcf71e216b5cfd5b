"""Work started together that ends together: when one part fails, the others are cancelled and waited for
before the failure goes on, so nothing keeps running against the session and the pool the caller is
about to close (asyncio.gather leaves them running)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import TypeVar

T = TypeVar("T")


async def all_or_none(parts: Iterable[Awaitable[T]]) -> list[T]:
    """Every part's result, in order; or the first failure, once the other parts are cancelled and done."""
    tasks = [asyncio.ensure_future(part) for part in parts]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
