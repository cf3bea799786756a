"""Open Inference Protocol (KServe V2) REST endpoints, so KServe/Triton style clients work unchanged.

Deviation from the protocol text: error bodies use the service-wide shape
``{"error": {"code", "message"}}`` instead of ``{"error": "<message>"}``.
"""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, request

from .errors import ApiError
from .inputs import read_json
from ..model.loaded_model import LoadedModel
from .state import current_state, ready_model
from .tensors import datatype_for, decode_input, output_tensor, requested_outputs

blueprint = Blueprint("v2", __name__, url_prefix="/v2")

INPUT_NAME = "input-0"
PREDICT_OUTPUT = "predict"
PROBA_OUTPUT = "predict_proba"


@blueprint.get("")
def server_metadata() -> dict[str, Any]:
    return {"name": "model-service", "version": "1", "extensions": []}


@blueprint.get("/health/live")
def live() -> dict[str, Any]:
    return {"live": True}


@blueprint.get("/health/ready")
def ready() -> dict[str, Any]:
    ready_model()
    return {"ready": True}


@blueprint.get("/models/<name>")
@blueprint.get("/models/<name>/versions/<version>")
def model_metadata(name: str, version: Optional[str] = None) -> dict[str, Any]:
    info = _model(name, version).info
    outputs = [{"name": PREDICT_OUTPUT, "datatype": datatype_for(info.prediction_type), "shape": [-1]}]
    if info.has_probabilities:
        outputs.append({"name": PROBA_OUTPUT, "datatype": "FP64", "shape": [-1, info.probability_columns or -1]})
    return {
        "name": info.name,
        "versions": [info.version],
        "platform": "sklearn" if info.framework == "scikit-learn" else info.framework,
        "inputs": [{"name": INPUT_NAME, "datatype": "FP64", "shape": [-1, info.n_features]}],
        "outputs": outputs,
    }


@blueprint.get("/models/<name>/ready")
@blueprint.get("/models/<name>/versions/<version>/ready")
def model_ready(name: str, version: Optional[str] = None) -> dict[str, Any]:
    info = _model(name, version).info
    return {"name": info.name, "ready": True}


@blueprint.post("/models/<name>/infer")
@blueprint.post("/models/<name>/versions/<version>/infer")
def infer(name: str, version: Optional[str] = None) -> dict[str, Any]:
    state = current_state()
    model = _model(name, version)
    info = model.info
    with state.batcher.arrival():  # a batch in progress may wait for these rows while they are read
        body = read_json(request, state.settings.max_body_bytes)
        if not isinstance(body, dict):
            raise ApiError(422, "invalid_request", "body must be a JSON object")
        request_id = body.get("id")
        if request_id is not None and not isinstance(request_id, str):
            raise ApiError(422, "invalid_request", "id must be a string")
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or len(inputs) != 1:
            raise ApiError(422, "invalid_request", f"inputs must be a list holding exactly one tensor ({INPUT_NAME})")

        available = [PREDICT_OUTPUT] + ([PROBA_OUTPUT] if info.has_probabilities else [])
        wanted = requested_outputs(body, available) or available
        rows = decode_input(inputs[0], info.n_features, state.settings.max_batch_size)
        prediction = state.predict(model, rows, probabilities=PROBA_OUTPUT in wanted)

    count = rows.shape[0]
    outputs = []
    for output in wanted:
        if output == PREDICT_OUTPUT:
            datatype = datatype_for(info.prediction_type)
            data = prediction.predictions if datatype != "BYTES" else [str(v) for v in prediction.predictions]
            outputs.append(output_tensor(PREDICT_OUTPUT, datatype, [count], data))
        else:
            probabilities = prediction.probabilities or []
            columns = len(probabilities[0]) if probabilities else 0
            flat = [p for row in probabilities for p in row]
            outputs.append(output_tensor(PROBA_OUTPUT, "FP64", [count, columns], flat))

    answer: dict[str, Any] = {"model_name": info.name, "model_version": info.version, "outputs": outputs}
    if request_id is not None:
        answer["id"] = request_id
    return answer


def _model(name: str, version: Optional[str]) -> LoadedModel:
    """The served model when ``name`` (and ``version``, if given) match it; else 404."""
    model = ready_model()
    if name != model.info.name:
        raise ApiError(404, "model_not_found", f"no model named {name!r}; this server serves {model.info.name!r}")
    if version is not None and version != model.info.version:
        raise ApiError(
            404, "model_version_not_found",
            f"model {name!r} has no version {version!r}; this server serves {model.info.version!r}",
        )
    return model
