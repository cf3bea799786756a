"""The image's default model: iris, trained at build time, byte-for-byte reproducible."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import modelserver
from helpers import post_json

MODEL_DIR = Path(os.environ.get("MODEL_DIR", "/opt/model"))
TRAIN_SCRIPT = Path(modelserver.__file__).resolve().parent.parent / "train_iris.py"


@pytest.fixture(scope="module")
def iris_client():
    from modelserver.http.app import create_app
    from modelserver.settings import Settings

    return create_app(Settings(model_dir=str(MODEL_DIR))).test_client()


@pytest.mark.parametrize(
    "row, species",
    [
        ([5.1, 3.5, 1.4, 0.2], "setosa"),
        ([4.9, 3.0, 1.4, 0.2], "setosa"),
        ([5.9, 3.0, 4.2, 1.5], "versicolor"),
        ([6.4, 3.2, 4.5, 1.5], "versicolor"),
        ([6.7, 3.0, 5.2, 2.3], "virginica"),
        ([6.3, 3.3, 6.0, 2.5], "virginica"),
    ],
)
def test_iris_answers(iris_client, row, species):
    body = post_json(iris_client, "/predict", {"instances": [row]}).get_json()
    assert body["predictions"] == [species]
    assert body["model"] == {"name": "iris", "version": "1.0.0"}
    probabilities = body["probabilities"][0]
    assert max(probabilities) == probabilities[["setosa", "versicolor", "virginica"].index(species)]


def test_iris_metadata(iris_client):
    body = iris_client.get("/metadata").get_json()
    assert body["features"] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert body["labels"] == ["setosa", "versicolor", "virginica"]
    assert body["framework"] == "scikit-learn"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_training_is_byte_for_byte_reproducible(tmp_path):
    """Two fresh trainings and the one done at image build time give identical files."""
    for run in ("a", "b"):
        subprocess.run([sys.executable, str(TRAIN_SCRIPT), str(tmp_path / run)], check=True, capture_output=True)
    for name in ("model.joblib", "model.json"):
        assert sha256(tmp_path / "a" / name) == sha256(tmp_path / "b" / name) == sha256(MODEL_DIR / name), name
