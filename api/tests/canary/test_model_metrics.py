"""Per-version metrics of live prediction requests: modelserver_model_requests_total{version,role,outcome} and
modelserver_model_request_duration_seconds{version,role}. Shadow requests are counted apart, never as live."""

from helpers import metric_value, post_json
from modelserver.observability.metrics import LATENCY_BUCKETS, MODEL_LATENCY_BUCKETS, outcome_of

REQUESTS = "modelserver_model_requests_total"
DURATION = "modelserver_model_request_duration_seconds"
SHADOW = {"X-Model-Service-Shadow": "1"}
INFER = {"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 20, 30]}]}


def test_outcomes_by_status():
    assert [outcome_of(status) for status in (200, 204, 399, 400, 404, 422, 499, 500, 503)] == [
        "ok", "ok", "ok", "client_error", "client_error", "client_error", "client_error", "server_error", "server_error",
    ]


def test_the_model_latency_buckets_refine_the_http_ones():
    assert set(LATENCY_BUCKETS) <= set(MODEL_LATENCY_BUCKETS)
    assert list(MODEL_LATENCY_BUCKETS) == sorted(MODEL_LATENCY_BUCKETS)
    fine = [bucket for bucket in MODEL_LATENCY_BUCKETS if 0.001 <= bucket <= 0.1]
    # Neighbouring bounds between 1 ms and 100 ms at most 1.5x apart, so an interpolated p99 is never off by more.
    assert all(upper / lower <= 1.5 for lower, upper in zip(fine, fine[1:]))


def test_prediction_requests_are_counted_by_version_role_and_outcome(make_app, predictor_dir):
    client = make_app(predictor_dir, model_role="candidate").test_client()
    for _ in range(3):
        assert post_json(client, "/predict", {"instances": [[1, 2]]}).status_code == 200
    assert post_json(client, "/v2/models/summer/infer", INFER).status_code == 200
    assert post_json(client, "/predict", {"instances": [[1]]}).status_code == 422
    assert post_json(client, "/predict", {"instances": [[666, 0]]}).status_code == 500
    assert post_json(client, "/v2/models/summer/infer", {"inputs": [{"name": "input-0", "shape": [1, 2], "datatype": "FP64", "data": [666, 0]}]}).status_code == 500
    client.get("/metadata")
    client.get("/v2/models/summer")
    text = client.get("/metrics").get_data(as_text=True)
    labels = {"version": "2", "role": "candidate"}
    assert metric_value(text, REQUESTS, outcome="ok", **labels) == 4
    assert metric_value(text, REQUESTS, outcome="client_error", **labels) == 1
    assert metric_value(text, REQUESTS, outcome="server_error", **labels) == 2
    assert metric_value(text, DURATION + "_count", **labels) == 7
    assert metric_value(text, DURATION + "_bucket", le="+Inf", **labels) == 7
    assert 0 < metric_value(text, DURATION + "_sum", **labels) < 7 * 5
    assert metric_value(text, REQUESTS, role="stable") == 0


def test_a_slower_model_lands_in_higher_buckets(make_app, tmp_path):
    import models

    slow = models.write_predictor(tmp_path / "slow", source=models.PREDICTOR_SOURCE.replace(
        "def predict(model, rows):", "def predict(model, rows):\n    import time\n    time.sleep(0.02)"
    ))
    client = make_app(slow).test_client()
    for _ in range(3):
        assert post_json(client, "/predict", {"instances": [[1, 2]]}).status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert metric_value(text, DURATION + "_bucket", le="0.02", version="2", role="stable") == 0
    assert metric_value(text, DURATION + "_bucket", le="+Inf", version="2", role="stable") == 3


def test_shadow_requests_are_counted_apart_and_never_as_live(make_app, predictor_dir):
    client = make_app(predictor_dir, model_role="candidate").test_client()
    assert post_json(client, "/predict", {"instances": [[1, 2]]}, headers=SHADOW).status_code == 200
    assert post_json(client, "/v2/models/summer/infer", INFER, headers=SHADOW).status_code == 200
    assert post_json(client, "/predict", {"instances": [[1]]}, headers=SHADOW).status_code == 422
    assert post_json(client, "/predict", {"instances": [[666, 0]]}, headers=SHADOW).status_code == 500
    client.get("/metadata", headers=SHADOW)  # not a prediction
    text = client.get("/metrics").get_data(as_text=True)
    assert metric_value(text, "modelserver_shadow_requests_total", version="2") == 4
    assert metric_value(text, "modelserver_shadow_agreements_total", version="2") == 0  # no reference model
    for outcome in ("ok", "client_error", "server_error"):
        assert metric_value(text, REQUESTS, outcome=outcome) == 0
    assert metric_value(text, DURATION + "_count", version="2", role="candidate") == 0


def test_only_the_value_1_marks_shadow_traffic(make_app, predictor_dir):
    client = make_app(predictor_dir).test_client()
    for value in ("0", "yes", ""):
        assert post_json(client, "/predict", {"instances": [[1, 2]]}, headers={"X-Model-Service-Shadow": value}).status_code == 200
    assert post_json(client, "/predict", {"instances": [[1, 2]]}, headers={"X-Model-Service-Shadow": " 1 "}).status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert metric_value(text, REQUESTS, version="2", role="stable", outcome="ok") == 3
    assert metric_value(text, "modelserver_shadow_requests_total", version="2") == 1
