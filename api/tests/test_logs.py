"""The background log writer that gunicorn workers use (modelserver/logs.py)."""

import io
import json
import logging
import sys
import threading

from modelserver import logs


class SlowStdout(io.StringIO):
    """A stdout whose writes wait until released, like a pipe whose reader is behind."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()
        self.writes = 0

    def write(self, text):
        self.release.wait(10)
        self.writes += 1
        return super().write(text)


def make_logger(name):
    logger = logging.getLogger(f"modelserver-test-{name}")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_lines_arrive_in_order_and_close_writes_every_queued_line(monkeypatch):
    out = SlowStdout()
    monkeypatch.setattr(sys, "stdout", out)
    logger = make_logger("order")
    handler = logs.BackgroundStdoutHandler()
    handler.setFormatter(logs.JsonFormatter())
    logger.addHandler(handler)
    for number in range(500):
        logger.info("request", extra={"fields": {"n": number}})  # returns while stdout is blocked
    out.release.set()
    handler.close()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["n"] for line in lines] == list(range(500))
    assert out.writes < 500  # queued lines are written together


def test_a_full_queue_makes_the_caller_wait_instead_of_dropping(monkeypatch):
    out = SlowStdout()
    monkeypatch.setattr(sys, "stdout", out)
    logger = make_logger("full")
    handler = logs.BackgroundStdoutHandler(max_pending=2, batch=1)
    handler.setFormatter(logs.JsonFormatter())
    logger.addHandler(handler)
    done = threading.Event()

    def flood():
        for number in range(20):
            logger.info("line", extra={"fields": {"n": number}})
        done.set()

    threading.Thread(target=flood, daemon=True).start()
    assert not done.wait(0.3)  # blocked on the full queue
    out.release.set()
    assert done.wait(10)
    handler.close()
    assert [json.loads(line)["n"] for line in out.getvalue().splitlines()] == list(range(20))


def test_use_and_stop_background_writer_swap_the_app_logger_handler(monkeypatch, capsys):
    logger = logs.get_logger()
    background = logs.use_background_writer(logger)
    assert background in logger.handlers
    logger.info("queued", extra={"fields": {"event": "probe"}})
    logs.stop_background_writer(logger)
    assert background not in logger.handlers
    logger.info("direct", extra={"fields": {"event": "probe"}})
    messages = [json.loads(line)["message"] for line in capsys.readouterr().out.splitlines()]
    assert messages == ["queued", "direct"]
