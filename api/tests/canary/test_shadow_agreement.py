"""A candidate with a reference model (REFERENCE_MODEL_DIR, the stable model) predicts every shadow request's rows
with both and counts the requests where every row agrees: modelserver_shadow_agreements_total / 
modelserver_shadow_requests_total is the prediction agreement with stable. One log line per shadow request."""

import json

import pytest

import models
from helpers import metric_value, post_json
from modelserver.model.agreement import Agreement, agreeing_rows
from modelserver.model.loading import ModelLoadError
from modelserver.settings import Settings

SHADOW = {"X-Model-Service-Shadow": "1"}


def with_threshold(directory, threshold, version):
    """The predictor model (class high when x + y > threshold) under another threshold and version."""
    models.write_predictor(directory, meta={"name": "summer", "version": version, "feature_names": ["x", "y"], "labels": ["low", "high"]})
    (directory / "threshold.json").write_text(json.dumps({"threshold": threshold}))
    return directory


@pytest.fixture
def candidate(make_app, tmp_path):
    """Candidate 2.0.0 (threshold 10) whose reference, stable 1.0.0, has threshold 12: rows summing to more than
    10 and at most 12 are the only ones on which they disagree."""
    stable = with_threshold(tmp_path / "stable", 12, "1.0.0")
    candidate = with_threshold(tmp_path / "candidate", 10, "2.0.0")
    return make_app(candidate, model_role="candidate", reference_model_dir=str(stable))


def test_agreeing_rows():
    assert agreeing_rows(["a", "b", "c"], ["a", "x", "c"]) == 2
    assert agreeing_rows([1, 2], [1]) == 0
    assert Agreement(rows=2, agreeing_rows=2, reference_version="1").complete
    assert not Agreement(rows=2, agreeing_rows=1, reference_version="1").complete
    assert not Agreement(rows=0, agreeing_rows=0, reference_version="1").complete


def test_agreement_is_the_share_of_shadow_requests_where_every_row_agrees(candidate, capsys):
    client = candidate.test_client()
    # 10 single-row requests, 3 of them summing into (10, 12]: agreement 7 / 10.
    rows = [[0, 1], [5, 5], [3, 8], [6, 6], [5, 6.5], [20, 1], [13, 0], [0, 0], [2, 2], [40, 40]]
    for row in rows:
        response = post_json(client, "/predict", {"instances": [row]}, headers=SHADOW)
        assert response.status_code == 200
        assert response.headers["X-Model-Role"] == "candidate"
    # A batch with one disagreeing row does not agree as a whole; a batch where all rows agree does.
    assert post_json(client, "/predict", {"instances": [[0, 1], [5, 6]]}, headers=SHADOW).status_code == 200
    infer = {"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [0, 1, 50, 50]}]}
    assert post_json(client, "/v2/models/summer/infer", infer, headers=SHADOW).status_code == 200
    # Live requests are answered by the candidate alone and never compared.
    assert post_json(client, "/predict", {"instances": [[5, 6]]}).get_json()["predictions"] == ["high"]

    text = client.get("/metrics").get_data(as_text=True)
    assert metric_value(text, "modelserver_shadow_requests_total", version="2.0.0") == 12
    assert metric_value(text, "modelserver_shadow_agreements_total", version="2.0.0") == 8
    assert metric_value(text, "modelserver_model_requests_total", version="2.0.0", role="candidate", outcome="ok") == 1

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    shadow = [line for line in lines if line.get("event") == "shadow_request"]
    assert len(shadow) == 12
    assert [line["agreed"] for line in shadow[:10]] == [True, True, False, False, False, True, True, True, True, True]
    assert {(line["version"], line["reference_version"], line["status"]) for line in shadow} == {("2.0.0", "1.0.0", 200)}
    assert (shadow[10]["rows"], shadow[10]["agreeing_rows"], shadow[10]["agreed"]) == (2, 1, False)


def test_a_failed_shadow_prediction_does_not_agree_and_is_not_live(candidate):
    client = candidate.test_client()
    assert post_json(client, "/predict", {"instances": [[666, 0]]}, headers=SHADOW).status_code == 500
    assert post_json(client, "/predict", {"instances": [[1]]}, headers=SHADOW).status_code == 422
    text = client.get("/metrics").get_data(as_text=True)
    assert metric_value(text, "modelserver_shadow_requests_total", version="2.0.0") == 2
    assert metric_value(text, "modelserver_shadow_agreements_total", version="2.0.0") == 0
    assert metric_value(text, "modelserver_model_requests_total", version="2.0.0") == 0


def test_a_shadow_request_without_a_reference_model_is_logged_without_agreement(make_app, predictor_dir, capsys):
    client = make_app(predictor_dir, model_role="candidate").test_client()
    capsys.readouterr()
    assert post_json(client, "/predict", {"instances": [[1, 2]]}, headers=SHADOW).status_code == 200
    shadow = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"shadow_request"' in line]
    assert len(shadow) == 1 and shadow[0]["agreed"] is None and shadow[0]["reference_version"] is None


def test_the_reference_model_dir_comes_from_the_environment(tmp_path):
    assert Settings.from_env({}).reference_model_dir is None
    assert Settings.from_env({"REFERENCE_MODEL_DIR": "/opt/stable-model"}).reference_model_dir == "/opt/stable-model"


def test_the_reference_model_load_is_logged(make_app, tmp_path, capsys):
    stable = with_threshold(tmp_path / "stable", 12, "1.0.0")
    make_app(with_threshold(tmp_path / "candidate", 10, "2.0.0"), model_role="candidate", reference_model_dir=str(stable))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    loaded = [line for line in lines if line.get("event") == "reference_model_loaded"]
    assert [(line["version"], line["model_dir"]) for line in loaded] == [("1.0.0", str(stable))]


def test_a_reference_model_that_cannot_load_stops_the_server(make_app, predictor_dir, tmp_path):
    with pytest.raises(ModelLoadError, match="reference model"):
        make_app(predictor_dir, reference_model_dir=str(tmp_path / "missing"))
