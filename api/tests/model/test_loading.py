"""Model directories: what loads, and the clear error for everything that does not."""

import json
import os

import pytest

import models
from modelserver.model.loading import ModelLoadError, load_model


def test_joblib_model_loads_with_metadata(classifier_dir):
    info = load_model(str(classifier_dir)).info
    assert (info.name, info.version, info.n_features) == ("tiny", "0.1.0", 3)
    assert info.labels == ("no", "yes") and info.has_probabilities
    assert info.prediction_type == "string" and info.probability_columns == 2


def test_predictor_wins_over_joblib(tmp_path):
    directory = models.write_predictor(tmp_path / "both")
    models.write_regressor(directory)
    assert load_model(str(directory)).info.format == "predictor"


def test_warm_up_uses_the_example_rows(tmp_path):
    source = models.PREDICTOR_SOURCE + (
        "\n\ndef predict(model, rows):\n    raise RuntimeError(f'warm-up saw {rows.tolist()}')\n"
    )
    directory = models.write_predictor(
        tmp_path / "p", source=source, meta={"feature_names": ["x", "y"], "example": [[3, 4]]}
    )
    with pytest.raises(ModelLoadError, match=r"warm-up prediction failed: .*warm-up saw \[\[3.0, 4.0\]\]"):
        load_model(str(directory))


def write_meta(directory, meta):
    (directory / "model.json").write_text(json.dumps(meta) if not isinstance(meta, str) else meta)


@pytest.mark.parametrize(
    "meta, message",
    [
        ("{not json", "not valid JSON"),
        ([1, 2], "JSON object"),
        ({"name": "has space"}, "model.json name must be"),
        ({"name": ""}, "model.json name must be"),
        ({"version": 3}, "model.json version must be"),
        ({"feature_names": "a,b,c"}, "feature_names"),
        ({"feature_names": ["a", "a", "b"]}, "feature_names"),
        ({"feature_names": ["a", "b"]}, "lists 2 feature_names but the model expects 3"),
        ({"labels": []}, "labels"),
        ({"labels": ["only-one"]}, "lists 1 labels but the model has 2 classes"),
        ({"labels": [True, False]}, "labels"),
        ('{"labels": [NaN, 1]}', "not valid JSON"),
        ({"example": [[1, 2]]}, "example must be a list of rows of 3 numbers"),
        ({"example": [["a", "b", "c"]]}, "example must be a list of numeric rows"),
    ],
)
def test_bad_model_json_is_a_clear_error(classifier_dir, meta, message):
    write_meta(classifier_dir, meta)
    with pytest.raises(ModelLoadError, match=message):
        load_model(str(classifier_dir))


def test_missing_directory(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_model(str(tmp_path / "nope"))


def test_empty_directory(tmp_path):
    with pytest.raises(ModelLoadError, match="neither model.joblib nor predictor.py"):
        load_model(str(tmp_path))


def test_garbage_joblib(tmp_path):
    (tmp_path / "model.joblib").write_bytes(b"this is not a pickle")
    with pytest.raises(ModelLoadError, match="cannot load .*model.joblib"):
        load_model(str(tmp_path))


def test_joblib_without_predict(tmp_path):
    import joblib

    joblib.dump({"weights": [1, 2]}, tmp_path / "model.joblib")
    with pytest.raises(ModelLoadError, match="holds a dict, which has no predict"):
        load_model(str(tmp_path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_joblib(classifier_dir):
    (classifier_dir / "model.joblib").chmod(0)
    with pytest.raises(ModelLoadError, match="cannot read .*model.joblib: Permission denied"):
        load_model(str(classifier_dir))


@pytest.mark.parametrize(
    "source, message",
    [
        ("def load(d):\n    return 1\n", "must define predict"),
        ("def predict(m, rows):\n    return rows[:, 0]\n", "must define load"),
        ("import no_such_module_here\n", "importing .*predictor.py failed: ModuleNotFoundError"),
        (
            "def load(d):\n    raise OSError('weights missing')\n\ndef predict(m, r):\n    return r\n",
            "load\\(\\) failed",
        ),
        ("def load(d):\n    return 1\n\ndef predict(m, rows):\n    return [1, 2, 3]\n", "predict returned shape"),
        ("def load(d):\n    return 1\n\ndef predict(m, rows):\n    return rows\n", "predict returned shape"),
        (
            "ACCEPTS_BATCHES = 'yes'\n\ndef load(d):\n    return 1\n\ndef predict(m, rows):\n    return rows[:, 0]\n",
            "ACCEPTS_BATCHES must be True or False",
        ),
    ],
)
def test_bad_predictor_is_a_clear_error(tmp_path, source, message):
    directory = models.write_predictor(tmp_path / "p", source=source, meta={"feature_names": ["x", "y"]})
    with pytest.raises(ModelLoadError, match=message):
        load_model(str(directory))


def test_predictor_needs_feature_names(tmp_path):
    directory = models.write_predictor(tmp_path / "p", meta={"name": "p"})
    with pytest.raises(ModelLoadError, match="add feature_names"):
        load_model(str(directory))


def test_create_app_logs_one_json_line_and_raises_when_loading_fails(make_app, tmp_path, capsys):
    (tmp_path / "model.joblib").write_bytes(b"garbage")
    with pytest.raises(ModelLoadError):
        make_app(tmp_path)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    failed = [line for line in lines if line.get("event") == "model_load_failed"]
    assert len(failed) == 1
    assert failed[0]["level"] == "error" and failed[0]["model_dir"] == str(tmp_path)
    assert "model.joblib" in failed[0]["error"]


@pytest.mark.parametrize("name", ["bad name", "-leading", "x" * 129, "sl/ash"])
def test_invalid_name_override(classifier_dir, name):
    with pytest.raises(ModelLoadError, match="MODEL_NAME"):
        load_model(str(classifier_dir), name=name)


def test_scikit_learn_models_batch_and_predictors_only_when_they_say_so(tmp_path, classifier_dir):
    assert load_model(str(classifier_dir)).batchable
    plain = models.write_predictor(tmp_path / "plain")
    assert not load_model(str(plain)).batchable
    batching = models.write_predictor(tmp_path / "batching", source="ACCEPTS_BATCHES = True\n" + models.PREDICTOR_SOURCE)
    assert load_model(str(batching)).batchable
