"""JSON errors: every failure leaves the app as ``{"error": {"code", "message"}}``, never a traceback."""

from __future__ import annotations

import logging
from typing import Any, Mapping, Optional

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, MethodNotAllowed

# Stable, machine-readable codes for the HTTP errors werkzeug/Flask raise themselves.
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
    422: "unprocessable_entity",
    503: "unavailable",
}


class ApiError(Exception):
    """An error the client should see: HTTP status, stable code, human message."""

    def __init__(self, status: int, code: str, message: str, extra: Optional[Mapping[str, Any]] = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = dict(extra or {})


def error_response(status: int, code: str, message: str, extra: Optional[Mapping[str, Any]] = None) -> Response:
    """Build the JSON error response; ``extra`` adds top-level keys (e.g. ``{"ready": false}``)."""
    body: dict[str, Any] = dict(extra or {})
    body["error"] = {"code": code, "message": message}
    response = jsonify(body)
    response.status_code = status
    return response


def register_error_handlers(app: Flask, logger: logging.Logger) -> None:
    """Map ApiError, every HTTPException and, as a last resort, any exception to JSON."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status, error.code, error.message, error.extra)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        code = _HTTP_CODES.get(status, (error.name or "error").lower().replace(" ", "_"))
        # A 500 here wraps an exception Flask caught outside the view (and has logged already).
        message = "internal server error" if status == 500 else error.description or error.name or "error"
        response = error_response(status, code, message)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.error("unhandled exception", exc_info=error, extra={"fields": {"event": "unhandled_exception"}})
        return error_response(500, "internal_error", "internal server error")
