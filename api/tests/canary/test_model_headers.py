"""Every answer says which model version made it and in which role (X-Model-Version, X-Model-Role): predictions,
V2 infer, errors and service endpoints alike."""

import hashlib
import hmac

import pytest

from helpers import assert_error, post_json
from modelserver.settings import Settings


def assert_model_headers(response, version: str, role: str) -> None:
    assert response.headers["X-Model-Version"] == version, dict(response.headers)
    assert response.headers["X-Model-Role"] == role, dict(response.headers)


def test_a_stable_replica_names_its_version_and_role_on_every_answer(client):
    assert_model_headers(post_json(client, "/predict", {"instances": [[1, 1, 1]]}), "0.1.0", "stable")
    infer = post_json(client, "/v2/models/tiny/infer", {"inputs": [{"name": "input-0", "shape": [1, 3], "datatype": "FP64", "data": [1, 1, 1]}]})
    assert infer.status_code == 200
    assert_model_headers(infer, "0.1.0", "stable")
    for response in (client.get("/health"), client.get("/ready"), client.get("/metadata"), client.get("/metrics")):
        assert_model_headers(response, "0.1.0", "stable")


def test_errors_carry_the_headers_too(client):
    wrong_features = post_json(client, "/predict", {"instances": [[1, 1]]})
    assert_error(wrong_features, 422)
    assert_model_headers(wrong_features, "0.1.0", "stable")
    assert_model_headers(client.get("/nope"), "0.1.0", "stable")
    assert_model_headers(client.get("/predict"), "0.1.0", "stable")  # 405
    assert_model_headers(post_json(client, "/v2/models/other/infer", {}), "0.1.0", "stable")  # 404


def test_a_candidate_replica_says_so(make_app, classifier_dir):
    client = make_app(classifier_dir, model_role="candidate", model_version="2.0.0").test_client()
    response = post_json(client, "/predict", {"instances": [[1, 1, 1]]})
    assert response.get_json()["model"]["version"] == "2.0.0"
    assert_model_headers(response, "2.0.0", "candidate")


def test_a_model_failure_and_a_missing_key_carry_the_headers(make_app, predictor_dir):
    salt = "s" * 32
    keys = Settings.from_env({"API_KEY_SALT": salt, "API_KEY_DIGESTS": hmac.new(salt.encode(), b"key", hashlib.sha256).hexdigest()}).api_keys
    client = make_app(predictor_dir, api_keys=keys).test_client()
    unauthorized = post_json(client, "/predict", {"instances": [[1, 2]]})
    assert_error(unauthorized, 401)
    assert_model_headers(unauthorized, "2", "stable")
    failed = post_json(client, "/predict", {"instances": [[666, 1]]}, headers={"X-API-Key": "key"})
    assert_error(failed, 500, "prediction_failed")
    assert_model_headers(failed, "2", "stable")


def test_before_the_model_is_loaded_the_configured_version_or_unknown(make_app, classifier_dir):
    assert_model_headers(make_app(classifier_dir, load_model=False).test_client().get("/ready"), "unknown", "stable")
    configured = make_app(classifier_dir, load_model=False, model_version="3").test_client().get("/ready")
    assert configured.status_code == 503
    assert_model_headers(configured, "3", "stable")


@pytest.mark.parametrize("role", ["stable", "candidate"])
def test_the_role_comes_from_model_role(role):
    assert Settings.from_env({"MODEL_ROLE": role}).model_role == role
