"""Structured logging: one JSON object per line.

Log calls pass their structured data as ``extra={"fields": {...}}``; the formatter merges those
fields into the line next to ``ts``, ``level``, ``logger`` and ``message``. Exceptions are kept on
the same line (``exc``) so a traceback never spreads over many lines of a log collector.
"""

from __future__ import annotations

import atexit
import json
import logging
import queue
import sys
import threading
from datetime import datetime, timezone
from typing import Optional

LOGGER_NAME = "modelserver"


class JsonFormatter(logging.Formatter):
    """Formats a record as a single line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is at emit time (so redirection keeps working)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


class BackgroundStdoutHandler(logging.Handler):
    """Hands records to a writer thread, which formats them and writes whatever has queued up in one write.

    Profiled under load (bench/README.md), writing the per-request line to stdout was a third of a
    request's time in a gunicorn worker: stdout is a pipe that Docker's log driver drains, and a write
    waits whenever the driver is behind. Here the request thread only queues the record. Nothing is
    dropped: when ``max_pending`` records wait, the logging thread waits too (the old behaviour).
    ``close`` (also run at interpreter exit) writes every queued line before it returns.
    """

    def __init__(self, max_pending: int = 10_000, batch: int = 256):
        super().__init__()
        self._queue: "queue.Queue[Optional[logging.LogRecord]]" = queue.Queue(max_pending)
        self._batch = batch
        self._thread = threading.Thread(target=self._write_forever, name="modelserver-log-writer", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def emit(self, record: logging.LogRecord) -> None:
        if self._thread.is_alive():
            self._queue.put(record)
        else:  # closed: write in the caller, as the plain handler does
            self._write([record])

    def _write_forever(self) -> None:
        while True:
            records = [self._queue.get()]
            while len(records) < self._batch:
                try:
                    records.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = records[-1] is None
            self._write([record for record in records if record is not None])
            if stop:
                return

    def _write(self, records: list) -> None:
        if not records:
            return
        lines = []
        for record in records:
            try:
                lines.append(self.format(record))
            except Exception:  # noqa: BLE001  (logging must never take the writer down)
                self.handleError(record)
        try:
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()
        except Exception:  # noqa: BLE001
            self.handleError(records[0])

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=10)
        super().close()


def use_background_writer(logger: Optional[logging.Logger] = None) -> BackgroundStdoutHandler:
    """Make the app's logger write through a ``BackgroundStdoutHandler`` in this process.

    gunicorn.conf.py calls this in every worker right after the fork (a thread started in the master
    would not exist in the workers); tests and a plain ``create_app()`` keep the synchronous handler,
    so a line is on stdout when the call that logged it returns.
    """
    logger = logger or get_logger()
    for handler in list(logger.handlers):
        if isinstance(handler, (_StdoutHandler, BackgroundStdoutHandler)):
            logger.removeHandler(handler)
    background = BackgroundStdoutHandler()
    background.setFormatter(JsonFormatter())
    logger.addHandler(background)
    return background


def stop_background_writer(logger: Optional[logging.Logger] = None) -> None:
    """Write every queued line and go back to writing synchronously (gunicorn's worker_exit)."""
    logger = logger or get_logger()
    for handler in list(logger.handlers):
        if isinstance(handler, BackgroundStdoutHandler):
            handler.close()
            logger.removeHandler(handler)
    _attach_stdout_handler(logger)


def _attach_stdout_handler(logger: logging.Logger) -> None:
    if not any(isinstance(h, _StdoutHandler) for h in logger.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)


def get_logger() -> logging.Logger:
    """The app's logger: JSON lines on stdout, INFO and up; configured once per process."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(h, (_StdoutHandler, BackgroundStdoutHandler)) for h in logger.handlers):
        _attach_stdout_handler(logger)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger
