"""Bad input gets a JSON error with the right status, never a traceback or a 5xx, and the
service keeps serving afterwards."""

import json

import pytest

from helpers import assert_error, call_without_content_length, post_json

GOOD = {"instances": [[1, 1, 1]]}


@pytest.fixture(autouse=True)
def still_serving(client):
    """After every error test the same app still answers a good request."""
    yield
    assert post_json(client, "/predict", GOOD).status_code == 200


@pytest.mark.parametrize(
    "raw",
    ['{"instances": [[1, 1, 1]]', "not json", "", '{"instances": [[1, 1, 1]]} trailing', "{'single': 'quotes'}"],
)
def test_malformed_json_is_400(client, raw):
    assert_error(client.post("/predict", data=raw, content_type="application/json"), 400, "malformed_json")


def test_invalid_utf8_is_400(client):
    assert_error(client.post("/predict", data=b'{"instances": [[1, 1, "\xff"]]}', content_type="application/json"), 400)


def test_deeply_nested_json_is_400(client):
    assert_error(client.post("/predict", data="[" * 200_000, content_type="application/json"), 400, "malformed_json")


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_wrong_content_type_is_415(client, content_type):
    kwargs = {"content_type": content_type} if content_type else {}
    assert_error(client.post("/predict", data=json.dumps(GOOD), **kwargs), 415, "unsupported_media_type")


def test_body_over_limit_with_content_length_is_413(make_app, classifier_dir):
    client = make_app(classifier_dir, max_body_bytes=100).test_client()
    body = {"instances": [[1.0, 1.0, 1.0]] * 20}
    assert len(json.dumps(body)) > 100
    assert_error(post_json(client, "/predict", body), 413, "payload_too_large")
    assert post_json(client, "/predict", GOOD).status_code == 200


def test_body_over_limit_without_content_length_is_413(make_app, classifier_dir):
    app = make_app(classifier_dir, max_body_bytes=100)
    status, _, body = call_without_content_length(app, "/predict", json.dumps({"instances": [[1, 1, 1]] * 20}).encode())
    assert status == 413
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    status, _, body = call_without_content_length(app, "/predict", json.dumps(GOOD).encode())
    assert status == 200, body
    assert json.loads(body)["predictions"] == ["yes"]


def test_body_exactly_at_limit_is_read(make_app, classifier_dir):
    raw = json.dumps(GOOD)
    client = make_app(classifier_dir, max_body_bytes=len(raw)).test_client()
    assert client.post("/predict", data=raw, content_type="application/json").status_code == 200


@pytest.mark.parametrize(
    "body, code",
    [
        ({"instances": [[1, 1]]}, "wrong_feature_count"),
        ({"instances": [[1, 1, 1, 1]]}, "wrong_feature_count"),
        ({"instances": [[1, 1, 1], [1, 1]]}, "wrong_feature_count"),
        ({"instances": [1, 1]}, "wrong_feature_count"),
        ({"instances": [[1, "2", 3]]}, "non_numeric"),
        ({"instances": [[1, None, 3]]}, "non_numeric"),
        ({"instances": [[1, True, 3]]}, "non_numeric"),
        ({"instances": [[1, [2], 3]]}, "non_numeric"),
        ({"instances": [[1, {"x": 2}, 3]]}, "non_numeric"),
        ({"instances": ["a", "b", "c"]}, "non_numeric"),
        ({"instances": [[1, 1, 1], 5]}, "invalid_row"),
        ({"instances": []}, "empty_batch"),
        ({"instances": {"a": 1}}, "invalid_request"),
        ({"instances": "1,2,3"}, "invalid_request"),
        ({"rows": [[1, 1, 1]]}, "invalid_request"),
        ([[1, 1, 1]], "invalid_request"),
        (42, "invalid_request"),
    ],
)
def test_invalid_instances_are_422(client, body, code):
    assert_error(post_json(client, "/predict", body), 422, code)


