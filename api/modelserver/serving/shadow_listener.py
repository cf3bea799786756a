"""The shadow listener of a candidate replica: takes the proxy's copies of mirrored requests and replays them here.

With shadow traffic on, nginx sends a copy of each mirrored request, after its client has stable's answer, as one UDP
datagram (an access log line sent to syslog, forwarded by the proxy's stream server to ``SHADOW_PORT`` of a
candidate replica). The datagram is a syslog header followed by one JSON object::

    <190>Dec  6 07:38:28 model_service_shadow: {"method": "POST", "uri": "/predict", "headers": {...}, "body": "..."}

``headers`` are the ones to send (an empty value: the client sent none), among them ``X-Model-Service-Shadow: 1``;
``body`` is the request body as a string. The listener replays each copy to this replica's gunicorn over loopback
and reads the answer, which nobody else sees: the api counts the request as shadow traffic, with its agreement with
the reference model (modelserver/http/shadow.py). Sending a datagram costs nginx one write and waits for nobody, so
the candidate's pace never reaches a client; when the candidate falls behind, the socket's receive buffer fills and
the kernel drops the copies beyond it.

gunicorn's master starts it (gunicorn.conf.py, ``when_ready``) in a process of its own on candidate replicas only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import socket
import threading
from dataclasses import dataclass
from typing import Mapping, Optional

from ..observability.logs import get_logger

# The largest UDP payload; nginx sends a copy only when the request's body fits (components/nginx/options.ts).
MAX_DATAGRAM_BYTES = 65_535


@dataclass(frozen=True)
class ShadowCopy:
    """One mirrored request, as the listener replays it."""

    method: str
    uri: str
    headers: Mapping[str, str]
    body: bytes


def parse_copy(datagram: bytes) -> Optional[ShadowCopy]:
    """The copy a datagram carries, or None when it carries none (not nginx's format, not JSON, wrong shapes)."""
    start = datagram.find(b"{")
    if start < 0:
        return None
    try:
        record = json.loads(datagram[start:])
    except ValueError:  # not JSON, or not UTF-8
        return None
    if not isinstance(record, dict):
        return None
    method, uri, headers, body = (record.get(key) for key in ("method", "uri", "headers", "body"))
    if not (isinstance(method, str) and method.isalpha() and isinstance(uri, str) and uri.startswith("/")):
        return None
    if not (isinstance(headers, dict) and all(isinstance(value, str) for value in headers.values())):
        return None
    if not isinstance(body, str):
        return None
    if any(character in uri for character in " \r\n") or any("\r" in value or "\n" in value for value in headers.values()):
        return None
    return ShadowCopy(method, uri, {name: value for name, value in headers.items() if value != ""}, body.encode("utf-8"))


class Replayer:
    """Replays copies to the api at ``host:port`` over one keep-alive connection, opened again when it breaks."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self._host, self._port, self._timeout = host, port, timeout
        self._connection: Optional[http.client.HTTPConnection] = None

    def replay(self, copy: ShadowCopy) -> Optional[int]:
        """The api's status for ``copy``, or None when it could not be sent or answered. A kept connection that the
        server closed meanwhile fails at once, so a failure gets one more try on a new connection."""
        for _ in range(2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                self._connection.request(copy.method, copy.uri, body=copy.body, headers=dict(copy.headers))
                response = self._connection.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status
            except (OSError, http.client.HTTPException):
                self.close()
        return None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def api_address(bind: str) -> tuple[str, int]:
    """Where this replica's gunicorn is reached over loopback, from its bind address (``host:port``)."""
    host, _, port = bind.rpartition(":")
    return ("127.0.0.1" if host in ("", "0.0.0.0", "[::]") else host.strip("[]"), int(port))


def serve(sock: socket.socket, api: tuple[str, int], replayers: int, timeout: float, stop: threading.Event) -> list[threading.Thread]:
    """Start ``replayers`` threads that read copies from ``sock`` and replay each to ``api`` until ``stop`` is set."""

    def loop() -> None:
        replayer = Replayer(api[0], api[1], timeout)
        while not stop.is_set():
            try:
                datagram = sock.recv(MAX_DATAGRAM_BYTES)
            except socket.timeout:
                continue
            except OSError:
                return
            copy = parse_copy(datagram)
            if copy is not None:
                replayer.replay(copy)
        replayer.close()

    threads = [threading.Thread(target=loop, name=f"shadow-replayer-{index}", daemon=True) for index in range(replayers)]
    for thread in threads:
        thread.start()
    return threads


def open_socket(port: int) -> socket.socket:
    """The listener's UDP socket on every address of the container, with a short timeout so threads see ``stop``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))
    sock.settimeout(0.5)
    return sock


def main(argv: Optional[list[str]] = None) -> None:
    """Run until SIGTERM or SIGINT, with the settings gunicorn's master passes (startup.start_shadow_listener)."""
    parser = argparse.ArgumentParser(prog="shadow_listener", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="UDP port to listen on (SHADOW_PORT)")
    parser.add_argument("--api", required=True, help="gunicorn's bind address, host:port")
    parser.add_argument("--replayers", type=int, required=True, help="copies replayed at once")
    parser.add_argument("--timeout", type=float, required=True, help="seconds a replayed request may take")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    sock = open_socket(args.port)
    threads = serve(sock, api_address(args.api), args.replayers, args.timeout, stop)
    get_logger().info(
        "shadow listener ready",
        extra={"fields": {"event": "shadow_listener_ready", "port": args.port, "replayers": args.replayers}},
    )
    stop.wait()
    for thread in threads:
        thread.join(timeout=2)
    sock.close()


if __name__ == "__main__":
    main()
