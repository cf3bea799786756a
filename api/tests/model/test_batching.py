"""The batcher (modelserver/model/batching.py) with real models: shared calls, order, errors, waiting."""

import threading
import time

import numpy as np
import pytest

from modelserver.model.batching import Batcher
from modelserver.model.loaded_model import LoadedModel, ModelInfo, NonFiniteOutput, PredictionError

INFO = ModelInfo(
    name="m", version="1", n_features=2, feature_names=None, labels=None, digest="d", format="predictor",
    framework="python", framework_version="3", estimator="Echo", has_probabilities=True,
)


class EchoModel:
    """Answers each row with ``1000 * a + b`` (which names the row) and records every call's rows.

    A row holding 666 makes the whole call raise, a row holding 777 makes its answer NaN. ``gate`` (when set
    with ``hold``) keeps a call inside the model until the test releases it, so the test controls when the
    model is busy.
    """

    def __init__(self, batchable=True):
        self.calls = []
        self.hold = False
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.model = LoadedModel(INFO, self.predict, self.predict_proba, batchable=batchable)

    def predict(self, rows):
        self.calls.append(rows.copy())
        self.entered.set()
        if self.hold:
            self.gate.wait(10)
        if (rows == 666).any():
            raise RuntimeError("666")
        answer = 1000 * rows[:, 0] + rows[:, 1]
        answer[(rows == 777).any(axis=1)] = np.nan
        return answer

    def predict_proba(self, rows):
        return np.column_stack([rows[:, 0], rows[:, 1]])


def echo_of(rows):
    """What EchoModel answers for ``rows``."""
    return (1000 * rows[:, 0] + rows[:, 1]).tolist()


def rows_of(*values):
    return np.array([[v, v + 0.5] for v in values], dtype=np.float64)


class Recorder:
    def __init__(self):
        self.batches = []

    def __call__(self, rows, requests, waits):
        self.batches.append((rows, requests, list(waits)))


def start(fn, *args):
    result = {}

    def run():
        try:
            result["answer"] = fn(*args)
        except Exception as error:  # noqa: BLE001 (the test inspects it)
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


def busy_then_queue(batcher, echo, requests):
    """Hold the model in a first request, queue ``requests`` behind it one by one (in order), release."""
    echo.hold = True
    first = start(batcher.predict, echo.model, rows_of(1))
    wait_until(echo.entered.is_set)
    queued = []
    for rows in requests:
        queued.append(start(batcher.predict, echo.model, rows))
        wait_until(lambda: batcher.queued_requests == len(queued))
    echo.gate.set()
    for thread, _ in [first] + queued:
        thread.join(10)
    return first[1], [result for _, result in queued]


def test_a_lone_request_is_one_call_of_its_own_rows():
    echo, recorder = EchoModel(), Recorder()
    batcher = Batcher(max_rows=64, max_wait_seconds=0.001, observe=recorder)
    answer = batcher.predict(echo.model, rows_of(3, 4))
    assert answer.predictions == echo_of(rows_of(3, 4))
    assert answer.probabilities == [[3, 3.5], [4, 4.5]]
    assert len(echo.calls) == 1
    assert recorder.batches == [(2, 1, recorder.batches[0][2])]


def test_a_lone_request_waits_for_no_one_however_long_the_wait_allowed():
    echo, recorder = EchoModel(), Recorder()
    batcher = Batcher(max_rows=64, max_wait_seconds=30.0, observe=recorder)
    started = time.monotonic()
    batcher.predict(echo.model, rows_of(1))
    assert time.monotonic() - started < 10.0  # nobody announced: the 30 s maximum is never waited
    (_, _, waits), = recorder.batches
    assert waits[0] < 10.0


def test_a_lone_request_leads_at_once_without_queueing_and_its_own_announcement_keeps_no_one_waiting():
    echo, recorder = EchoModel(), Recorder()
    batcher = Batcher(max_rows=64, max_wait_seconds=30.0, observe=recorder)
    echo.hold = True

    def announced_request():
        with batcher.arrival():  # as the http layer calls it: announced while its body is read, then predict
            return batcher.predict(echo.model, rows_of(5))

    lone = start(announced_request)
    wait_until(echo.entered.is_set)
    # Inside the model: nothing queued, nobody expected, no batch waiting, and the model is taken.
    assert batcher.queued_requests == 0 and batcher.expected_requests == 0 and not batcher.waiting
    echo.gate.set()
    lone[0].join(10)
    assert lone[1]["answer"].predictions == echo_of(rows_of(5))
    assert recorder.batches == [(1, 1, [0.0])]
    assert batcher.call_seconds is not None and batcher.handoff_seconds is None  # timed; no hand-off happened


