"""Open Inference Protocol (KServe V2) REST endpoints."""

import pytest

from helpers import assert_error, post_json


def tensor(data, shape, datatype="FP32", name="input-0"):
    return {"name": name, "shape": shape, "datatype": datatype, "data": data}


def infer(client, *inputs, path="/v2/models/tiny/infer", **extra):
    return post_json(client, path, {"inputs": list(inputs), **extra})


def test_health_endpoints(client):
    assert client.get("/v2/health/live").get_json() == {"live": True}
    assert client.get("/v2/health/ready").get_json() == {"ready": True}
    assert client.get("/v2").get_json()["name"] == "model-service"


def test_health_ready_is_503_before_the_model_is_loaded(make_app, classifier_dir):
    app = make_app(classifier_dir, load_model=False)
    client = app.test_client()
    response = client.get("/v2/health/ready")
    assert_error(response, 503, "model_not_ready")
    assert response.get_json()["ready"] is False
    assert client.get("/v2/health/live").status_code == 200
    assert_error(client.get("/v2/models/tiny/ready"), 503)
    app.extensions["modelserver"].load_model()
    assert client.get("/v2/health/ready").status_code == 200


def test_model_metadata(client):
    body = client.get("/v2/models/tiny").get_json()
    assert body == {
        "name": "tiny",
        "versions": ["0.1.0"],
        "platform": "sklearn",
        "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [-1, 3]}],
        "outputs": [
            {"name": "predict", "datatype": "BYTES", "shape": [-1]},
            {"name": "predict_proba", "datatype": "FP64", "shape": [-1, 2]},
        ],
    }
    assert client.get("/v2/models/tiny/versions/0.1.0").get_json() == body


def test_model_metadata_of_a_regressor(make_app, regressor_dir):
    body = make_app(regressor_dir).test_client().get("/v2/models/model").get_json()
    assert body["outputs"] == [{"name": "predict", "datatype": "FP64", "shape": [-1]}]
    assert body["inputs"][0]["shape"] == [-1, 2]


def test_model_ready(client):
    assert client.get("/v2/models/tiny/ready").get_json() == {"name": "tiny", "ready": True}
    assert client.get("/v2/models/tiny/versions/0.1.0/ready").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/v2/models/other", "/v2/models/other/ready", "/v2/models/tiny/versions/9/ready", "/v2/models/tiny/versions/9"],
)
def test_unknown_model_or_version_is_404(client, path):
    error = assert_error(client.get(path), 404)
    assert error["code"] in {"model_not_found", "model_version_not_found"}


def test_infer_flat_data_echoes_id(client):
    response = infer(client, tensor([1, 1, 1, -1, -1, -1], [2, 3]), id="req-42")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == "req-42"
    assert body["model_name"] == "tiny" and body["model_version"] == "0.1.0"
    predict, proba = body["outputs"]
    assert predict == {"name": "predict", "datatype": "BYTES", "shape": [2], "data": ["yes", "no"]}
    assert proba["name"] == "predict_proba" and proba["datatype"] == "FP64" and proba["shape"] == [2, 2]
    assert len(proba["data"]) == 4
    assert proba["data"][0] + proba["data"][1] == pytest.approx(1.0)


def test_infer_nested_data_matches_flat(client):
    flat = infer(client, tensor([1, 2, 3, -4, -5, -6], [2, 3])).get_json()["outputs"]
    nested = infer(client, tensor([[1, 2, 3], [-4, -5, -6]], [2, 3])).get_json()["outputs"]
    assert flat == nested


def test_infer_one_row_shape(client):
    body = infer(client, tensor([1, 1, 1], [3], "FP64")).get_json()
    assert body["outputs"][0]["data"] == ["yes"] and body["outputs"][0]["shape"] == [1]
    assert "id" not in body


def test_infer_versioned_path(client):
    response = infer(client, tensor([1, 1, 1], [1, 3]), path="/v2/models/tiny/versions/0.1.0/infer")
    assert response.status_code == 200
    assert_error(infer(client, tensor([1, 1, 1], [1, 3]), path="/v2/models/tiny/versions/2/infer"), 404)


def test_infer_requested_outputs_only(client):
    body = infer(client, tensor([1, 1, 1], [1, 3]), outputs=[{"name": "predict"}]).get_json()
    assert [o["name"] for o in body["outputs"]] == ["predict"]
    body = infer(client, tensor([1, 1, 1], [1, 3]), outputs=[{"name": "predict_proba"}]).get_json()
    assert [o["name"] for o in body["outputs"]] == ["predict_proba"]


@pytest.mark.parametrize(
    "datatype, data",
    [
        ("FP16", [1.5, 1, -1]), ("FP32", [1.5, 1, -1]), ("FP64", [1.5, 1, -1]),
        ("INT8", [1, -1, 127]), ("INT16", [1, 2, 3]), ("INT32", [1, 2, 3]), ("INT64", [2**40, 1, 1]),
        ("UINT8", [255, 0, 1]), ("UINT16", [1, 2, 3]), ("UINT32", [1, 2, 3]), ("UINT64", [2**63, 0, 0]),
    ],
)
def test_infer_accepts_numeric_datatypes(client, datatype, data):
    response = infer(client, tensor(data, [1, 3], datatype))
    assert response.status_code == 200, response.get_json()


