"""The per-app state the routes share (kept in ``app.extensions``, no module globals)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Optional

import numpy as np
from flask import current_app, g, request

from ..settings import Settings
from .errors import ApiError
from .shadow import is_shadow
from ..model.agreement import Agreement, agreeing_rows
from ..model.loading import ModelLoadError, load_model
from ..observability.metrics import Metrics
from ..model.batching import Batcher
from ..model.loaded_model import LoadedModel, ModelSlot, NonFiniteOutput, Prediction, PredictionError

EXTENSION_KEY = "modelserver"
# Where ``predict`` leaves a shadow request's agreement with the reference model for the request's bookkeeping.
SHADOW_AGREEMENT_KEY = "shadow_agreement"
UNKNOWN_VERSION = "unknown"


@dataclass
class ServerState:
    settings: Settings
    slot: ModelSlot
    metrics: Metrics
    logger: logging.Logger
    batcher: Batcher
    # The stable model a candidate compares its shadow predictions with (REFERENCE_MODEL_DIR), once loaded.
    reference: Optional[LoadedModel] = None

    def load_model(self) -> LoadedModel:
        """Load and warm up the configured model (and the reference model, when set); log one JSON line for each,
        whether it works or not."""
        started = time.perf_counter()
        try:
            model = load_model(self.settings.model_dir, self.settings.model_name, self.settings.model_version)
            if self.settings.reference_model_dir is not None:
                self.reference = self._load_reference(self.settings.reference_model_dir)
        except ModelLoadError as error:
            fields = {"event": "model_load_failed", "model_dir": self.settings.model_dir, "error": str(error)}
            self.logger.error("model failed to load", extra={"fields": fields})
            raise
        seconds = time.perf_counter() - started
        self.slot.set(model, seconds)
        self.metrics.record_model(model.info, seconds)
        info = model.info
        self.logger.info(
            "model loaded",
            extra={
                "fields": {
                    "event": "model_loaded",
                    "model_dir": self.settings.model_dir,
                    "name": info.name,
                    "version": info.version,
                    "digest": info.digest,
                    "load_seconds": round(seconds, 4),
                }
            },
        )
        return model

    def _load_reference(self, model_dir: str) -> LoadedModel:
        try:
            reference = load_model(model_dir)
        except ModelLoadError as error:
            raise ModelLoadError(f"reference model (REFERENCE_MODEL_DIR): {error}") from error
        info = reference.info
        fields = {"event": "reference_model_loaded", "model_dir": model_dir, "name": info.name, "version": info.version, "digest": info.digest}
        self.logger.info("reference model loaded", extra={"fields": fields})
        return reference

    @property
    def served_version(self) -> str:
        """The version of the served model; before it is loaded, MODEL_VERSION, else "unknown"."""
        model = self.slot.model
        if model is not None:
            return model.info.version
        return self.settings.model_version or UNKNOWN_VERSION

    def predict(self, model: LoadedModel, rows: np.ndarray, probabilities: bool = True) -> Prediction:
        """Predict checked rows (through the batcher: possibly in one call with concurrent requests) and count them.

        A non-finite answer (NaN/inf from extreme inputs) is the input's fault: 422. Any other model
        failure is logged and becomes a JSON 500.
        """
        try:
            prediction = self.batcher.predict(model, rows, probabilities=probabilities)
        except NonFiniteOutput as error:
            raise ApiError(
                422, "non_finite_prediction", "the model's answer for this input is not a finite number"
            ) from error
        except PredictionError as error:
            fields = {"event": "prediction_failed", "error": str(error)}
            self.logger.error("prediction failed", exc_info=error, extra={"fields": fields})
            raise ApiError(500, "prediction_failed", "the model failed to predict") from error
        self.metrics.predictions.inc(rows.shape[0])
        if self.reference is not None and is_shadow(request.headers):
            g.setdefault(SHADOW_AGREEMENT_KEY, self.compare_with_reference(rows, prediction))
        return prediction

    def compare_with_reference(self, rows: np.ndarray, prediction: Prediction) -> Agreement:
        """Predict ``rows`` with the reference model too and count the rows whose predictions are equal.

        Runs on shadow requests only, on the candidate's CPU. A reference model that fails is logged and agrees on
        no row.
        """
        assert self.reference is not None
        version = self.reference.info.version
        try:
            reference = self.reference.predict(rows, probabilities=False)
        except PredictionError as error:
            fields = {"event": "reference_prediction_failed", "reference_version": version, "error": str(error)}
            self.logger.error("reference prediction failed", extra={"fields": fields})
            return Agreement(rows=rows.shape[0], agreeing_rows=0, reference_version=version)
        agreeing = agreeing_rows(prediction.predictions, reference.predictions)
        return Agreement(rows=rows.shape[0], agreeing_rows=agreeing, reference_version=version)


def current_state() -> ServerState:
    return current_app.extensions[EXTENSION_KEY]


def ready_model() -> LoadedModel:
    """The served model, or a 503 while it is not loaded and warmed up."""
    model = current_state().slot.model
    if model is None:
        raise ApiError(503, "model_not_ready", "the model is not loaded yet", {"ready": False})
    return model