def test_a_lone_request_that_fails_gets_its_own_error_and_leaves_the_model_idle():
    echo, recorder = EchoModel(), Recorder()
    batcher = Batcher(max_rows=64, max_wait_seconds=0.0, observe=recorder)
    with pytest.raises(PredictionError):
        batcher.predict(echo.model, rows_of(666))
    with pytest.raises(NonFiniteOutput):
        batcher.predict(echo.model, rows_of(777))
    assert batcher.predict(echo.model, rows_of(3)).predictions == echo_of(rows_of(3))  # not left busy
    assert [(rows, requests) for rows, requests, _ in recorder.batches] == [(1, 1), (1, 1), (1, 1)]


def test_requests_that_queue_behind_a_lone_request_get_the_leadership_when_it_is_answered():
    echo, recorder = EchoModel(), Recorder()
    batcher = Batcher(max_rows=64, max_wait_seconds=0.0, observe=recorder)
    requests = [rows_of(10), rows_of(20, 21)]
    # The first request finds the model idle and leads alone; the others queue behind it.
    first, queued = busy_then_queue(batcher, echo, requests)
    assert first["answer"].predictions == echo_of(rows_of(1))
    np.testing.assert_array_equal(echo.calls[1], np.concatenate(requests))
    for rows, result in zip(requests, queued):
        assert result["answer"].predictions == echo_of(rows)
    assert [(rows, requests) for rows, requests, _ in recorder.batches] == [(1, 1), (3, 2)]
    assert batcher.queued_requests == 0 and batcher.predict(echo.model, rows_of(4)).predictions == echo_of(rows_of(4))


def test_requests_queued_while_the_model_is_busy_share_one_call_in_arrival_order():
    echo, recorder = EchoModel(), Recorder()
    batcher = Batcher(max_rows=64, max_wait_seconds=0.0, observe=recorder)
    requests = [rows_of(10, 11), rows_of(20), rows_of(30, 31, 32), rows_of(40)]
    first, queued = busy_then_queue(batcher, echo, requests)
    assert first["answer"].predictions == echo_of(rows_of(1))
    assert len(echo.calls) == 2
    np.testing.assert_array_equal(echo.calls[1], np.concatenate(requests))
    for rows, result in zip(requests, queued):
        assert result["answer"].predictions == echo_of(rows)
        assert result["answer"].probabilities == rows.tolist()
    assert [(rows, count) for rows, count, _ in recorder.batches] == [(1, 1), (7, 4)]


def test_a_batch_never_exceeds_max_rows_and_a_larger_request_runs_alone():
    echo = EchoModel()
    batcher = Batcher(max_rows=4, max_wait_seconds=0.0)
    requests = [rows_of(1, 2), rows_of(3, 4), rows_of(5), rows_of(*range(6, 12)), rows_of(12)]
    _, queued = busy_then_queue(batcher, echo, requests)
    sizes = [call.shape[0] for call in echo.calls[1:]]
    assert sizes == [4, 1, 6, 1]
    for rows, result in zip(requests, queued):
        assert result["answer"].predictions == echo_of(rows)


def test_a_failing_request_fails_alone():
    echo = EchoModel()
    batcher = Batcher(max_rows=64, max_wait_seconds=0.0)
    requests = [rows_of(5), rows_of(6, 666), rows_of(7), rows_of(8, 777), rows_of(9)]
    _, queued = busy_then_queue(batcher, echo, requests)
    assert isinstance(queued[1]["error"], PredictionError)
    assert isinstance(queued[3]["error"], NonFiniteOutput)
    for index in (0, 2, 4):
        rows = requests[index]
        assert "error" not in queued[index]
        assert queued[index]["answer"].predictions == echo_of(rows)


def test_each_request_gets_probabilities_only_when_it_asked():
    echo = EchoModel()
    batcher = Batcher(max_rows=64, max_wait_seconds=0.0)
    echo.hold = True
    first = start(batcher.predict, echo.model, rows_of(1))
    wait_until(echo.entered.is_set)
    without = start(batcher.predict, echo.model, rows_of(2), False)
    wait_until(lambda: batcher.queued_requests == 1)
    with_proba = start(batcher.predict, echo.model, rows_of(3), True)
    wait_until(lambda: batcher.queued_requests == 2)
    echo.gate.set()
    for thread, _ in (first, without, with_proba):
        thread.join(10)
    assert without[1]["answer"].probabilities is None
    assert without[1]["answer"].predictions == echo_of(rows_of(2))
    assert with_proba[1]["answer"].probabilities == [[3, 3.5]]


