"""Probabilities of a standardised multinomial logistic regression in plain NumPy, without scikit-learn's checks.

An in-process profile (bench/profile/wsgi-call.py) of the default iris model (``StandardScaler`` then ``LogisticRegression``) spent 175 us
of each one-row ``/predict`` in scikit-learn, 19 us of it in arithmetic: the rest was ``check_array`` and
``_validate_data`` on data that ``SklearnCalls`` has already checked (bench/README.md). ``LinearPipeline``
does the same arithmetic in the same order as scikit-learn (``StandardScaler.transform``,
``LogisticRegression.decision_function``, ``sklearn.utils.extmath.softmax``), so its answers are the same
floats, and it is used only when a probe of rows gives exactly scikit-learn's own answers.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .loaded_model import NonFiniteOutput

_PROBE_ROWS = 16
_PROBE_SEED = 0


class LinearPipeline:
    """``rows -> (the last step's input, probabilities)`` for ``StandardScaler``* + multinomial ``LogisticRegression``."""

    def __init__(self, scalers: Sequence[Any], final: Any, n_features: int):
        self.n_features = n_features
        self._scalers = [
            (scaler.mean_ if scaler.with_mean else None, scaler.scale_ if scaler.with_std else None) for scaler in scalers
        ]
        self._coef_t = final.coef_.T
        self._intercept = final.intercept_

    def __call__(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        matrix = rows
        for index, (mean, scale) in enumerate(self._scalers):
            matrix = matrix - mean if mean is not None else matrix.copy()
            if scale is not None:
                matrix /= scale
            if not np.isfinite(matrix).all():
                raise NonFiniteOutput(f"pipeline step {index} (StandardScaler) returned NaN or infinity")
        # The array methods, with keepdims, compute what np.max/np.sum and a reshape compute, in fewer calls: with
        # one row, NumPy's per-call cost is most of this function's time.
        scores = matrix @ self._coef_t
        scores += self._intercept
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return matrix, scores


def linear_pipeline(transforms: Sequence[Any], final: Any) -> Optional[LinearPipeline]:
    """A ``LinearPipeline`` for these steps when they are the supported kinds and it answers as they do, else None."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    if type(final) is not LogisticRegression or not all(type(step) is StandardScaler for step in transforms):
        return None
    if not _is_multinomial(final) or not all(_is_dense(step) for step in [final, *transforms]):
        return None
    n_features = getattr(transforms[0] if transforms else final, "n_features_in_", None)
    if not isinstance(n_features, int):
        return None
    fast = LinearPipeline(transforms, final, n_features)
    probe = _probe_rows(transforms[0] if transforms else None, n_features)
    expected = probe
    for step in transforms:
        expected = step.transform(expected)
    return fast if np.array_equal(fast(probe)[1], final.predict_proba(expected)) else None


def _is_multinomial(final: Any) -> bool:
    """What ``LogisticRegression.predict_proba`` checks before it takes the softmax of the scores."""
    classes = getattr(final, "classes_", None)
    coef = getattr(final, "coef_", None)
    if classes is None or coef is None or np.ndim(coef) != 2 or len(classes) <= 2:
        return False
    return final.multi_class == "multinomial" or (final.multi_class == "auto" and final.solver != "liblinear")


def _is_dense(step: Any) -> bool:
    names = ("coef_", "intercept_") if hasattr(step, "coef_") else ("mean_", "scale_")
    return all(getattr(step, name, None) is None or type(getattr(step, name)) is np.ndarray for name in names)


def _probe_rows(scaler: Any, n_features: int) -> np.ndarray:
    """Rows around the training data (a scaler's mean and scale when there is one), and one of zeros."""
    rng = np.random.default_rng(_PROBE_SEED)
    mean = getattr(scaler, "mean_", None)
    scale = getattr(scaler, "scale_", None)
    rows = rng.normal(size=(_PROBE_ROWS, n_features)) * (scale if scale is not None else 1.0)
    rows += mean if mean is not None else 0.0
    return np.vstack([rows, np.zeros((1, n_features))])
