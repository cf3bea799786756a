"""Turn a model directory into a warmed-up ``LoadedModel``.

A model directory holds either

* ``model.joblib``: a scikit-learn (or any) estimator with ``predict`` (and optionally
  ``predict_proba``), saved with ``joblib.dump``; or
* ``predictor.py``: a module with ``load(model_dir) -> model``, ``predict(model, rows)`` and
  optionally ``predict_proba(model, rows)``, where ``rows`` is a 2-D float64 numpy array, and optionally
  ``ACCEPTS_BATCHES = True`` when each row's answer depends on that row alone (concurrent requests' rows
  may then share one call).
  ``predictor.py`` wins when both files exist (it may load ``model.joblib`` itself).

plus an optional ``model.json``: ``name``, ``version``, ``feature_names``, ``labels``, ``example``
(rows used for the warm-up prediction), ``description``. Both formats execute code from the
directory (pickle / Python): only serve model directories you trust.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from .digest import directory_digest
from .estimators import SklearnCalls, is_sklearn_estimator
from .loaded_model import JointPredictFn, LoadedModel, ModelInfo, PredictFn, Prediction, PredictionError, value_type

MODEL_JSON = "model.json"
JOBLIB_FILE = "model.joblib"
PREDICTOR_FILE = "predictor.py"
DEFAULT_NAME = "model"
DEFAULT_VERSION = "1"
_PREDICTOR_MODULE = "modelserver_user_predictor"
# predictor.py sets this to True when each row's answer depends on that row alone: the rows of concurrent
# requests may then be predicted in one call (batching.py).
ACCEPTS_BATCHES = "ACCEPTS_BATCHES"

# Names and versions appear in URLs (/v2/models/{name}/versions/{version}).
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class ModelLoadError(RuntimeError):
    """The model directory cannot be served; the message says why and which file."""


@dataclass(frozen=True)
class _Backend:
    predict: PredictFn
    predict_proba: Optional[PredictFn]
    classes: Optional[Sequence[Any]]
    n_features: Optional[int]
    format: str
    framework: str
    framework_version: Optional[str]
    estimator: str
    joint: Optional[JointPredictFn] = None
    batchable: bool = False

    def model(self, info: ModelInfo) -> LoadedModel:
        return LoadedModel(info, self.predict, self.predict_proba, self.classes, self.joint, self.batchable)


def load_model(model_dir: str, name: Optional[str] = None, version: Optional[str] = None) -> LoadedModel:
    """Load the model in ``model_dir`` and run a warm-up prediction.

    ``name``/``version`` override model.json. Raises ModelLoadError on any problem.
    """
    root = Path(model_dir)
    if not root.is_dir():
        raise ModelLoadError(f"model directory {model_dir} does not exist or is not a directory")
    meta = read_model_json(root)
    if (root / PREDICTOR_FILE).is_file():
        backend = _load_predictor(root)
    elif (root / JOBLIB_FILE).is_file():
        backend = _load_joblib(root)
    else:
        raise ModelLoadError(f"{model_dir} holds neither {JOBLIB_FILE} nor {PREDICTOR_FILE}")

    info = _model_info(root, meta, backend, name, version)
    warm_up = _warm_up(backend.model(info), meta.get("example"))
    info = replace(
        info,
        prediction_type=value_type(warm_up.predictions),
        probability_columns=len(warm_up.probabilities[0]) if warm_up.probabilities else None,
    )
    return backend.model(info)


def read_model_json(root: Path) -> dict[str, Any]:
    """Parse and check model.json; an absent file means no metadata."""
    path = root / MODEL_JSON
    if not path.exists():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_non_finite)
    except OSError as error:
        raise ModelLoadError(f"cannot read {path}: {error.strerror or error}") from error
    except ValueError as error:
        raise ModelLoadError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(meta, dict):
        raise ModelLoadError(f"{path} must hold a JSON object")
    for key in ("name", "version"):
        if key in meta:
            _check_identifier(f"{MODEL_JSON} {key}", meta[key])
    names = meta.get("feature_names")
    if names is not None and (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) and n for n in names)
        or len(set(names)) != len(names)
    ):
        raise ModelLoadError(f"{MODEL_JSON} feature_names must be a non-empty list of distinct strings")
    labels = meta.get("labels")
    if labels is not None and (
        not isinstance(labels, list)
        or not labels
        or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in labels)
    ):
        raise ModelLoadError(f"{MODEL_JSON} labels must be a non-empty list of strings or numbers")
    return meta


def _reject_non_finite(token: str) -> Any:
    raise ValueError(f"{token} is not a JSON number")


def _check_identifier(what: str, value: Any) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise ModelLoadError(
            f"{what} must be 1-128 characters of letters, digits, '.', '_' or '-' starting with a letter "
            f"or digit, got {value!r}"
        )
    return value


def _load_joblib(root: Path) -> _Backend:
    import joblib

    path = root / JOBLIB_FILE
    try:
        estimator = joblib.load(path)
    except OSError as error:
        raise ModelLoadError(f"cannot read {path}: {error.strerror or error}") from error
    except Exception as error:
        raise ModelLoadError(f"cannot load {path}: {type(error).__name__}: {error}") from error
    if not callable(getattr(estimator, "predict", None)):
        raise ModelLoadError(f"{path} holds a {type(estimator).__name__}, which has no predict()")
    n_features = getattr(estimator, "n_features_in_", None)
    module = type(estimator).__module__.split(".")[0]
    framework, framework_version = module, None
    if module == "sklearn":
        import sklearn

        framework, framework_version = "scikit-learn", sklearn.__version__
    return _Backend(
        predict=estimator.predict,
        predict_proba=estimator.predict_proba if hasattr(estimator, "predict_proba") else None,
        classes=getattr(estimator, "classes_", None),
        n_features=int(n_features) if n_features is not None else None,
        format="joblib",
        framework=framework,
        framework_version=framework_version,
        estimator=type(estimator).__name__,
        joint=SklearnCalls(estimator) if is_sklearn_estimator(estimator) else None,
        # scikit-learn's predict answers each row on its own; another library's estimator may not.
        batchable=is_sklearn_estimator(estimator),
    )


def _load_predictor(root: Path) -> _Backend:
    path = root / PREDICTOR_FILE
    spec = importlib.util.spec_from_file_location(_PREDICTOR_MODULE, path)
    if spec is None or spec.loader is None:
        raise ModelLoadError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_PREDICTOR_MODULE] = module  # lets the user's module pickle or introspect itself
    try:
        spec.loader.exec_module(module)
    except OSError as error:
        raise ModelLoadError(f"cannot read {path}: {error.strerror or error}") from error
    except Exception as error:
        raise ModelLoadError(f"importing {path} failed: {type(error).__name__}: {error}") from error
    for function in ("load", "predict"):
        if not callable(getattr(module, function, None)):
            raise ModelLoadError(f"{path} must define {function}()")
    try:
        model = module.load(str(root))
    except Exception as error:
        raise ModelLoadError(f"{path} load() failed: {type(error).__name__}: {error}") from error

    proba = getattr(module, "predict_proba", None)
    return _Backend(
        predict=lambda rows: module.predict(model, rows),
        predict_proba=(lambda rows: proba(model, rows)) if callable(proba) else None,
        classes=None,
        n_features=None,
        format="predictor",
        framework="python",
        framework_version=f"{sys.version_info.major}.{sys.version_info.minor}",
        estimator=type(model).__name__,
        batchable=_accepts_batches(module, path),
    )


def _accepts_batches(module: Any, path: Path) -> bool:
    """``ACCEPTS_BATCHES = True`` in predictor.py: each row's answer depends on that row alone."""
    value = getattr(module, ACCEPTS_BATCHES, False)
    if not isinstance(value, bool):
        raise ModelLoadError(f"{path} {ACCEPTS_BATCHES} must be True or False, got {value!r}")
    return value


