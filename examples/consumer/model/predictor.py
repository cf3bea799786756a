"""A tiny hand-written model served through predictor.py (no binary files).

The api calls ``load(model_dir)`` once and then ``predict(model, rows)`` and
``predict_proba(model, rows)`` with ``rows`` a 2-D float64 numpy array whose columns follow
``feature_names`` in model.json. ``predict`` returns class indexes; the api names them with
model.json's ``labels`` (0 -> "stays", 1 -> "churns").
"""

import json
from pathlib import Path

import numpy as np


def load(model_dir):
    """Read the logistic weights from weights.json."""
    weights = json.loads((Path(model_dir) / "weights.json").read_text(encoding="utf-8"))
    return {
        "coefficients": np.asarray(weights["coefficients"], dtype=np.float64),
        "intercept": float(weights["intercept"]),
    }


def predict_proba(model, rows):
    """Probabilities of [stays, churns] per row."""
    churns = 1.0 / (1.0 + np.exp(-(rows @ model["coefficients"] + model["intercept"])))
    return np.column_stack([1.0 - churns, churns])


def predict(model, rows):
    """1 (churns) when the churn probability is at least one half, else 0 (stays)."""
    return (predict_proba(model, rows)[:, 1] >= 0.5).astype(np.int64)
