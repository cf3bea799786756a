"""Structured logging: one JSON object per line.

Log calls pass their structured data as ``extra={"fields": {...}}``; the formatter merges those
fields into the line next to ``ts``, ``level``, ``logger`` and ``message``. Exceptions are kept on
the same line (``exc``) so a traceback never spreads over many lines of a log collector.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import time

from .process_id import current_pid

LOGGER_NAME = "modelserver"


def lean_log_records() -> None:
    """Stop ``logging`` from gathering what no line here prints: the caller's frame, thread and process.

    These are the switches of the Python logging HOWTO's "Optimization" section. Every LogRecord otherwise walks
    the stack to find its caller, looks up the current thread and process name and asks the kernel for the pid;
    measured in a request of the default model, the request's log line cost 54 us of its 352 (bench/README.md).
    ``JsonFormatter`` takes the pid from the cached ``current_pid``. Process-wide, so gunicorn.conf.py calls it.
    """
    logging._srcfile = None  # the HOWTO's documented switch for findCaller
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


class JsonFormatter(logging.Formatter):
    """Formats a record as a single line of JSON."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": self.utc_timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": current_pid(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)

    def utc_timestamp(self, created: float) -> str:
        """``datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="milliseconds")``, with the date and
        time of day formatted once per second (that call took 1.6 us of a line's 13, this 0.6)."""
        fraction, whole = math.modf(created)
        micros = round(fraction * 1_000_000)  # rounded half to even, as datetime rounds a timestamp
        second = int(whole) + micros // 1_000_000
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._second_text}.{micros % 1_000_000 // 1000:03d}+00:00"


class _StdoutHandler(logging.Handler):
    """Writes each line to whatever ``sys.stdout`` is at write time (so redirection keeps working).

    Unbuffered by default: every line is written at once. ``buffer_lines`` (gunicorn's workers turn it on,
    serving/worker.py) keeps INFO lines and writes them together, in order, with one write: when they reach
    ``max_bytes``, when the oldest is ``max_delay`` seconds old, when a WARNING or worse arrives, and whenever
    ``flush`` is called (the worker calls it each time it goes idle, and as it exits). Profiled in a worker, the
    write of each request's line was its costliest single call (83 µs per request under cProfile, more than
    the model's two input checks together) and woke Docker's log reader once per request.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lines: list[str] = []
        self._size = 0
        self._oldest = 0.0
        self._max_bytes = 0
        self._max_delay = 0.0

    def buffer_lines(self, max_bytes: int, max_delay: float) -> None:
        """Keep up to ``max_bytes`` of lines for up to ``max_delay`` seconds; 0 bytes writes every line at once.

        The lines held so far are written under the same lock, so no thread's line stays behind unwritten."""
        with self.lock:
            self._max_bytes, self._max_delay = max_bytes, max_delay
            self.flush()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
        except Exception:  # noqa: BLE001  (logging's contract: report a broken record, never raise)
            self.handleError(record)
            return
        now = time.monotonic()
        if not self._lines:
            self._oldest = now
        self._lines.append(line)
        self._size += len(line)
        if (
            self._size >= self._max_bytes
            or record.levelno >= logging.WARNING
            or now - self._oldest >= self._max_delay
        ):
            try:
                self._write()
            except Exception:  # noqa: BLE001  (a broken stdout must not fail the request that logged)
                self.handleError(record)

    def flush(self) -> None:
        with self.lock:
            try:
                self._write()
            except Exception:  # noqa: BLE001  (nor the worker that flushes as it goes idle or exits)
                self.handleError(logging.makeLogRecord({"msg": "writing buffered log lines"}))

    def _write(self) -> None:
        if not self._lines:
            return
        lines, self._lines, self._size = self._lines, [], 0  # taken first: a flush from a signal handler skips them
        text = "".join(lines)
        stream = sys.stdout
        stream.write(text)
        stream.flush()


def stdout_handler(logger: logging.Logger) -> "_StdoutHandler | None":
    """The logger's JSON stdout handler, when get_logger has set it up."""
    return next((h for h in logger.handlers if isinstance(h, _StdoutHandler)), None)


def get_logger() -> logging.Logger:
    """The app's logger: JSON lines on stdout, INFO and up; configured once per process.

    Lines are written by the thread that logs. A writer thread per gunicorn worker was tried and profiled: its
    GIL hand-offs with the request thread (about 35 futex calls a request) cost more than the write it took off
    the request, 20-30% of a worker's throughput (bench/README.md). Batching the writes in the same thread
    (``_StdoutHandler.buffer_lines``) costs no hand-off.
    """
    logger = logging.getLogger(LOGGER_NAME)
    if stdout_handler(logger) is None:
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def buffer_log_lines(max_bytes: int, max_delay: float) -> None:
    """Batch the app logger's stdout writes (see ``_StdoutHandler``)."""
    handler = stdout_handler(get_logger())
    assert handler is not None
    handler.buffer_lines(max_bytes, max_delay)


def flush_log_lines() -> None:
    """Write the app logger's buffered lines now."""
    handler = stdout_handler(logging.getLogger(LOGGER_NAME))
    if handler is not None:
        handler.flush()
