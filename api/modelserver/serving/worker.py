"""gunicorn's sync worker with the app's log lines written in batches (see observability.logs._StdoutHandler).

The worker answers one request at a time and, between requests, only waits for the next connection. It flushes
the buffered lines each time it is about to wait, so a line reaches the log as soon as the worker has nothing
else to do; under steady load the buffer's size and age bounds write it. gunicorn.conf.py's worker_exit flushes
it as the worker exits, also after an abort for a timeout.
"""

from __future__ import annotations

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