def test_infer_regressor_outputs_fp64(make_app, regressor_dir):
    client = make_app(regressor_dir).test_client()
    body = infer(client, tensor([1, 1], [1, 2]), path="/v2/models/model/infer").get_json()
    assert body["outputs"] == [{"name": "predict", "datatype": "FP64", "shape": [1], "data": [pytest.approx(6.0)]}]


def test_infer_predictor_model_integer_predictions_without_labels(make_app, tmp_path):
    import models

    directory = models.write_predictor(tmp_path / "p", meta={"name": "p", "feature_names": ["x", "y"]})
    client = make_app(directory).test_client()
    body = infer(client, tensor([1, 1, 20, 20], [2, 2]), path="/v2/models/p/infer").get_json()
    assert body["outputs"][0] == {"name": "predict", "datatype": "INT64", "shape": [2], "data": [0, 1]}


@pytest.mark.parametrize(
    "inputs, code",
    [
        ([tensor([1, 1], [1, 2])], "wrong_feature_count"),
        ([tensor([1, 1, 1, 1], [2, 2])], "wrong_feature_count"),
        ([tensor([1, 1, 1], [2, 3])], "shape_mismatch"),
        ([tensor([1, 1, 1, 1], [1, 3])], "shape_mismatch"),
        ([tensor([[1, 1, 1], [1, 1]], [2, 3])], "shape_mismatch"),
        ([tensor([[1, 1, 1]], [2, 3])], "shape_mismatch"),
        ([tensor([[[1, 1, 1]]], [1, 3])], "shape_mismatch"),
        ([tensor([], [0, 3])], "empty_batch"),
        ([tensor([1, 1, 1], [1, 1, 3])], "invalid_shape"),
        ([tensor([1, 1, 1], [1, -3])], "invalid_shape"),
        ([tensor([1, 1, 1], "1x3")], "invalid_shape"),
        ([tensor([1, 1, 1], [1, 3], "BYTES")], "unsupported_datatype"),
        ([tensor([1, 1, 1], [1, 3], "BOOL")], "unsupported_datatype"),
        ([tensor([1, 1, 1], [1, 3], "fp32")], "unsupported_datatype"),
        ([tensor([1, "1", 1], [1, 3])], "non_numeric"),
        ([tensor([1, None, 1], [1, 3])], "non_numeric"),
        ([tensor([1, 1.5, 1], [1, 3], "INT32")], "non_numeric"),
        ([tensor([1, True, 1], [1, 3], "INT32")], "non_numeric"),
        ([tensor([1, 128, 1], [1, 3], "INT8")], "out_of_range"),
        ([tensor([1, -1, 1], [1, 3], "UINT8")], "out_of_range"),
        ([tensor([1, 2**64, 1], [1, 3], "UINT64")], "out_of_range"),
        ([tensor([1, 1e39, 1], [1, 3], "FP32")], "out_of_range"),
        ([tensor([1, 70000, 1], [1, 3], "FP16")], "out_of_range"),
        ([tensor([1, 1, 1], [1, 3], name="")], "invalid_request"),
        ([tensor("1,1,1", [1, 3])], "invalid_request"),
        (["input-0"], "invalid_request"),
        ([], "invalid_request"),
        ([tensor([1, 1, 1], [1, 3]), tensor([1, 1, 1], [1, 3], name="input-1")], "invalid_request"),
    ],
)
def test_infer_invalid_tensors_are_422(client, inputs, code):
    assert_error(post_json(client, "/v2/models/tiny/infer", {"inputs": inputs}), 422, code)


def test_infer_non_finite_is_422(client):
    raw = '{"inputs": [{"name": "input-0", "shape": [1, 3], "datatype": "FP64", "data": [1, NaN, 1]}]}'
    assert_error(client.post("/v2/models/tiny/infer", data=raw, content_type="application/json"), 422, "non_finite")


def test_infer_batch_over_limit_is_422(make_app, classifier_dir):
    client = make_app(classifier_dir, max_batch_size=2).test_client()
    assert_error(infer(client, tensor([1] * 9, [3, 3])), 422, "batch_too_large")


@pytest.mark.parametrize(
    "body, code",
    [
        ({"inputs": [tensor([1, 1, 1], [1, 3])], "id": 7}, "invalid_request"),
        ({"inputs": [tensor([1, 1, 1], [1, 3])], "outputs": [{"name": "nope"}]}, "unknown_output"),
        ({"inputs": [tensor([1, 1, 1], [1, 3])], "outputs": "predict"}, "invalid_request"),
        ({"instances": [[1, 1, 1]]}, "invalid_request"),
        ([], "invalid_request"),
    ],
)
def test_infer_invalid_requests_are_422(client, body, code):
    assert_error(post_json(client, "/v2/models/tiny/infer", body), 422, code)


def test_infer_protocol_errors(client):
    assert_error(client.post("/v2/models/tiny/infer", data="{", content_type="application/json"), 400, "malformed_json")
    assert_error(client.post("/v2/models/tiny/infer", data="{}", content_type="text/plain"), 415)
    assert_error(infer(client, tensor([1, 1, 1], [1, 3]), path="/v2/models/other/infer"), 404, "model_not_found")


def test_infer_predict_proba_unavailable_for_regressor(make_app, regressor_dir):
    client = make_app(regressor_dir).test_client()
    response = infer(client, tensor([1, 1], [1, 2]), path="/v2/models/model/infer", outputs=[{"name": "predict_proba"}])
    assert_error(response, 422, "unknown_output")
