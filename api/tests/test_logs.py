"""The app logger's stdout handler: one JSON line per record, written at once or in batches."""

import json
import logging

import pytest

from modelserver import logs


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
