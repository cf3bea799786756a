"""Request ids, the per-request JSON log line and the metrics."""

import json

import pytest

from helpers import metric_value, post_json


def log_lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_request_id_is_generated_when_absent(client):
    first = client.get("/health").headers["X-Request-ID"]
    second = client.get("/health").headers["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


@pytest.mark.parametrize("value", ["abc-123", "7f9c2ba4e88f827d616045507605853e", "a.b_c:d+e/f=", "x" * 128])
def test_valid_request_id_is_echoed(client, value):
    assert client.get("/health", headers={"X-Request-ID": value}).headers["X-Request-ID"] == value


@pytest.mark.parametrize("value", ["x" * 129, "has space", "semi;colon", "quote\"", "ünïcode", "new\\nline"])
def test_invalid_request_id_is_replaced(client, value):
    echoed = client.get("/health", headers={"X-Request-ID": value}).headers["X-Request-ID"]
    assert echoed != value and len(echoed) == 32


def test_request_id_is_echoed_on_errors_too(client):
    assert client.get("/nope", headers={"X-Request-ID": "err-1"}).headers["X-Request-ID"] == "err-1"


def test_one_json_log_line_per_request(client, capsys):
    capsys.readouterr()
    post_json(client, "/predict", {"instances": [[1, 1, 1]]}, headers={"X-Request-ID": "log-1"})
    client.get("/v2/models/tiny")
    client.get("/missing")
    requests = [line for line in log_lines(capsys) if line.get("event") == "request"]
    assert len(requests) == 3
    first = requests[0]
    assert {k: first[k] for k in ("method", "path", "route", "status", "request_id")} == {
        "method": "POST", "path": "/predict", "route": "/predict", "status": 200, "request_id": "log-1",
    }
    assert first["duration_ms"] >= 0 and first["level"] == "info" and "ts" in first and first["pid"] > 0
    assert requests[1]["route"] == "/v2/models/<name>" and requests[1]["path"] == "/v2/models/tiny"
    assert requests[2]["status"] == 404 and requests[2]["route"] == "<unmatched>"


def test_model_load_is_logged(make_app, classifier_dir, capsys):
    make_app(classifier_dir)
    loaded = [line for line in log_lines(capsys) if line.get("event") == "model_loaded"]
    assert len(loaded) == 1
    assert loaded[0]["name"] == "tiny" and loaded[0]["digest"].startswith("sha256:")


def test_log_formatter_keeps_exceptions_on_one_line():
    import logging

    from modelserver.observability.logs import JsonFormatter

    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info())
    record.fields = {"event": "e", "n": 1}
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "failed x" and parsed["event"] == "e" and parsed["n"] == 1
    assert "ValueError: boom" in parsed["exc"]


def test_metrics_count_requests_by_route_template_and_status(client):
    for _ in range(3):
        post_json(client, "/predict", {"instances": [[1, 1, 1], [2, 2, 2]]})
    post_json(client, "/predict", {"instances": [[1, 1]]})
    client.get("/v2/models/tiny")
    client.get("/v2/models/other")
    client.get("/nowhere/1")
    client.get("/nowhere/2")
    client.open("/health", method="BREW")

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    requests = "modelserver_http_requests_total"
    assert metric_value(text, requests, method="POST", route="/predict", status="200") == 3
    assert metric_value(text, requests, method="POST", route="/predict", status="422") == 1
    assert metric_value(text, requests, method="GET", route="/v2/models/<name>", status="200") == 1
    assert metric_value(text, requests, method="GET", route="/v2/models/<name>", status="404") == 1
    assert metric_value(text, requests, method="GET", route="<unmatched>", status="404") == 2
    assert metric_value(text, requests, method="OTHER", route="<unmatched>", status="405") == 1
    assert "/nowhere" not in text
    assert metric_value(
        text, "modelserver_http_request_duration_seconds_count", method="POST", route="/predict", status="200"
    ) == 3
    assert metric_value(text, "modelserver_predictions_total") == 6
    assert metric_value(text, "modelserver_http_requests_in_flight") == 1  # the /metrics request itself
    assert metric_value(text, "modelserver_model_load_seconds") > 0
    assert metric_value(text, "modelserver_model_info", name="tiny", version="0.1.0") == 1


def test_v2_infer_counts_predictions(client):
    body = {"inputs": [{"name": "input-0", "shape": [4, 3], "datatype": "FP32", "data": [1] * 12}]}
    post_json(client, "/v2/models/tiny/infer", body)
    assert metric_value(client.get("/metrics").get_data(as_text=True), "modelserver_predictions_total") == 4


def test_in_flight_gauge_returns_to_zero_after_errors(app, client):
    def explode():
        raise RuntimeError("x")

    app.add_url_rule("/explode", "explode", explode)
    client.get("/explode")
    post_json(client, "/predict", {"instances": []})
    text = app.extensions["modelserver"].metrics.render().decode()
    assert metric_value(text, "modelserver_http_requests_total", method="GET", route="/explode", status="500") == 1
    assert metric_value(text, "modelserver_http_requests_in_flight") == 0


def test_the_cached_process_id_is_renewed_in_a_forked_child():
    import os

    from modelserver.observability.process_id import ProcessId

    process_id = ProcessId()
    assert process_id() == os.getpid()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child reports what the cached id says there
        os.write(write_end, str(process_id()).encode())
        os._exit(0)
    os.close(write_end)
    reported = int(os.read(read_end, 32))
    os.waitpid(child, 0)
    assert reported == child != os.getpid()
    assert process_id() == os.getpid()


def test_each_model_call_records_its_rows_requests_and_queue_wait(client):
    post_json(client, "/predict", {"instances": [[1, 1, 1], [2, 2, 2], [3, 3, 3]]})
    body = {"inputs": [{"name": "input-0", "shape": [2, 3], "datatype": "FP64", "data": [1] * 6}]}
    post_json(client, "/v2/models/tiny/infer", body)
    post_json(client, "/predict", {"instances": [[1, "x", 1]]})  # refused before the model: no call
    text = client.get("/metrics").get_data(as_text=True)
    assert metric_value(text, "modelserver_batch_rows_count") == 2
    assert metric_value(text, "modelserver_batch_rows_sum") == 5
    assert metric_value(text, "modelserver_batch_rows_bucket", le="2.0") == 1
    assert metric_value(text, "modelserver_batch_requests_sum") == 2
    assert metric_value(text, "modelserver_batch_queue_wait_seconds_count") == 2
    assert metric_value(text, "modelserver_batch_queue_wait_seconds_sum") >= 0