def test_a_batch_waits_for_an_announced_request_until_it_arrives():
    echo, recorder = EchoModel(), Recorder()
    batcher = Batcher(max_rows=64, max_wait_seconds=30.0, observe=recorder)
    announced = threading.Event()
    go = threading.Event()

    def late_request():
        with batcher.arrival():
            announced.set()
            go.wait(10)
            return batcher.predict(echo.model, rows_of(2))

    late = start(late_request)
    announced.wait(10)
    early = start(batcher.predict, echo.model, rows_of(1))
    wait_until(lambda: batcher.waiting)
    go.set()
    for thread, _ in (late, early):
        thread.join(10)
    assert len(echo.calls) == 1 and echo.calls[0].shape[0] == 2
    assert early[1]["answer"].predictions == echo_of(rows_of(1)) and late[1]["answer"].predictions == echo_of(rows_of(2))


def test_the_wait_for_announced_requests_ends_at_max_wait():
    echo, recorder = EchoModel(), Recorder()
    batcher = Batcher(max_rows=64, max_wait_seconds=0.05, observe=recorder)
    release = threading.Event()

    def slow_reader():
        with batcher.arrival():
            release.wait(20)  # announced, but its body never comes while the batch waits

    reader = start(slow_reader)
    wait_until(lambda: batcher.expected_requests == 1)
    answer = batcher.predict(echo.model, rows_of(1))
    (_, _, waits), = recorder.batches
    release.set()
    reader[0].join(10)
    assert answer.predictions == echo_of(rows_of(1))
    assert 0.05 <= waits[0] < 10.0  # it waited for the announced request, and gave up at max_wait
    assert batcher.expected_requests == 0


def test_a_withdrawn_announcement_ends_the_wait_at_once():
    echo, recorder = EchoModel(), Recorder()
    batcher = Batcher(max_rows=64, max_wait_seconds=30.0, observe=recorder)
    announced, fail = threading.Event(), threading.Event()

    def bad_request():
        with batcher.arrival():
            announced.set()
            fail.wait(10)
            raise ValueError("bad input: answered before it reaches the model")

    bad = start(bad_request)
    announced.wait(10)
    good = start(batcher.predict, echo.model, rows_of(1))
    wait_until(lambda: batcher.waiting)
    fail.set()
    good[0].join(10)
    bad[0].join(10)
    assert not good[0].is_alive()
    assert good[1]["answer"].predictions == echo_of(rows_of(1))
    assert isinstance(bad[1]["error"], ValueError)
    (_, _, waits), = recorder.batches
    assert waits[0] < 10.0


@pytest.mark.parametrize("batcher_rows, batchable", [(1, True), (64, False)])
def test_batching_off_or_a_model_that_does_not_accept_batches_calls_concurrently(batcher_rows, batchable):
    echo = EchoModel(batchable=batchable)
    batcher = Batcher(max_rows=batcher_rows, max_wait_seconds=0.0)
    echo.hold = True
    with batcher.arrival():
        first = start(batcher.predict, echo.model, rows_of(1))
        wait_until(echo.entered.is_set)
        # A second request reaches the model while the first is still inside it: no queue, no sharing.
        second = start(batcher.predict, echo.model, rows_of(2))
        wait_until(lambda: len(echo.calls) == 2)
    echo.gate.set()
    for thread, _ in (first, second):
        thread.join(10)
    assert second[1]["answer"].predictions == echo_of(rows_of(2))
    assert batcher.expected_requests == 0


def test_the_leadership_passes_on_when_the_leader_has_its_answer():
    echo = EchoModel()
    batcher = Batcher(max_rows=2, max_wait_seconds=0.0)
    requests = [rows_of(v) for v in range(10, 17)]
    _, queued = busy_then_queue(batcher, echo, requests)
    assert [call.shape[0] for call in echo.calls[1:]] == [2, 2, 2, 1]
    for rows, result in zip(requests, queued):
        assert result["answer"].predictions == echo_of(rows)
    assert not batcher.waiting and batcher.queued_requests == 0


def test_max_rows_must_be_positive():
    with pytest.raises(ValueError):
        Batcher(max_rows=0, max_wait_seconds=0.0)
    with pytest.raises(ValueError):
        Batcher(max_rows=1, max_wait_seconds=-1.0)


class ThreadClock:
    """A clock for the batcher whose every reading adds 1 µs, plus ``extra[thread name]`` seconds when that thread
    reads it: a thread named in ``extra`` takes that long between any two of its own readings (a model call made
    on it, or its wake-up after a hand-off), whatever the machine does."""

    def __init__(self, **extra):
        self.extra = extra
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.now += 1e-6 + self.extra.get(threading.current_thread().name, 0.0)
            return self.now


