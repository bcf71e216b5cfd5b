"""The address guard: refuse to connect to non-public addresses.

The check runs in the socket factory that aiohttp calls for every connection attempt, so it sees the
address actually connected to: names, IP literals in any notation, and every redirect hop.
"""

from __future__ import annotations

import ipaddress
import socket

from aiohappyeyeballs import AddrInfoType

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(OSError):
    """A connection to a non-public address was refused."""

    def __init__(self, address: str, reason: str) -> None:
        # One message for every refusal: happy eyeballs keeps the exception (and so this type)
        # only when all attempts failed with the same text.
        super().__init__("address not allowed")
        self.address = address
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return type(self), (self.address, self.reason)


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


def public_socket(addr_info: AddrInfoType) -> socket.socket:
    """Socket factory for aiohttp's connector: a socket for a public address, else BlockedAddress."""
    family, type_, proto, _, sockaddr = addr_info
    ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
    if reason := non_public_reason(ip):
        raise BlockedAddress(str(ip), reason)
    return socket.socket(family=family, type=type_, proto=proto)
