"""Small models for the tests, written to directories the way users provide them."""

import json
import textwrap
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression

CLASSIFIER_FEATURES = ["a", "b", "c"]


def write_classifier(directory: Path, **meta_overrides) -> Path:
    """Class "yes" when a + b + c > 0, else "no"."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x.sum(axis=1) > 0).astype(int)
    joblib.dump(LogisticRegression(random_state=0).fit(x, y), directory / "model.joblib")
    meta = {"name": "tiny", "version": "0.1.0", "feature_names": CLASSIFIER_FEATURES, "labels": ["no", "yes"]}
    meta.update(meta_overrides)
    (directory / "model.json").write_text(json.dumps(meta))
    return directory


def write_regressor(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    x = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [2, 3]], dtype=float)
    y = 2 * x[:, 0] + 3 * x[:, 1] + 1
    joblib.dump(LinearRegression().fit(x, y), directory / "model.joblib")
    return directory


PREDICTOR_SOURCE = textwrap.dedent(
    '''
    import json
    import os

    import numpy as np


    def load(model_dir):
        with open(os.path.join(model_dir, "threshold.json")) as handle:
            return json.load(handle)


    def predict(model, rows):
        if (rows == 666).any():
            raise RuntimeError("the model cannot handle 666")
        return (rows.sum(axis=1) > model["threshold"]).astype(int)


    def predict_proba(model, rows):
        high = 1 / (1 + np.exp(model["threshold"] - rows.sum(axis=1)))
        return np.column_stack([1 - high, high])
    '''
)


def write_predictor(directory: Path, source: str = PREDICTOR_SOURCE, meta=None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "predictor.py").write_text(source)
    (directory / "threshold.json").write_text(json.dumps({"threshold": 10}))
    if meta is None:
        meta = {"name": "summer", "version": "2", "feature_names": ["x", "y"], "labels": ["low", "high"]}
    (directory / "model.json").write_text(json.dumps(meta))
    return directory
