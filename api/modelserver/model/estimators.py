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
  is not finite (finite but huge inputs) raises ``NonFiniteOutput``, answered as 422;
* for the classifiers in ``PREDICT_IS_ARGMAX_OF_PROBA``, whose ``predict`` scikit-learn computes as the
  class of the largest probability (or of the largest score that the probabilities rise with), the
  predictions are read off the probabilities instead of a second pass through the model. A row whose two
  largest probabilities are closer than ``_TIE`` (rounding could order them unlike the scores) still gets
  ``predict``'s own answer.
* ``StandardScaler`` steps before a multinomial ``LogisticRegression`` (the default model) are computed by
  ``LinearPipeline`` (linear_pipeline.py): the same arithmetic as scikit-learn's, without its checks.

Only estimators whose class lives in scikit-learn get this; anything else (a user's
``predictor.py``) is called exactly as written.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .linear_pipeline import linear_pipeline
from .loaded_model import CheckedAnswer, NonFiniteOutput, PredictionError

_PASSTHROUGH = (None, "passthrough")

# scikit-learn classifiers whose predict() is classes_[argmax(predict_proba())]: forests and trees take the
# argmax of the probabilities themselves; LogisticRegression and GaussianNB take the argmax of scores that
# predict_proba maps through a transform that keeps their order (softmax, expit, exp of normalised logs).
PREDICT_IS_ARGMAX_OF_PROBA = frozenset({
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._forest.ExtraTreesClassifier",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._classes.ExtraTreeClassifier",
    "sklearn.naive_bayes.GaussianNB",
})
_TIE = 1e-9
# Up to this many rows, the answer is read off the probabilities in plain Python (one tolist(), then loops over a
# few floats); NumPy's per-call cost made that part cost more than the model's arithmetic for one row.
_PYTHON_MAX_ROWS = 8


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
        self._classes = _argmax_classes(self._final) if self.has_probabilities else None
        self._class_values = self._classes.tolist() if self._classes is not None else []
        self._linear = linear_pipeline(self._transforms, self._final) if self._classes is not None else None

    def __call__(self, rows: np.ndarray, probabilities: bool) -> tuple[Any, Optional[Any]] | CheckedAnswer:
        if not np.isfinite(rows).all():
            raise PredictionError("the rows hold NaN or infinity")
        try:
            if self._linear is not None and rows.shape[1] == self._linear.n_features:
                # Predictions alone too (a candidate's reference model on shadow requests): read off the
                # probabilities, they cost a fraction of scikit-learn's checked predict().
                matrix, answered = self._linear(rows)
                answer = self._from_probabilities(matrix, answered)  # scikit-learn runs only for near ties
                return answer if probabilities or isinstance(answer, CheckedAnswer) else (answer[0], None)
            with self._config_context(assume_finite=True):
                matrix = rows
                for index, transform in enumerate(self._transforms):
                    matrix = transform.transform(matrix)
                    if not _all_finite(matrix):
                        raise NonFiniteOutput(
                            f"pipeline step {index} ({type(transform).__name__}) returned NaN or infinity"
                        )
                if not (probabilities and self.has_probabilities):
                    return self._final.predict(matrix), None
                if self._classes is not None:
                    return self._from_probabilities(matrix)
                predictions = self._final.predict(matrix)
                return predictions, self._probabilities(matrix)
        except PredictionError:
            raise
        except Exception as error:  # the model's own code: report, do not crash the worker
            raise PredictionError(f"predict failed: {type(error).__name__}: {error}") from error

    def _probabilities(self, matrix: Any) -> Any:
        try:
            return self._final.predict_proba(matrix)
        except Exception as error:
            raise PredictionError(f"predict_proba failed: {type(error).__name__}: {error}") from error

    def _from_probabilities(self, matrix: Any, answered: Optional[np.ndarray] = None) -> tuple[Any, Any] | CheckedAnswer:
        """Predictions as the class of each row's largest probability; near ties ask ``predict``."""
        probabilities = np.asarray(self._probabilities(matrix) if answered is None else answered)
        if probabilities.ndim != 2 or probabilities.shape[1] != len(self._classes):
            return self._final.predict(matrix), probabilities  # not what we expect: let predict answer
        if probabilities.shape[0] <= _PYTHON_MAX_ROWS:
            return self._checked_answer(matrix, probabilities.tolist())
        predictions = self._classes.take(probabilities.argmax(axis=1))
        if probabilities.shape[1] > 1:
            two_largest = np.partition(probabilities, -2, axis=1)[:, -2:]
            near_tie = two_largest[:, 1] - two_largest[:, 0] < _TIE
            if near_tie.any():  # `take` made a new array: it may be written
                with self._config_context(assume_finite=True):
                    predictions[near_tie] = self._final.predict(matrix[near_tie])
        return predictions, probabilities

    def _checked_answer(self, matrix: Any, table: list[list[float]]) -> CheckedAnswer:
        """``_from_probabilities`` for a few rows, in Python: the same classes (the first largest probability, as
        ``argmax``), the same near ties sent to ``predict``, and NaN or infinity refused as ``LoadedModel`` does."""
        predictions = []
        near_ties = []
        for index, row in enumerate(table):
            best_at, margin = _largest_and_margin(row)
            predictions.append(self._class_values[best_at])
            if margin < _TIE:
                near_ties.append(index)
        if near_ties:
            with self._config_context(assume_finite=True):
                answers = np.asarray(self._final.predict(matrix[near_ties])).tolist()
            for index, answer in zip(near_ties, answers):
                predictions[index] = answer
        return CheckedAnswer(predictions, table)


def _largest_and_margin(row: list[float]) -> tuple[int, float]:
    """The column of the first largest value and how far it is above the next one (infinite for one column)."""
    best_at, best, second = 0, -math.inf, -math.inf
    for column, value in enumerate(row):
        if not math.isfinite(value):
            raise NonFiniteOutput("predict_proba returned NaN or infinity")
        if value > best:
            best_at, best, second = column, value, best
        elif value > second:
            second = value
    return best_at, best - second


def _argmax_classes(final: Any) -> Optional[np.ndarray]:
    """The final estimator's ``classes_`` when its predictions may be read off its probabilities, else None."""
    name = f"{type(final).__module__}.{type(final).__qualname__}"
    classes = getattr(final, "classes_", None)
    if name not in PREDICT_IS_ARGMAX_OF_PROBA or classes is None:
        return None
    classes = np.asarray(classes)
    return classes if classes.ndim == 1 else None  # multi-output forests: a list of class arrays


def _all_finite(matrix: Any) -> bool:
    """True when a transform's output holds no NaN/infinity (sparse outputs: their stored values)."""
    values = getattr(matrix, "data", matrix) if hasattr(matrix, "tocsr") else matrix
    try:
        return bool(np.isfinite(np.asarray(values, dtype=np.float64)).all())
    except (TypeError, ValueError):  # a non-numeric transform output: let the final estimator judge it
        return True
