"""``os.getpid()`` without a system call, for code that asks on every request."""

from __future__ import annotations

import os


class ProcessId:
    """The process id, read once per process and renewed in every forked child.

    prometheus_client's multiprocess values ask for it on every update, to notice a fork (a live worker's profile
    counted 8 ``getpid`` system calls per request, bench/README.md), and every JSON log line carries it.
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        os.register_at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        self.pid = os.getpid()

    def __call__(self) -> int:
        return self.pid


# The one the app's code asks (log lines, metrics): one fork hook per process, however many apps or formatters.
current_pid = ProcessId()