def shared_call_with_a_hand_off(batcher, echo, leader_name, follower_name):
    """One batch of two: a leader waits for an announced request, which joins it and is woken with its answer."""
    announced, go = threading.Event(), threading.Event()

    def late_request():
        with batcher.arrival():
            announced.set()
            go.wait(10)
            return batcher.predict(echo.model, rows_of(2))

    def early_request():
        announced.wait(10)
        return batcher.predict(echo.model, rows_of(1))

    late = threading.Thread(target=lambda: late_result.update(answer=late_request()), name=follower_name)
    early = threading.Thread(target=lambda: early_result.update(answer=early_request()), name=leader_name)
    late_result, early_result = {}, {}
    late.start()
    early.start()
    wait_until(lambda: batcher.waiting)
    go.set()
    for thread in (late, early):
        thread.join(10)
    assert late_result["answer"].predictions == echo_of(rows_of(2))
    assert early_result["answer"].predictions == echo_of(rows_of(1))


def test_while_a_call_is_cheaper_than_a_hand_off_each_request_calls_the_model_alone():
    echo, recorder = EchoModel(), Recorder()
    # The woken request's thread takes 5 ms to run again after its hand-off; the model's calls take microseconds.
    batcher = Batcher(max_rows=64, max_wait_seconds=30.0, observe=recorder, clock=ThreadClock(slow_waker=0.005))
    assert not batcher.calls_alone  # nothing measured yet: requests queue as before
    shared_call_with_a_hand_off(batcher, echo, "leader", "slow_waker")
    assert len(echo.calls) == 1 and echo.calls[0].shape[0] == 2
    assert batcher.handoff_seconds >= 0.005 > batcher.call_seconds
    assert batcher.calls_alone
    # Now a request that finds the model busy does not queue: it calls the model on its own thread at once.
    echo.hold = True
    echo.entered.clear()
    first = start(batcher.predict, echo.model, rows_of(3))
    wait_until(echo.entered.is_set)
    second = start(batcher.predict, echo.model, rows_of(4))
    wait_until(lambda: len(echo.calls) == 3)  # inside the model while the first call still is
    assert batcher.queued_requests == 0
    echo.gate.set()
    for thread, _ in (first, second):
        thread.join(10)
    assert first[1]["answer"].predictions == echo_of(rows_of(3))
    assert second[1]["answer"].predictions == echo_of(rows_of(4))
    assert [call.shape[0] for call in echo.calls] == [2, 1, 1]
    assert [(rows, requests, waits) for rows, requests, waits in recorder.batches[1:]] == [(1, 1, [0.0]), (1, 1, [0.0])]


def test_while_a_call_costs_more_than_a_hand_off_requests_still_share_calls():
    echo = EchoModel()
    # The leader's thread takes 5 ms between its readings: its model call costs 5 ms; the hand-off microseconds.
    batcher = Batcher(max_rows=64, max_wait_seconds=30.0, clock=ThreadClock(slow_leader=0.005))
    shared_call_with_a_hand_off(batcher, echo, "slow_leader", "waker")
    assert batcher.call_seconds >= 0.005 > batcher.handoff_seconds
    assert not batcher.calls_alone
    requests = [rows_of(10), rows_of(20, 21)]
    _, queued = busy_then_queue(batcher, echo, requests)
    np.testing.assert_array_equal(echo.calls[-1], np.concatenate(requests))  # still one shared call
    for rows, result in zip(requests, queued):
        assert result["answer"].predictions == echo_of(rows)


def test_while_requests_call_alone_the_hand_off_average_fades_and_batching_is_tried_again():
    echo = EchoModel()
    batcher = Batcher(max_rows=64, max_wait_seconds=30.0, clock=ThreadClock(slow_waker=0.005))
    shared_call_with_a_hand_off(batcher, echo, "leader", "slow_waker")
    assert batcher.calls_alone
    measured = batcher.handoff_seconds
    alone_calls = 0
    while batcher.calls_alone and alone_calls < 5000:  # no hand-off happens: nothing measures one again
        batcher.predict(echo.model, rows_of(alone_calls))
        alone_calls += 1
    assert not batcher.calls_alone
    assert 1 < alone_calls < 5000 and batcher.handoff_seconds < measured
    # Back to batching: a request that finds the model busy queues and shares the next call again.
    requests = [rows_of(10), rows_of(20)]
    _, queued = busy_then_queue(batcher, echo, requests)
    np.testing.assert_array_equal(echo.calls[-1], np.concatenate(requests))
    for rows, result in zip(requests, queued):
        assert result["answer"].predictions == echo_of(rows)
