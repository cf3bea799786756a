"""Which model answered each request, and the per-version bookkeeping of prediction requests.

Every answer (errors too) says which model version made it and in which role (``X-Model-Version``,
``X-Model-Role``), so a client, and the proxy's canary routing, can tell stable and candidate apart. A live
prediction request (``/predict``, V2 infer) is counted and timed by version, role and outcome; a shadow request
(``X-Model-Service-Shadow: 1``) is counted apart, with its agreement with the reference model, and logged.
"""

from __future__ import annotations

import logging
import time
from typing import Optional

from flask import Flask, Response, g, request

from ..model.agreement import Agreement
from .shadow import is_shadow
from .state import SHADOW_AGREEMENT_KEY, ServerState

VERSION_HEADER = "X-Model-Version"
ROLE_HEADER = "X-Model-Role"
# The endpoints (blueprint.function) whose requests are predictions.
PREDICTION_ENDPOINTS = frozenset({"service.predict", "v2.infer"})


def install_model_traffic_hooks(app: Flask, state: ServerState) -> None:
    """Add the model headers to every answer; count prediction requests by version, live or shadow."""
    role = state.settings.model_role

    @app.after_request
    def _model_traffic(response: Response) -> Response:
        version = state.served_version
        response.headers[VERSION_HEADER] = version
        response.headers[ROLE_HEADER] = role
        if request.endpoint in PREDICTION_ENDPOINTS:
            if is_shadow(request.headers):
                agreement: Optional[Agreement] = g.pop(SHADOW_AGREEMENT_KEY, None)
                state.metrics.observe_shadow_request(version, agreement is not None and agreement.complete)
                _log_shadow(state.logger, version, response.status_code, agreement)
            else:
                started = g.get("request_started")
                seconds = time.perf_counter() - started if started is not None else 0.0
                state.metrics.observe_model_request(version, role, response.status_code, seconds)
        return response


def _log_shadow(logger: logging.Logger, version: str, status: int, agreement: Optional[Agreement]) -> None:
    """One line per shadow request: its status and, with a reference model, how far both predictions agree."""
    fields = {
        "event": "shadow_request",
        "version": version,
        "status": status,
        "request_id": g.get("request_id"),
        "reference_version": agreement.reference_version if agreement is not None else None,
        "rows": agreement.rows if agreement is not None else None,
        "agreeing_rows": agreement.agreeing_rows if agreement is not None else None,
        "agreed": agreement.complete if agreement is not None else None,
    }
    logger.info("shadow request", extra={"fields": fields})
