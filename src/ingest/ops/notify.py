"""sd_notify without a dependency: datagrams to $NOTIFY_SOCKET, and the watchdog's heartbeat."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Mapping

import structlog

log = structlog.get_logger("ingest.ops.notify")


class Notifier:
    """Tells systemd how the service is doing; does nothing when not started by systemd."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self._address = _socket_address(env.get("NOTIFY_SOCKET", ""))
        self.watchdog_interval = _watchdog_interval(env)

    def send(self, *states: str) -> bool:
        """Send `READY=1`, `STATUS=...`, ...; False when there is no socket or it is unreachable."""
        if not self._address:
            return False
        message = "\n".join(states).encode()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            try:
                sock.sendto(message, self._address)
            except OSError as exc:
                log.warning("notify_failed", error=str(exc), socket=self._address)
                return False
        return True

    def status(self, text: str) -> bool:
        return self.send("STATUS=" + " ".join(text.split()))

    async def keep_watchdog_fed(self) -> None:
        """Send WATCHDOG=1 at half the watchdog timeout, from the event loop: a blocked loop misses it."""
        if self.watchdog_interval is None:
            return
        while True:
            self.send("WATCHDOG=1")
            await asyncio.sleep(self.watchdog_interval)


def _socket_address(value: str) -> str | bytes | None:
    if not value:
        return None
    if value.startswith("@"):  # an abstract socket: a leading NUL byte instead of a path
        return b"\0" + value[1:].encode()
    return value


def _watchdog_interval(env: Mapping[str, str]) -> float | None:
    """Half of WATCHDOG_USEC, if the watchdog is meant for this process."""
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    pid = env.get("WATCHDOG_PID")
    if usec <= 0 or (pid and pid != str(os.getpid())):
        return None
    return usec / 2 / 1_000_000
