"""The address guard: refuse to connect to non-public addresses unless the request may.

The check runs in the socket factory that aiohttp calls for every connection attempt, so it sees the
address actually connected to: names, IP literals in any notation, and every redirect hop.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from aiohappyeyeballs import AddrInfoType

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(OSError):
    """A connection to a non-public address was refused."""


@dataclass
class HopPolicy:
    """What the current request hop may connect to, and what it was refused."""

    allow_private: bool
    refused: list[str] = field(default_factory=list)


# Set per request hop by the fetcher; copied into the tasks aiohttp starts for happy eyeballs.
_hop: ContextVar[HopPolicy | None] = ContextVar("ingest_hop_policy", default=None)


def non_public_reason(ip: IPAddress) -> str | None:
    """Why `ip` is not a public unicast address, or None if it is one."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return non_public_reason(embedded)
    for reason in ("loopback", "link_local", "multicast", "private", "reserved", "unspecified"):
        if getattr(ip, f"is_{reason}"):
            return reason.replace("_", "-")
    if not ip.is_global:  # shared address space (100.64/10), benchmarking nets, ...
        return "not global"
    return None


@contextmanager
def hop_policy(allow_private: bool) -> Iterator[HopPolicy]:
    """Apply a policy to the connections opened inside the block."""
    policy = HopPolicy(allow_private)
    token = _hop.set(policy)
    try:
        yield policy
    finally:
        _hop.reset(token)


def guarded_socket(addr_info: AddrInfoType) -> socket.socket:
    """Socket factory for aiohttp's connector: a socket, or BlockedAddress for a refused address."""
    family, type_, proto, _, sockaddr = addr_info
    policy = _hop.get() or HopPolicy(allow_private=False)  # no policy set: refuse, never allow
    if not policy.allow_private:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if reason := non_public_reason(ip):
            policy.refused.append(f"{ip} ({reason})")
            raise BlockedAddress(f"refused to connect to {ip}: {reason} address")
    return socket.socket(family=family, type=type_, proto=proto)
