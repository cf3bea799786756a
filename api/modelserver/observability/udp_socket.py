"""What the kernel knows of a UDP socket bound to a port of this network namespace: the bytes waiting in its receive
queue and the datagrams it dropped because that queue was full (``/proc/net/udp`` and ``/proc/net/udp6``).

A candidate replica's shadow listener (serving/shadow_listener.py) reads the proxy's copies from such a socket; when
the candidate falls behind, the kernel drops the copies beyond its receive buffer, and only these two figures show it.
Every process of the container shares its network namespace, so any gunicorn worker can read them for ``/metrics``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

PROC_TABLES = ("/proc/net/udp", "/proc/net/udp6")


@dataclass(frozen=True)
class UdpSocketStats:
    """Summed over the sockets bound to the port (one per address family)."""

    queued_bytes: int
    drops: int


def parse_table(text: str, port: int) -> Optional[UdpSocketStats]:
    """The figures of the sockets bound to ``port`` in one table's text, or None when no socket is."""
    queued = drops = 0
    found = False
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 13:
            continue
        local_port = fields[1].rpartition(":")[2]
        if int(local_port, 16) != port:
            continue
        found = True
        queued += int(fields[4].partition(":")[2], 16)  # tx_queue:rx_queue, in hex
        drops += int(fields[-1])
    return UdpSocketStats(queued, drops) if found else None


def read_udp_socket(port: int, tables: Iterable[str] = PROC_TABLES) -> Optional[UdpSocketStats]:
    """The figures of the UDP sockets bound to ``port``, or None when there is none (or no table to read)."""
    found: list[UdpSocketStats] = []
    for table in tables:
        try:
            with open(table, encoding="ascii") as file:
                stats = parse_table(file.read(), port)
        except OSError:
            continue
        if stats is not None:
            found.append(stats)
    if not found:
        return None
    return UdpSocketStats(sum(stats.queued_bytes for stats in found), sum(stats.drops for stats in found))
