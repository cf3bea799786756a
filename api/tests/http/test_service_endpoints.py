"""/health, /ready, /metadata."""

import subprocess

from helpers import assert_error


def test_health_is_alive_even_without_a_model(make_app, classifier_dir):
    client = make_app(classifier_dir, load_model=False).test_client()
    assert client.get("/health").get_json() == {"status": "alive"}


def test_ready_is_503_until_the_model_is_loaded_and_warmed_up(make_app, classifier_dir):
    app = make_app(classifier_dir, load_model=False)
    client = app.test_client()
    response = client.get("/ready")
    assert_error(response, 503, "model_not_ready")
    assert response.get_json()["ready"] is False
    assert_error(client.get("/metadata"), 503, "model_not_ready")
    assert_error(client.post("/predict", json={"instances": [[1, 1, 1]]}), 503, "model_not_ready")

    app.extensions["modelserver"].load_model()
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.get_json() == {"ready": True, "model": {"name": "tiny", "version": "0.1.0"}}


def test_ready_stays_503_when_loading_fails(make_app, tmp_path):
    import pytest

    from modelserver.model.loading import ModelLoadError

    app = make_app(tmp_path / "missing", load_model=False)
    with pytest.raises(ModelLoadError):
        app.extensions["modelserver"].load_model()
    assert_error(app.test_client().get("/ready"), 503)


def test_metadata_of_a_joblib_classifier(client, classifier_dir):
    body = client.get("/metadata").get_json()
    assert body["name"] == "tiny" and body["version"] == "0.1.0"
    assert body["features"] == ["a", "b", "c"] and body["n_features"] == 3
    assert body["labels"] == ["no", "yes"]
    assert body["prediction_type"] == "string" and body["probabilities"] is True
    assert body["format"] == "joblib" and body["framework"] == "scikit-learn" and body["framework_version"]
    assert body["estimator"] == "LogisticRegression"
    assert body["limits"] == {"max_batch_size": 1000, "max_body_bytes": 1048576}
    assert body["digest"].startswith("sha256:") and len(body["digest"]) == 71


def test_metadata_of_a_predictor_model(make_app, predictor_dir):
    body = make_app(predictor_dir).test_client().get("/metadata").get_json()
    assert body["format"] == "predictor" and body["framework"] == "python"
    assert body["features"] == ["x", "y"] and body["labels"] == ["low", "high"]
    assert body["estimator"] == "dict"


def test_metadata_without_model_json(make_app, regressor_dir):
    body = make_app(regressor_dir).test_client().get("/metadata").get_json()
    assert body["features"] is None and body["n_features"] == 2 and body["labels"] is None
    assert body["prediction_type"] == "number" and body["probabilities"] is False


def test_digest_matches_the_documented_shell_recipe(make_app, predictor_dir):
    (predictor_dir / "sub").mkdir()
    (predictor_dir / "sub" / "extra file.txt").write_text("x")
    (predictor_dir / "__pycache__").mkdir(exist_ok=True)
    (predictor_dir / "__pycache__" / "ignored.pyc").write_bytes(b"ignored")
    recipe = (
        "find . -type f -not -path '*/__pycache__/*' | sed 's|^\\./||' | LC_ALL=C sort | tr '\\n' '\\0' "
        "| xargs -0 sha256sum | sha256sum"
    )
    expected = subprocess.run(
        ["sh", "-c", recipe], cwd=predictor_dir, check=True, capture_output=True, text=True
    ).stdout.split()[0]
    assert make_app(predictor_dir).test_client().get("/metadata").get_json()["digest"] == f"sha256:{expected}"


def test_digest_changes_with_any_file(make_app, classifier_dir):
    before = make_app(classifier_dir).test_client().get("/metadata").get_json()["digest"]
    (classifier_dir / "README").write_text("notes")
    after = make_app(classifier_dir).test_client().get("/metadata").get_json()["digest"]
    assert before != after
