"""gunicorn's workers with the app's log lines written in batches (see observability.logs._StdoutHandler).

Both keep INFO lines and write them together: when they reach ``LOG_BUFFER_BYTES``, when the oldest is
``LOG_BUFFER_SECONDS`` old as another line arrives, at once for a WARNING or worse, and when the worker is about to
wait with no request to answer, so an idle worker holds no line. gunicorn.conf.py's worker_exit writes what is left
as the worker exits (also after an abort for a timeout) and has every later line written at once.

- One thread, ``sync``: the worker answers one request at a time and, between requests, only waits for the next
  connection. It flushes each time it is about to wait.
- More threads, ``gthread`` (gunicorn 20.1's ``ThreadWorker``): the main thread waits on its poller for
  connections and hands each to a pool thread (``enqueue_req``), which reads the request and answers it
  (``handle``). The worker counts the connections handed over and not yet answered; its poller flushes before it
  waits when that count is 0, and while it is not, waits at most ``LOG_BUFFER_SECONDS`` (instead of gthread's 1 s),
  so the last lines of a burst reach the log within that bound once the pool is done. Flushing in the pool thread
  that answers the last connection instead wrote every 4 requests or so at 16 threads under load (the pool often
  empties between two accepts), against every 17 from the poller (bench/results/profile/2026-12-06-gthread-logs.txt).
  The handler's lock keeps the lines of concurrent threads in the order they were logged.
"""

from __future__ import annotations

import selectors
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
    """``gthread`` with batched log writes: the same request handling, with a poller that flushes when the worker
    is idle (``_IdleFlushingSelector``)."""

    def init_process(self) -> None:
        self.pending = 0  # connections handed to the pool and not yet answered
        self._pending_lock = threading.Lock()
        buffer_log_lines(LOG_BUFFER_BYTES, LOG_BUFFER_SECONDS)
        super().init_process()  # ThreadWorker's makes the pool and the poller, loads the app and runs

    def run(self) -> None:
        self.poller.close()  # nothing is registered with gthread's own poller before run()
        self.poller = _IdleFlushingSelector(self)
        super().run()

    def enqueue_req(self, conn) -> None:
        self._count(1)
        try:
            super().enqueue_req(conn)
        except BaseException:
            self._count(-1)  # never handed over: handle() will not count it down
            raise

    def handle(self, conn):
        try:
            return super().handle(conn)
        finally:
            self._count(-1)

    def _count(self, change: int) -> None:
        with self._pending_lock:
            self.pending += change


class _IdleFlushingSelector(selectors.DefaultSelector):
    """gthread's poller: writes the held log lines before it waits with no request pending, and while requests are
    pending wakes within ``LOG_BUFFER_SECONDS`` to look again."""

    def __init__(self, worker: BatchedLogThreadWorker) -> None:
        super().__init__()
        self._worker = worker

    def select(self, timeout=None):
        if self._worker.pending:
            timeout = LOG_BUFFER_SECONDS if timeout is None else min(timeout, LOG_BUFFER_SECONDS)
        else:
            flush_log_lines()
        return super().select(timeout)
