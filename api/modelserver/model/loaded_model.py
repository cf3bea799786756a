"""The served model as the routes see it: what it is (``ModelInfo``) and ``predict`` on checked rows.

How a model directory becomes a ``LoadedModel`` is :mod:`modelserver.model.loading`'s job.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

PredictFn = Callable[[np.ndarray], Any]


@dataclass(frozen=True)
class CheckedAnswer:
    """Predictions and probabilities that a joint function has already made Python values and checked.

    One prediction per row and, per row, one finite float per class: ``LoadedModel.predict`` only names the
    labels, instead of converting and checking arrays again (estimators.py answers small batches this way).
    """

    predictions: list[Any]
    probabilities: list[list[float]]


# (rows, probabilities wanted) -> (raw predictions, raw probabilities or None), or a CheckedAnswer when
# probabilities were wanted; raises PredictionError.
JointPredictFn = Callable[[np.ndarray, bool], "tuple[Any, Optional[Any]] | CheckedAnswer"]


class PredictionError(RuntimeError):
    """The model's own code failed or answered something that is not a prediction per row."""


class NonFiniteOutput(PredictionError):
    """The model answered NaN or infinity (e.g. a regressor fed huge but finite inputs)."""


@dataclass(frozen=True)
class ModelInfo:
    """Identity and interface of the served model (``/metadata`` and the V2 model metadata)."""

    name: str
    version: str
    n_features: int
    feature_names: Optional[tuple[str, ...]]
    labels: Optional[tuple[Any, ...]]
    digest: str
    format: str  # "joblib" or "predictor"
    framework: str
    framework_version: Optional[str]
    estimator: str
    has_probabilities: bool
    # Learnt from the warm-up prediction:
    prediction_type: str = "unknown"  # see value_type()
    probability_columns: Optional[int] = None


@dataclass(frozen=True)
class Prediction:
    """Predictions (labels when the model has them) and, when available, class probabilities."""

    predictions: list[Any]
    probabilities: Optional[list[list[float]]]


class LoadedModel:
    """A model behind a uniform ``predict(rows)``; rows are a checked 2-D float64 array.

    ``classes`` are the model's class values in probability-column order (scikit-learn's
    ``classes_``). ``labels[i]`` names ``classes[i]``; without ``classes`` a prediction ``i``
    (an integer) is named ``labels[i]``.
    """

    def __init__(
        self,
        info: ModelInfo,
        predict: PredictFn,
        predict_proba: Optional[PredictFn] = None,
        classes: Optional[Sequence[Any]] = None,
        joint: Optional[JointPredictFn] = None,
        batchable: bool = False,
    ):
        """``joint``, when given, answers predictions and probabilities in one call (see estimators.py).

        ``batchable``: each row's answer depends on that row alone, so the rows of several requests may be
        predicted in one call (batching.py).
        """
        self.info = info
        self.batchable = batchable
        self._predict = predict
        self._predict_proba = predict_proba
        self._joint = joint
        self._label_of = _label_lookup(info.labels, classes)

    def predict(self, rows: np.ndarray, probabilities: bool = True) -> Prediction:
        """Predict every row; raises PredictionError when the model misbehaves."""
        count = rows.shape[0]
        want_proba = probabilities and self._predict_proba is not None
        raw_proba = None
        if self._joint is not None:
            answer = self._joint(rows, want_proba)
            if isinstance(answer, CheckedAnswer):
                if len(answer.predictions) != count:
                    raise PredictionError(f"the model answered {len(answer.predictions)} predictions for {count} rows")
                labels = [self._label_of(value) for value in answer.predictions]
                return Prediction(predictions=labels, probabilities=answer.probabilities if want_proba else None)
            raw_predictions, raw_proba = answer
        else:
            try:
                raw_predictions = self._predict(rows)
            except Exception as error:  # the model's own code: report, do not crash the worker
                raise PredictionError(f"predict failed: {type(error).__name__}: {error}") from error
        raw = np.asarray(raw_predictions)
        if raw.ndim != 1 or raw.shape[0] != count:
            raise PredictionError(f"predict returned shape {raw.shape} for {count} rows")
        values = raw.tolist()
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            raise NonFiniteOutput("predict returned NaN or infinity")
        predictions = [self._label_of(value) for value in values]

        proba = None
        if want_proba:
            proba = self._probabilities(rows, count, raw_proba)
        return Prediction(predictions=predictions, probabilities=proba)

    def _probabilities(self, rows: np.ndarray, count: int, answered: Optional[Any]) -> list[list[float]]:
        try:
            raw = np.asarray(self._predict_proba(rows) if answered is None else answered, dtype=np.float64)
        except PredictionError:
            raise
        except Exception as error:
            raise PredictionError(f"predict_proba failed: {type(error).__name__}: {error}") from error
        if raw.ndim != 2 or raw.shape[0] != count:
            raise PredictionError(f"predict_proba returned shape {raw.shape} for {count} rows")
        if not np.isfinite(raw).all():
            raise NonFiniteOutput("predict_proba returned NaN or infinity")
        return raw.tolist()


def value_type(values: Sequence[Any]) -> str:
    """Describe prediction values: "string", "boolean", "integer", "number" or "mixed"."""
    if all(isinstance(v, str) for v in values):
        return "string"
    if all(isinstance(v, bool) for v in values):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "number"
    return "mixed"


def _label_lookup(labels: Optional[Sequence[Any]], classes: Optional[Sequence[Any]]) -> Callable[[Any], Any]:
    if not labels:
        return lambda value: value
    if classes is not None:
        by_class = dict(zip(np.asarray(classes).tolist(), labels))
        return lambda value: by_class.get(value, value)

    def by_index(value: Any) -> Any:
        if isinstance(value, (int, float)) and float(value).is_integer() and 0 <= int(value) < len(labels):
            return labels[int(value)]
        return value

    return by_index


class ModelSlot:
    """Holds the served model; ``ready`` once a model is loaded and its warm-up prediction ran."""

    def __init__(self) -> None:
        self._model: Optional[LoadedModel] = None
        self._lock = threading.Lock()
        self.load_seconds: Optional[float] = None

    @property
    def ready(self) -> bool:
        return self._model is not None

    @property
    def model(self) -> Optional[LoadedModel]:
        return self._model

    def set(self, model: LoadedModel, load_seconds: float) -> None:
        with self._lock:
            self._model = model
            self.load_seconds = load_seconds
