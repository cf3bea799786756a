"""POST /predict on the model formats: joblib classifier, joblib regressor, predictor.py."""

import pytest

from helpers import post_json


def test_batch_gets_labels_probabilities_and_model(client):
    response = post_json(client, "/predict", {"instances": [[1, 1, 1], [-1, -1, -1]]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["predictions"] == ["yes", "no"]
    assert body["model"] == {"name": "tiny", "version": "0.1.0"}
    assert len(body["probabilities"]) == 2
    for row in body["probabilities"]:
        assert len(row) == 2 and sum(row) == pytest.approx(1.0)
    assert body["probabilities"][0][1] > 0.5 > body["probabilities"][1][1]


def test_one_flat_row_is_a_batch_of_one(client):
    response = post_json(client, "/predict", {"instances": [2, 2, 2]})
    assert response.status_code == 200
    assert response.get_json()["predictions"] == ["yes"]
    assert len(response.get_json()["probabilities"]) == 1


def test_integers_and_floats_mix(client):
    response = post_json(client, "/predict", {"instances": [[1, 0.5, -0.25]]})
    assert response.get_json()["predictions"] == ["yes"]


def test_batch_at_the_limit_is_accepted(make_app, classifier_dir):
    client = make_app(classifier_dir, max_batch_size=5).test_client()
    response = post_json(client, "/predict", {"instances": [[1, 1, 1]] * 5})
    assert response.status_code == 200
    assert response.get_json()["predictions"] == ["yes"] * 5


def test_regressor_without_model_json(make_app, regressor_dir):
    client = make_app(regressor_dir).test_client()
    response = post_json(client, "/predict", {"instances": [[1, 1], [2, 0]]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["predictions"] == pytest.approx([6.0, 5.0])
    assert "probabilities" not in body
    assert body["model"] == {"name": "model", "version": "1"}


def test_predictor_py_model(make_app, predictor_dir):
    client = make_app(predictor_dir).test_client()
    response = post_json(client, "/predict", {"instances": [[1, 2], [8, 9]]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["predictions"] == ["low", "high"]
    assert body["probabilities"][1][1] > 0.5
    assert body["model"] == {"name": "summer", "version": "2"}


def test_charset_and_json_suffix_content_types_are_json(client):
    for content_type in ("application/json; charset=utf-8", "application/vnd.modelserver+json"):
        response = client.post("/predict", data='{"instances": [[1, 1, 1]]}', content_type=content_type)
        assert response.status_code == 200, content_type


def test_name_and_version_overrides(make_app, classifier_dir):
    client = make_app(classifier_dir, model_name="renamed", model_version="9.9").test_client()
    assert post_json(client, "/predict", {"instances": [[1, 1, 1]]}).get_json()["model"] == {
        "name": "renamed",
        "version": "9.9",
    }
