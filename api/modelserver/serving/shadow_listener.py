"""The shadow listener of a candidate replica: takes the proxy's copies of mirrored requests and replays them here.

With shadow traffic on, nginx sends a copy of each mirrored request, after its client has stable's answer, as one UDP
datagram (an access log line sent to syslog, forwarded by the proxy's stream server to ``SHADOW_PORT`` of a
candidate replica). The datagram is a syslog header followed by one JSON object::

    <190>Dec  6 07:38:28 model_service_shadow: {"method": "POST", "uri": "/predict", "headers": {...}, "body": "..."}

``headers`` are the ones to send (an empty value: the client sent none), among them ``X-Model-Service-Shadow: 1``;
``body`` is the request body as a string. The listener answers each copy with its own instance of the app, called
in this process as gunicorn calls it, and drops the answer, which nobody else sees: the api counts the request as
shadow traffic, with its agreement with the reference model (modelserver/http/shadow.py). Sending a datagram costs
nginx one write and waits for nobody, so the candidate's pace never reaches a client; when the candidate falls
behind, the socket's receive buffer fills and the kernel drops the copies beyond it (``/metrics`` shows how many).

Why in this process, not over HTTP to the replica's gunicorn: the candidate shares the host's CPUs with stable, and
each copy's CPU is taken from stable's clients. At a steady 100 copies a second a replay over loopback HTTP cost the
candidate about 2.6 ms of CPU per copy with the default model (about 0.5 ms in the listener's ``http.client``, the
rest in gunicorn's workers); answered here it costs about a third of that, and 1.7-1.9 ms less with tree models
(bench/results/profile/2026-12-07-shadow-listener.md).

gunicorn's master starts it (gunicorn.conf.py, ``when_ready``) in a process of its own on candidate replicas only;
it holds one more copy of the app, the model and the reference model.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import signal
import socket
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Optional
from urllib.parse import unquote

from flask import Flask

from ..http.app import create_app
from ..observability.logs import buffer_log_lines, flush_log_lines, get_logger
from .worker import LOG_BUFFER_BYTES, LOG_BUFFER_SECONDS

# How long the listener waits for a datagram before it looks at its stop flag again.
WAIT_SECONDS = 0.5
# How long the listener sleeps once it has replayed every copy waiting. A copy's answer is read by nobody, so the
# delay costs nothing; the socket's receive buffer (about 200 KiB) holds the copies that arrive meanwhile at rates
# far above what one process replays.
GATHER_SECONDS = 0.05
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


def wsgi_environ(copy: ShadowCopy) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of ``copy``, as a server in front of the app would make it."""
    path, _, query = copy.uri.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": copy.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(path, encoding="latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "0",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(copy.body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(copy.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in copy.headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return environ


def replay(app: Flask, copy: ShadowCopy) -> int:
    """Answer ``copy`` with ``app`` in this process, as gunicorn would call it, and return the answer's status.

    Not werkzeug's test tools (``EnvironBuilder``, the test client): profiled, they cost 0.2-0.4 ms a copy, as much as
    the app's own work; the environ above is what PEP 3333 asks of a server."""
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
        statuses.append(status)
        return lambda data: None

    body = app(wsgi_environ(copy), start_response)
    try:
        for _ in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return int(statuses[-1].split(" ", 1)[0])


class Watchdog:
    """Starts the listener afresh when one replay takes longer than ``timeout`` seconds, as gunicorn replaces a
    worker whose request outlasts its timeout: a model call cannot be interrupted, and a listener stuck in one
    would replay nothing more. The new program has the same process ID, so gunicorn's master still stops it."""

    def __init__(self, timeout: float, argv: list[str], stop: threading.Event) -> None:
        self._timeout, self._argv, self._stop = timeout, argv, stop
        self._started: Optional[float] = None
        threading.Thread(target=self._watch, name="shadow-watchdog", daemon=True).start()

    @contextmanager
    def replaying(self) -> Iterator[None]:
        """Time the replay that runs inside this block."""
        self._started = time.monotonic()
        try:
            yield
        finally:
            self._started = None

    def _watch(self) -> None:
        while not self._stop.wait(min(1.0, self._timeout / 4)):
            started = self._started
            if started is not None and time.monotonic() - started > self._timeout:
                fields = {"event": "shadow_replay_timeout", "timeout_seconds": self._timeout}
                get_logger().error("shadow replay timed out: the listener starts afresh", extra={"fields": fields})
                flush_log_lines()
                os.execv(sys.executable, [sys.executable, "-m", __spec__.name, *self._argv])


def serve(sock: socket.socket, app: Flask, stop: threading.Event, watchdog: Watchdog) -> None:
    """Replay every copy that arrives on ``sock`` with ``app`` until ``stop`` is set.

    One thread, one copy at a time. Once the socket holds no more copies, the log lines are written together and
    the listener sleeps ``GATHER_SECONDS`` before it looks again, so it wakes once for several copies instead of once
    for each: at 100 copies a second that took its CPU per copy from about 1.2 ms to 0.8 ms.
    """
    while not stop.is_set():
        try:
            first = sock.recv(MAX_DATAGRAM_BYTES)
        except socket.timeout:
            continue
        except OSError:
            return
        for datagram in itertools.chain([first], _waiting(sock, stop)):
            copy = parse_copy(datagram)
            if copy is not None:
                with watchdog.replaying():
                    replay(app, copy)
        flush_log_lines()
        stop.wait(GATHER_SECONDS)


def _waiting(sock: socket.socket, stop: threading.Event) -> Iterator[bytes]:
    """The datagrams already in ``sock``, without waiting for more; a steady stream of copies never empties the socket,
    so it also ends when ``stop`` is set."""
    sock.settimeout(0.0)
    try:
        while not stop.is_set():
            try:
                yield sock.recv(MAX_DATAGRAM_BYTES)
            except OSError:  # BlockingIOError: none waiting
                return
    finally:
        sock.settimeout(WAIT_SECONDS)


def open_socket(port: int) -> socket.socket:
    """The listener's UDP socket on every address of the container, with a short timeout so ``serve`` sees ``stop``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))
    sock.settimeout(WAIT_SECONDS)
    return sock


def main(argv: Optional[list[str]] = None) -> None:
    """Run until SIGTERM or SIGINT, with the settings gunicorn's master passes (startup.start_shadow_listener)."""
    arguments = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="shadow_listener", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="UDP port to listen on (SHADOW_PORT)")
    parser.add_argument("--timeout", type=float, required=True, help="seconds one replay may take")
    args = parser.parse_args(arguments)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    sock = open_socket(args.port)  # first: the kernel keeps the copies that arrive while the app is built
    app = create_app()  # the master has built it once already: a model that cannot load never gets here
    buffer_log_lines(LOG_BUFFER_BYTES, LOG_BUFFER_SECONDS)
    get_logger().info("shadow listener ready", extra={"fields": {"event": "shadow_listener_ready", "port": args.port}})
    flush_log_lines()
    try:
        serve(sock, app, stop, Watchdog(args.timeout, arguments, stop))
    finally:
        sock.close()
        flush_log_lines()


if __name__ == "__main__":
    main()
