"""Reading and checking request bodies. Everything here raises ApiError with a 4xx status.

Status codes: 415 not JSON, 413 body over the limit (with or without Content-Length),
400 body is not parseable JSON, 422 JSON that is not a valid prediction request.
"""

from __future__ import annotations

import json
import math
from typing import Any, Sequence

import numpy as np
from flask import Request

from .errors import ApiError

_READ_CHUNK = 64 * 1024
_NUMBER_TYPES = frozenset({int, float})  # exactly: bool is a subclass of int but not a number here


class _NonFiniteToken(ValueError):
    """Python's json accepts NaN/Infinity/-Infinity; JSON does not and neither do we."""


def _reject_constant(token: str) -> Any:
    raise _NonFiniteToken(token)


def read_json(request: Request, max_bytes: int) -> Any:
    """Return the parsed JSON body of ``request``."""
    if not _is_json(request.mimetype):
        raise ApiError(415, "unsupported_media_type", "Content-Type must be application/json")
    raw = read_body(request, max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "body is not valid UTF-8") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except _NonFiniteToken as token:
        raise ApiError(422, "non_finite", f"{token} is not a finite number") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "JSON nests too deeply") from None
    except ValueError as error:
        raise ApiError(400, "malformed_json", f"body is not valid JSON: {error}") from None


def read_body(request: Request, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` of body, whether or not the client sent Content-Length."""
    too_large = ApiError(413, "payload_too_large", f"request body is larger than {max_bytes} bytes")
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large
    stream = request.stream
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(_READ_CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise too_large
    return b"".join(chunks)


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def instances_from_body(body: Any) -> list[Any]:
    """The ``instances`` of a /predict body; one flat row of numbers is a batch of one."""
    if not isinstance(body, dict) or "instances" not in body:
        raise ApiError(422, "invalid_request", 'body must be a JSON object with an "instances" list')
    instances = body["instances"]
    if not isinstance(instances, list):
        raise ApiError(422, "invalid_request", '"instances" must be a list of rows')
    if instances and not any(isinstance(item, list) for item in instances):
        return [instances]
    return instances


def to_matrix(rows: Sequence[Any], n_features: int, max_batch: int) -> np.ndarray:
    """Check rows (lists of finite numbers, ``n_features`` each) and return a float64 matrix."""
    if not rows:
        raise ApiError(422, "empty_batch", "the batch holds no rows")
    if len(rows) > max_batch:
        raise ApiError(422, "batch_too_large", f"the batch holds {len(rows)} rows; the limit is {max_batch}")
    if not all(type(row) is list and len(row) == n_features and _NUMBER_TYPES.issuperset(map(type, row)) for row in rows):
        _reject_rows(rows, n_features)
    try:
        matrix = np.asarray(rows, dtype=np.float64)
    except OverflowError:  # a JSON integer too large for a float
        _reject_rows(rows, n_features)
        raise
    if not np.isfinite(matrix).all():
        raise ApiError(422, "non_finite", "values must be finite numbers (no NaN or infinity)")
    return matrix


def _reject_rows(rows: Sequence[Any], n_features: int) -> None:
    """Raise the 422 that names the first row and column that is not a finite number, ``n_features`` a row.

    ``to_matrix`` checks whole rows at C speed (the type of every value) and comes here only for a batch that
    fails that check, to say exactly where: per value in Python this cost a 100-row batch 400 calls.
    """
    for index, row in enumerate(rows):
        if not isinstance(row, list):
            raise ApiError(422, "invalid_row", f"row {index} is not a list of numbers")
        if len(row) != n_features:
            raise ApiError(
                422, "wrong_feature_count", f"row {index} has {len(row)} values; the model takes {n_features}"
            )
        for column, value in enumerate(row):
            check_number(value, f"row {index}, column {column}")


def check_number(value: Any, where: str) -> None:
    """Raise 422 unless ``value`` is a JSON number (booleans are not numbers) and finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ApiError(422, "non_numeric", f"{where}: {json.dumps(value)[:40]} is not a number")
    try:
        finite = math.isfinite(value)  # huge JSON integers overflow float conversion
    except OverflowError:
        finite = False
    if not finite:
        raise ApiError(422, "non_finite", f"{where}: values must be finite numbers")


def drain_unread_body(request: Request, max_bytes: int) -> None:
    """Read and drop what is left of the body, up to ``max_bytes``.

    An answer made before the body was read (415, 401, 404, ...) would otherwise close the connection with
    the body unread; the kernel then resets it, and a proxy still sending the body loses the answer (nginx
    reports 502). Bodies beyond ``max_bytes`` are left: nginx in front never forwards one.
    """
    stream = request.stream
    left = max_bytes
    while left > 0:
        chunk = stream.read(min(_READ_CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
