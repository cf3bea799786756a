"""The per-app state the routes share (kept in ``app.extensions``, no module globals)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from flask import current_app

from ..settings import Settings
from .errors import ApiError
from ..model.loading import ModelLoadError, load_model
from ..observability.metrics import Metrics
from ..model.batching import Batcher
from ..model.loaded_model import LoadedModel, ModelSlot, NonFiniteOutput, Prediction, PredictionError

EXTENSION_KEY = "modelserver"


@dataclass
class ServerState:
    settings: Settings
    slot: ModelSlot
    metrics: Metrics
    logger: logging.Logger
    batcher: Batcher

    def load_model(self) -> LoadedModel:
        """Load and warm up the configured model; log one JSON line whether it works or not."""
        started = time.perf_counter()
        try:
            model = load_model(self.settings.model_dir, self.settings.model_name, self.settings.model_version)
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
        return prediction


def current_state() -> ServerState:
    return current_app.extensions[EXTENSION_KEY]


def ready_model() -> LoadedModel:
    """The served model, or a 503 while it is not loaded and warmed up."""
    model = current_state().slot.model
    if model is None:
        raise ApiError(503, "model_not_ready", "the model is not loaded yet", {"ready": False})
    return model
