"""The service's own endpoints: /predict, /health, /ready, /metadata, /metrics."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from .inputs import instances_from_body, read_json, to_matrix
from ..model.loaded_model import ModelInfo
from .state import current_state, ready_model

blueprint = Blueprint("service", __name__)


@blueprint.get("/health")
def health() -> dict[str, Any]:
    """Liveness: the process answers HTTP."""
    return {"status": "alive"}


@blueprint.get("/ready")
def ready() -> dict[str, Any]:
    """Readiness: 200 once the model is loaded and warmed up, else 503."""
    info = ready_model().info
    return {"ready": True, "model": {"name": info.name, "version": info.version}}


@blueprint.get("/metadata")
def metadata() -> dict[str, Any]:
    state = current_state()
    body = describe(ready_model().info)
    body["limits"] = {
        "max_batch_size": state.settings.max_batch_size,
        "max_body_bytes": state.settings.max_body_bytes,
    }
    return body


@blueprint.post("/predict")
def predict() -> dict[str, Any]:
    """``{"instances": [[...], ...]}`` (or one row ``[...]``) -> predictions (+ probabilities)."""
    state = current_state()
    model = ready_model()
    with state.batcher.arrival():  # a batch in progress may wait for these rows while they are read
        body = read_json(request, state.settings.max_body_bytes)
        rows = to_matrix(instances_from_body(body), model.info.n_features, state.settings.max_batch_size)
        prediction = state.predict(model, rows)
    answer: dict[str, Any] = {"predictions": prediction.predictions}
    if prediction.probabilities is not None:
        answer["probabilities"] = prediction.probabilities
    answer["model"] = {"name": model.info.name, "version": model.info.version}
    return answer


@blueprint.get("/metrics")
def metrics() -> Response:
    state = current_state()
    return Response(state.metrics.render(), content_type=state.metrics.content_type)


def describe(info: ModelInfo) -> dict[str, Any]:
    """The public description of a model (``/metadata``)."""
    return {
        "name": info.name,
        "version": info.version,
        "features": list(info.feature_names) if info.feature_names else None,
        "n_features": info.n_features,
        "labels": list(info.labels) if info.labels else None,
        "prediction_type": info.prediction_type,
        "probabilities": info.has_probabilities,
        "digest": info.digest,
        "format": info.format,
        "framework": info.framework,
        "framework_version": info.framework_version,
        "estimator": info.estimator,
    }