@pytest.mark.parametrize(
    "raw",
    [
        '{"instances": [[NaN, 1, 1]]}',
        '{"instances": [[Infinity, 1, 1]]}',
        '{"instances": [[1, -Infinity, 1]]}',
        '{"instances": [[1, 1, 1e999]]}',
        '{"instances": [[1, 1, -1e400]]}',
        '{"instances": [[1, 1, 1' + "0" * 400 + "]]}",
    ],
)
def test_non_finite_numbers_are_422(client, raw):
    assert_error(client.post("/predict", data=raw, content_type="application/json"), 422, "non_finite")


def test_batch_over_limit_is_422(make_app, classifier_dir):
    client = make_app(classifier_dir, max_batch_size=5).test_client()
    assert_error(post_json(client, "/predict", {"instances": [[1, 1, 1]] * 6}), 422, "batch_too_large")


def test_unknown_route_is_404(client):
    assert_error(client.get("/nope"), 404, "not_found")
    assert_error(client.post("/predict/extra", data="{}", content_type="application/json"), 404)


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("get", "/predict", {"POST", "OPTIONS"}),
        ("put", "/predict", {"POST", "OPTIONS"}),
        ("post", "/health", {"GET", "HEAD", "OPTIONS"}),
        ("delete", "/metrics", {"GET", "HEAD", "OPTIONS"}),
        ("get", "/v2/models/tiny/infer", {"POST", "OPTIONS"}),
    ],
)
def test_wrong_method_is_405_with_allow(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert_error(response, 405, "method_not_allowed")
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def test_unexpected_exception_is_a_logged_json_500(app, capsys):
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    response = app.test_client().get("/explode")
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in error["message"]
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    unhandled = [line for line in logged if line.get("event") == "unhandled_exception"]
    assert len(unhandled) == 1 and "RuntimeError: secret internals" in unhandled[0]["exc"]


def test_model_failing_at_predict_time_is_a_json_500_and_serving_goes_on(make_app, predictor_dir, capsys):
    client = make_app(predictor_dir).test_client()
    assert_error(post_json(client, "/predict", {"instances": [[666, 1]]}), 500, "prediction_failed")
    assert post_json(client, "/predict", {"instances": [[1, 1]]}).status_code == 200
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(line.get("event") == "prediction_failed" and "666" in line["error"] for line in logged)


def test_no_bad_body_causes_a_5xx(client):
    """A sweep of hostile bodies: every answer is a 4xx JSON error."""
    bodies = [
        b"\x00\x01\x02", b"null", b"true", b"[]", b"{}", b'""', b'{"instances": null}', b'{"instances": [null]}',
        b'{"instances": [[]]}', b'{"instances": [[[1, 1, 1]]]}', b'{"instances": [[1e308, 1e308, 1e308]]}',
        b'{"instances": [[-0.0, 0, 0]], "extra": {"deep": [1, 2]}}',
        b'{"instances": [' + b"[1,1,1]," * 2000 + b"[1,1,1]]}",
        "{\"instances\": [[\"\u00e9\", 1, 1]]}".encode(),
    ]
    for raw in bodies:
        response = client.post("/predict", data=raw, content_type="application/json")
        assert response.status_code < 500, raw[:40]
        if response.status_code >= 400:
            assert_error(response, response.status_code)


def test_non_finite_model_output_is_422(make_app, regressor_dir):
    client = make_app(regressor_dir).test_client()
    assert_error(post_json(client, "/predict", {"instances": [[1e308, 1e308]]}), 422, "non_finite_prediction")
    assert post_json(client, "/predict", {"instances": [[1, 1]]}).status_code == 200


def test_responses_never_contain_nan_tokens(app):
    app.add_url_rule("/nan", "nan", lambda: {"value": float("nan")})
    response = app.test_client().get("/nan")
    assert_error(response, 500, "internal_error")
    assert b"NaN" not in response.get_data()
