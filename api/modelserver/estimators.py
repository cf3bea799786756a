"""One pass through a scikit-learn estimator for predictions and probabilities together.

Profiled under load (bench/README.md), the default iris model's ``/predict`` spent most of its
model time in scikit-learn's input validation, paid four times per request: ``predict`` and
``predict_proba`` each validate the rows, and a ``Pipeline`` runs (and validates in) every transform
step again for each of the two calls. ``SklearnCalls`` gives the same answers with less of that:

* a ``Pipeline``'s transform steps run once; the final estimator's ``predict`` and
  ``predict_proba`` both get that one transformed matrix (what ``Pipeline.predict`` and
  ``Pipeline.predict_proba`` each do on their own);
* the calls run under ``sklearn.config_context(assume_finite=True)``: the rows are checked to be
  finite here (the request decoders have checked them already), and so is every transform step's
  output, so scikit-learn's own NaN/infinity scans of the same data are skipped. A step whose output
  is not finite (finite but huge inputs) raises ``NonFiniteOutput``, answered as 422.

Only estimators whose class lives in scikit-learn get this; anything else (a user's
``predictor.py``) is called exactly as written.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .model import NonFiniteOutput, PredictionError

_PASSTHROUGH = (None, "passthrough")


def is_sklearn_estimator(estimator: Any) -> bool:
    return type(estimator).__module__.split(".")[0] == "sklearn"


class SklearnCalls:
    """``(rows, probabilities) -> (predictions, probabilities or None)`` for one scikit-learn estimator."""

    def __init__(self, estimator: Any):
        import sklearn

        self._config_context = sklearn.config_context
        steps = getattr(estimator, "steps", None)
        final = steps[-1][1] if steps else None
        if steps and final not in _PASSTHROUGH and callable(getattr(final, "predict", None)):
            self._transforms = [step for _, step in steps[:-1] if step not in _PASSTHROUGH]
            self._final = final
        else:
            self._transforms = []
            self._final = estimator
        self.has_probabilities = hasattr(estimator, "predict_proba")

    def __call__(self, rows: np.ndarray, probabilities: bool) -> tuple[Any, Optional[Any]]:
        if not np.isfinite(rows).all():
            raise PredictionError("the rows hold NaN or infinity")
        try:
            with self._config_context(assume_finite=True):
                matrix = rows
                for index, transform in enumerate(self._transforms):
                    matrix = transform.transform(matrix)
                    if not _all_finite(matrix):
                        raise NonFiniteOutput(
                            f"pipeline step {index} ({type(transform).__name__}) returned NaN or infinity"
                        )
                predictions = self._final.predict(matrix)
                if not (probabilities and self.has_probabilities):
                    return predictions, None
                try:
                    return predictions, self._final.predict_proba(matrix)
                except Exception as error:
                    raise PredictionError(f"predict_proba failed: {type(error).__name__}: {error}") from error
        except PredictionError:
            raise
        except Exception as error:  # the model's own code: report, do not crash the worker
            raise PredictionError(f"predict failed: {type(error).__name__}: {error}") from error

def _all_finite(matrix: Any) -> bool:
    """True when a transform's output holds no NaN/infinity (sparse outputs: their stored values)."""
    values = getattr(matrix, "data", matrix) if hasattr(matrix, "tocsr") else matrix
    try:
        return bool(np.isfinite(np.asarray(values, dtype=np.float64)).all())
    except (TypeError, ValueError):  # a non-numeric transform output: let the final estimator judge it
        return True
