"""gunicorn's workers with the app's log lines written in batches (see observability.logs._StdoutHandler).

Both keep INFO lines and write them together: when they reach ``LOG_BUFFER_BYTES``, when the oldest is
``LOG_BUFFER_SECONDS`` old, at once for a WARNING or worse, and whenever the worker goes idle, so an idle worker
holds no line. gunicorn.conf.py's worker_exit writes what is left as the worker exits (also after an abort for a
timeout) and has every later line written at once.

- One thread, ``sync``: the worker answers one request at a time and, between requests, only waits for the next
  connection. It flushes each time it is about to wait.
- More threads, ``gthread`` (gunicorn 20.1's ``ThreadWorker``): the main thread accepts connections and hands
  each to a pool thread (``enqueue_req``), which reads the request and answers it (``handle``). The worker counts
  the connections handed over and not yet answered; the pool thread that answers the last of them flushes. The
  handler's lock keeps the lines of concurrent threads in the order they were logged.
"""

from __future__ import annotations

import threading

from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from ..observability.logs import buffer_log_lines, flush_log_lines

# About 55 request lines; far below a pipe's 64 KiB, so one write never blocks on a reader that keeps up.
LOG_BUFFER_BYTES = 16 * 1024
# The longest a line waits under load that never lets the worker go idle.
LOG_BUFFER_SECONDS = 0.1


class BatchedLogSyncWorker(SyncWorker):
    """``sync`` with batched log writes: the same request handling, fewer writes (one per ~55 requests)."""

    def init_process(self) -> None:
        buffer_log_lines(LOG_BUFFER_BYTES, LOG_BUFFER_SECONDS)
        super().init_process()

    def wait(self, timeout):
        flush_log_lines()
        return super().wait(timeout)


class BatchedLogThreadWorker(ThreadWorker):
    """``gthread`` with batched log writes: the same request handling; the lines are written when no connection
    is waiting for or in a pool thread, or by the buffer's bounds."""

    def init_process(self) -> None:
        self._pending = 0  # connections handed to the pool and not yet answered
        self._pending_lock = threading.Lock()
        buffer_log_lines(LOG_BUFFER_BYTES, LOG_BUFFER_SECONDS)
        super().init_process()

    def run(self) -> None:
        flush_log_lines()  # the lines of the app's start (the model loaded), before the first wait
        super().run()

    def enqueue_req(self, conn) -> None:
        with self._pending_lock:
            self._pending += 1
        try:
            super().enqueue_req(conn)
        except BaseException:
            self._answered()  # never handed over: handle() will not count it down
            raise

    def handle(self, conn):
        try:
            return super().handle(conn)
        finally:
            self._answered()

    def _answered(self) -> None:
        with self._pending_lock:
            self._pending -= 1
            idle = self._pending == 0
        if idle:
            flush_log_lines()
