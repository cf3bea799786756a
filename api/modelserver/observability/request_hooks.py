"""Per-request bookkeeping: request ids, one JSON log line per request, request metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from .metrics import Metrics

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:+/=-]{1,128}$")
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"


def request_id_from(header_value: str | None) -> str:
    """The client's X-Request-ID when it is 1-128 safe characters, else a new uuid4 hex."""
    if header_value and _REQUEST_ID.match(header_value):
        return header_value
    return uuid.uuid4().hex


def install_request_hooks(app: Flask, metrics: Metrics, logger: logging.Logger) -> None:
    """Time, count and log every request; echo its request id."""

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        metrics.publish_model()
        metrics.in_flight.inc()
        g.in_flight = True

    @app.after_request
    def _finish(response: Response) -> Response:
        started = g.get("request_started")
        seconds = time.perf_counter() - started if started is not None else 0.0
        request_id = g.get("request_id") or request_id_from(None)
        route = request.url_rule.rule if request.url_rule is not None else UNMATCHED_ROUTE
        method = request.method if request.method in _KNOWN_METHODS else "OTHER"
        response.headers[REQUEST_ID_HEADER] = request_id
        metrics.observe_request(method, route, response.status_code, seconds)
        logger.info(
            "request",
            extra={
                "fields": {
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 3),
                    "request_id": request_id,
                }
            },
        )
        return response

    @app.teardown_request
    def _teardown(_error: BaseException | None) -> None:
        if g.pop("in_flight", False):
            metrics.in_flight.dec()
