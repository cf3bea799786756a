"""Fixtures: small models written to temporary directories, apps and clients built from them.

The unit tests use the app's own metrics registry: PROMETHEUS_MULTIPROC_DIR (set by the image) is
removed before prometheus_client is imported. Multiprocess metrics are tested against a real
gunicorn in test_gunicorn.py.
"""

import os

os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

import models  # noqa: E402
from modelserver.http.app import create_app  # noqa: E402
from modelserver.settings import Settings  # noqa: E402


@pytest.fixture
def classifier_dir(tmp_path: Path) -> Path:
    """LogisticRegression on 3 features, classes 0/1 named "no"/"yes" in model.json."""
    return models.write_classifier(tmp_path / "classifier")


@pytest.fixture
def regressor_dir(tmp_path: Path) -> Path:
    """LinearRegression on 2 features (y = 2a + 3b + 1), no model.json, no predict_proba."""
    return models.write_regressor(tmp_path / "regressor")


@pytest.fixture
def predictor_dir(tmp_path: Path) -> Path:
    """predictor.py model: class 1 when the row sum exceeds 10, with predict_proba."""
    return models.write_predictor(tmp_path / "predictor")


@pytest.fixture
def make_app():
    """Build an app for a model directory; keyword arguments override Settings fields."""

    apps = []  # a test client's response.get_json() needs its app alive

    def build(model_dir, load_model=True, **overrides):
        apps.append(create_app(Settings(model_dir=str(model_dir), **overrides), load_model=load_model))
        return apps[-1]

    return build


@pytest.fixture
def app(make_app, classifier_dir):
    return make_app(classifier_dir)


@pytest.fixture
def client(app):
    return app.test_client()
