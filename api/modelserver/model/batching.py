"""Adaptive batching: the requests that reach one worker process while the model is busy share one model call.

gunicorn's gthread worker answers requests on several threads of one process. Each thread checks its own request
(bad input is answered before it gets here) and hands its rows to ``Batcher.predict``. The first thread to find the
model idle becomes the *leader*: it runs the model itself, on its own thread, on every request queued by then (in
arrival order, up to ``max_rows`` rows), gives each request exactly its own slice of the answer, and passes the
leadership on to the oldest request still queued, if any. So a lone request goes straight to the model (no
hand-off to another thread, no waiting, not even a queued job: ``_lead_alone``), and under load one model call
answers many requests: for models whose cost is mostly per call (scikit-learn's input checks, a forest's per-tree
set-up), the rows of 16 requests cost little more than one.

A leader waits up to ``max_wait_seconds`` for more rows only while requests have arrived in this process and not
yet reached the model (``arrival()``): never for requests that may not come.

One request's failure never fails another's: when a shared call raises (or answers NaN for someone's extreme
row), each request of that batch is run again on its own, so each gets its own answer or error.

Sharing a call costs a hand-off: a queued request's thread sleeps until the leader sets its answer, and then
has to get the GIL back while the worker's other threads hold it. The batcher keeps a running average of both
(``call_seconds``: a model call as the leader makes it; ``handoff_seconds``: from the leader's ``set()`` to the
woken thread running again). While a call is cheaper than a hand-off (a model of a few NumPy operations, such as
the default model, under load), sharing cannot pay: each request calls the model on its own thread, as with
batching off, and the requests of a batch are no longer released together onto the next shared lock (the log
handler's). Both are measured, not set, and a hand-off is only measured when one happens: so while requests
call alone, the hand-off's average fades (``_HANDOFF_FADE`` per call), and batching is tried again once it is
below a call's; one slow wake-up (a CPU quota's throttled period) cannot turn batching off for good.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional, Sequence

import numpy as np

from contextlib import contextmanager

from .loaded_model import LoadedModel, Prediction

# (rows in the batch, requests in the batch, seconds each request waited in the queue)
BatchObserver = Callable[[int, int, Sequence[float]], None]

# Weight of the newest sample in the running averages of a call's and a hand-off's seconds.
_AVERAGE_WEIGHT = 0.2
# Factor on the hand-off's average after each call made alone (when no hand-off is measured): from 10x a call's
# cost back to batching in about 115 calls.
_HANDOFF_FADE = 0.98


@dataclass
class _Job:
    model: LoadedModel
    rows: np.ndarray
    probabilities: bool
    queued_at: float
    done: threading.Event = field(default_factory=threading.Event)
    leads: bool = False  # set with ``done`` to hand the leadership to this job's thread
    released_at: float = 0.0  # when ``done`` was set (to time the hand-off)
    answer: Optional[Prediction] = None
    error: Optional[BaseException] = None


class Batcher:
    """Shares model calls between the concurrent requests of one process (see the module's doc).

    ``max_rows`` 1 turns batching off: every request calls the model on its own thread, as without a batcher.
    Models that do not declare their rows independent (``LoadedModel.batchable``) are always called alone, and
    so is every request while a model call costs less than a hand-off (``calls_alone``).
    """

    def __init__(
        self,
        max_rows: int,
        max_wait_seconds: float,
        observe: Optional[BatchObserver] = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        if max_wait_seconds < 0:
            raise ValueError("max_wait_seconds must not be negative")
        self.max_rows = max_rows
        self.max_wait_seconds = max_wait_seconds
        self._observe = observe
        self._clock = clock
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)  # a job was queued or an expected one will not come
        self._queue: deque[_Job] = deque()
        self._busy = False  # a leader is running
        self._expected = 0  # requests that announced themselves (arrival) and have not queued a job yet
        self._waiting = False  # a leader is waiting for announced requests
        # Running averages (None until measured once). Updated without the lock: a racing update may be lost,
        # which an average can afford; each is one float store.
        self._call_seconds: Optional[float] = None
        self._handoff_seconds: Optional[float] = None

    @property
    def queued_requests(self) -> int:
        """Requests waiting for a model call (not counting those in the call running now)."""
        return len(self._queue)

    @property
    def expected_requests(self) -> int:
        """Requests announced with ``arrival()`` that have not reached ``predict`` (nor given up)."""
        return self._expected

    @property
    def waiting(self) -> bool:
        """Whether a batch is waiting for announced requests right now."""
        return self._waiting

    @property
    def enabled(self) -> bool:
        return self.max_rows > 1

    @property
    def call_seconds(self) -> Optional[float]:
        """Running average of a model call made by a leader or alone, in seconds (None before the first)."""
        return self._call_seconds

    @property
    def handoff_seconds(self) -> Optional[float]:
        """Running average from a leader's ``set()`` to the woken request's thread running again (None before one)."""
        return self._handoff_seconds

    @property
    def calls_alone(self) -> bool:
        """Whether requests call the model on their own threads now, since a call costs less than a hand-off."""
        call, handoff = self._call_seconds, self._handoff_seconds
        return call is not None and handoff is not None and call < handoff

    @contextmanager
    def arrival(self) -> Iterator["Batcher"]:
        """Announce a request that will probably call ``predict`` soon (its body is being read and checked).

        A leader may wait up to ``max_wait_seconds`` for announced requests; leaving the block without a
        ``predict`` (bad input) withdraws the announcement.
        """
        if not self.enabled:
            yield self
            return
        with self._lock:
            self._expected += 1
        token = _ArrivalToken()
        _current_arrival.token = token
        try:
            yield self
        finally:
            _current_arrival.token = None
            if not token.used:
                with self._lock:
                    self._expected -= 1
                    self._arrived.notify_all()

    def predict(self, model: LoadedModel, rows: np.ndarray, probabilities: bool = True) -> Prediction:
        """``model.predict(rows, probabilities)``, possibly in one call with other requests' rows."""
        if not self.enabled or not model.batchable:
            self._withdraw_arrival()
            return model.predict(rows, probabilities=probabilities)
        if self.calls_alone:
            self._withdraw_arrival()
            return self._call_alone(model, rows, probabilities)
        queued_at = self._clock()
        job: Optional[_Job] = None
        with self._lock:
            self._withdraw_arrival_locked()
            if not self._busy and self._expected <= 0:
                # The model is idle and no request is on its way: this one leads a batch of its own at once, with
                # no job to queue and no event to set (see ``_lead_alone``).
                self._busy = True
            else:
                job = _Job(model, rows, probabilities, queued_at)
                self._queue.append(job)
                if self._busy:
                    self._arrived.notify_all()
                    leader = False
                else:
                    self._busy = True
                    leader = True
        if job is None:
            return self._lead_alone(model, rows, probabilities)
        if not leader:
            job.done.wait()
            self._handoff_seconds = _averaged(self._handoff_seconds, self._clock() - job.released_at)
            if not job.leads:
                return _result(job)
        self._lead()
        return _result(job)

    def _withdraw_arrival(self) -> None:
        token = getattr(_current_arrival, "token", None)
        if token is not None and not token.used:
            with self._lock:
                self._withdraw_arrival_locked()

    def _withdraw_arrival_locked(self) -> None:
        token = getattr(_current_arrival, "token", None)
        if token is not None and not token.used:
            token.used = True
            self._expected -= 1

    def _lead(self) -> None:
        """Run one batch (it starts with this thread's own job), then hand the leadership on."""
        try:
            batch = self._take()
            self._run(batch)
        finally:
            self._pass_leadership()

    def _lead_alone(self, model: LoadedModel, rows: np.ndarray, probabilities: bool) -> Prediction:
        """A leader's batch of one request that found the model idle and nobody announced: what ``_lead`` does for
        it (``_own_call``, then the leadership handed on to whoever queued meanwhile), without the job, the event
        and the queue a batch needs."""
        try:
            return self._own_call(model, rows, probabilities)
        finally:
            self._pass_leadership()

    def _pass_leadership(self) -> None:
        """Wake the oldest queued request to lead the next batch, or leave the model idle."""
        with self._lock:
            if self._queue:
                successor = self._queue[0]
                successor.leads = True
                successor.released_at = self._clock()
                successor.done.set()
            else:
                self._busy = False

    def _take(self) -> list[_Job]:
        """The oldest queued jobs of one model, at most ``max_rows`` rows (the oldest job always)."""
        with self._lock:
            first = self._queue.popleft()
            first.leads = False
            batch = [first]
            rows = first.rows.shape[0]
            deadline = first.queued_at + self.max_wait_seconds
            while rows < self.max_rows:
                if self._queue:
                    nxt = self._queue[0]
                    if nxt.model is not first.model or rows + nxt.rows.shape[0] > self.max_rows:
                        break
                    batch.append(self._queue.popleft())
                    rows += nxt.rows.shape[0]
                    continue
                remaining = deadline - self._clock()
                if self._expected <= 0 or remaining <= 0:
                    break
                self._waiting = True
                self._arrived.wait(remaining)
                self._waiting = False
            return batch

    def _call_alone(self, model: LoadedModel, rows: np.ndarray, probabilities: bool) -> Prediction:
        """One request's own call while calls are cheaper than hand-offs (``calls_alone``); no hand-off is measured
        meanwhile, so the hand-off's average fades."""
        try:
            return self._own_call(model, rows, probabilities)
        finally:
            if self._handoff_seconds is not None:
                self._handoff_seconds *= _HANDOFF_FADE

    def _own_call(self, model: LoadedModel, rows: np.ndarray, probabilities: bool) -> Prediction:
        """One request's call on its own thread, timed into ``call_seconds`` and observed as a batch of one that
        waited for nothing."""
        started = self._clock()
        try:
            return model.predict(rows, probabilities=probabilities)
        finally:
            self._call_seconds = _averaged(self._call_seconds, self._clock() - started)
            if self._observe is not None:
                self._observe(rows.shape[0], 1, [0.0])

    def _run(self, batch: list[_Job]) -> None:
        started = self._clock()
        try:
            if len(batch) == 1:
                _run_alone(batch[0])
            else:
                self._run_together(batch)
        finally:
            finished = self._clock()
            self._call_seconds = _averaged(self._call_seconds, finished - started)
            if self._observe is not None:
                rows = sum(job.rows.shape[0] for job in batch)
                self._observe(rows, len(batch), [started - job.queued_at for job in batch])
            released = self._clock()
            for job in batch:
                job.released_at = released
                job.done.set()

    def _run_together(self, batch: list[_Job]) -> None:
        model = batch[0].model
        want_probabilities = any(job.probabilities for job in batch)
        rows = np.concatenate([job.rows for job in batch])
        try:
            shared = model.predict(rows, probabilities=want_probabilities)
        except Exception:
            # Someone's rows made the shared call fail: each request gets its own answer or its own error.
            for job in batch:
                _run_alone(job)
            return
        start = 0
        for job in batch:
            end = start + job.rows.shape[0]
            probabilities = None
            if job.probabilities and shared.probabilities is not None:
                probabilities = shared.probabilities[start:end]
            job.answer = Prediction(predictions=shared.predictions[start:end], probabilities=probabilities)
            start = end


class _ArrivalToken:
    __slots__ = ("used",)

    def __init__(self) -> None:
        self.used = False


_current_arrival = threading.local()


def _averaged(average: Optional[float], sample: float) -> float:
    return sample if average is None else average + _AVERAGE_WEIGHT * (sample - average)


def _run_alone(job: _Job) -> None:
    try:
        job.answer = job.model.predict(job.rows, probabilities=job.probabilities)
    except Exception as error:  # re-raised in the request's own thread
        job.error = error


def _result(job: _Job) -> Prediction:
    if job.error is not None:
        raise job.error
    assert job.answer is not None
    return job.answer
