"""The app logger's stdout handler: one JSON line per record, written at once or in batches."""

import json
import logging

import pytest

from modelserver.observability import logs


@pytest.fixture
def handler():
    """The app logger's handler, put back to writing every line at once afterwards."""
    logs.get_logger()
    handler = logs.stdout_handler(logging.getLogger(logs.LOGGER_NAME))
    yield handler
    handler.buffer_lines(0, 0.0)


def info(n):
    logs.get_logger().info("line", extra={"fields": {"n": n}})


def written(capsys):
    return [json.loads(line)["n"] for line in capsys.readouterr().out.splitlines()]


def test_every_line_is_written_at_once_by_default(handler, capsys):
    info(1)
    assert written(capsys) == [1]
    info(2)
    assert written(capsys) == [2]


def test_buffered_lines_wait_for_the_size_bound_then_go_out_together_in_order(handler, capsys):
    record = logging.makeLogRecord({"msg": "line", "name": "modelserver", "levelname": "INFO", "fields": {"n": 0}})
    line_size = len(logs.JsonFormatter().format(record)) + 1
    handler.buffer_lines(max_bytes=int(line_size * 4.5), max_delay=60.0)
    for n in range(4):
        info(n)
    assert written(capsys) == []
    info(4)  # five lines reach the bound: one write of all five
    assert written(capsys) == [0, 1, 2, 3, 4]
    info(5)
    info(6)
    assert written(capsys) == []
    logs.flush_log_lines()
    assert written(capsys) == [5, 6]


def test_a_warning_writes_the_lines_before_it_and_itself(handler, capsys):
    handler.buffer_lines(max_bytes=1 << 20, max_delay=60.0)
    info(1)
    info(2)
    logs.get_logger().warning("careful", extra={"fields": {"n": 3}})
    assert written(capsys) == [1, 2, 3]


def test_a_line_older_than_the_delay_bound_sends_the_batch(handler, capsys, monkeypatch):
    clock = iter([100.0, 100.05, 100.2])
    monkeypatch.setattr(logs.time, "monotonic", lambda: next(clock))
    handler.buffer_lines(max_bytes=1 << 20, max_delay=0.1)
    info(1)
    info(2)
    assert written(capsys) == []
    info(3)  # the first line is 0.2 s old now
    assert written(capsys) == [1, 2, 3]


def test_turning_buffering_off_writes_what_was_held(handler, capsys):
    handler.buffer_lines(max_bytes=1 << 20, max_delay=60.0)
    info(1)
    handler.buffer_lines(0, 0.0)
    assert written(capsys) == [1]
    info(2)
    assert written(capsys) == [2]


class BrokenStdout:
    def write(self, _text):
        raise BrokenPipeError("stdout is gone")

    def flush(self):
        pass


def test_a_broken_stdout_is_reported_on_stderr_and_never_raises(handler, capsys, monkeypatch):
    monkeypatch.setattr(logs.sys, "stdout", BrokenStdout())
    info(1)  # written at once: the write fails inside the log call
    handler.buffer_lines(max_bytes=1 << 20, max_delay=60.0)
    info(2)
    logs.flush_log_lines()  # as the worker does when it goes idle
    monkeypatch.undo()
    assert capsys.readouterr().err.count("BrokenPipeError: stdout is gone") == 2


def test_timestamps_are_what_datetime_formats_rounding_included():
    import random
    from datetime import datetime, timezone

    formatter = logs.JsonFormatter()
    rng = random.Random(5)
    edges = [0.0, 0.0004994, 0.0005, 0.9994999, 0.9995, 0.9999994, 0.9999995, 0.9999996]
    stamps = [rng.uniform(0, 4e9) for _ in range(20000)]
    stamps += [second + edge for second in rng.sample(range(10**9, 2 * 10**9), 500) for edge in edges]
    for created in stamps:
        expected = datetime.fromtimestamp(created, tz=timezone.utc).isoformat(timespec="milliseconds")
        assert formatter.utc_timestamp(created) == expected, created


@pytest.fixture
def lean_records():
    """lean_log_records() for one test; logging's own switches are put back afterwards."""
    saved = (logging._srcfile, logging.logThreads, logging.logProcesses, logging.logMultiprocessing)
    logs.lean_log_records()
    yield
    logging._srcfile, logging.logThreads, logging.logProcesses, logging.logMultiprocessing = saved


def test_lean_records_gather_no_caller_thread_or_process_and_lines_keep_the_pid(lean_records, handler, capsys):
    import os

    record = logs.get_logger().makeRecord("modelserver", logging.INFO, "f.py", 1, "m", (), None)
    assert (record.process, record.thread, record.processName) == (None, None, None)
    logs.get_logger().info("line", extra={"fields": {"n": 7}})
    line = json.loads(capsys.readouterr().out)
    assert (line["pid"], line["n"], line["message"]) == (os.getpid(), 7, "line")