def _model_info(
    root: Path, meta: Mapping[str, Any], backend: _Backend, name: Optional[str], version: Optional[str]
) -> ModelInfo:
    feature_names = meta.get("feature_names")
    n_features = backend.n_features
    if feature_names is not None and n_features is not None and len(feature_names) != n_features:
        raise ModelLoadError(
            f"{MODEL_JSON} lists {len(feature_names)} feature_names but the model expects {n_features} features"
        )
    if n_features is None:
        if feature_names is None:
            raise ModelLoadError(
                f"cannot tell how many features the model takes: add feature_names to {root / MODEL_JSON}"
            )
        n_features = len(feature_names)

    labels = meta.get("labels")
    if labels is not None and backend.classes is not None and len(labels) != len(backend.classes):
        raise ModelLoadError(
            f"{MODEL_JSON} lists {len(labels)} labels but the model has {len(backend.classes)} classes"
        )

    try:
        digest = directory_digest(root)
    except OSError as error:
        raise ModelLoadError(f"cannot read {error.filename}: {error.strerror or error}") from error
    return ModelInfo(
        name=_check_identifier("MODEL_NAME", name) if name else meta.get("name", DEFAULT_NAME),
        version=_check_identifier("MODEL_VERSION", version) if version else meta.get("version", DEFAULT_VERSION),
        n_features=n_features,
        feature_names=tuple(feature_names) if feature_names else None,
        labels=tuple(labels) if labels else None,
        digest=digest,
        format=backend.format,
        framework=backend.framework,
        framework_version=backend.framework_version,
        estimator=backend.estimator,
        has_probabilities=backend.predict_proba is not None,
    )


def _warm_up(model: LoadedModel, example: Any) -> Prediction:
    """Run one prediction so the first request does not pay for lazy initialisation."""
    n_features = model.info.n_features
    if example is None:
        rows = np.zeros((1, n_features), dtype=np.float64)
    else:
        try:
            rows = np.asarray(example, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ModelLoadError(f"{MODEL_JSON} example must be a list of numeric rows: {error}") from error
        if rows.ndim != 2 or rows.shape[0] == 0 or rows.shape[1] != n_features:
            raise ModelLoadError(f"{MODEL_JSON} example must be a list of rows of {n_features} numbers")
    try:
        return model.predict(rows)
    except PredictionError as error:
        raise ModelLoadError(f"warm-up prediction failed: {error}") from error
