"""Open Inference Protocol (KServe V2) tensors: decode the request's input, encode the outputs.

An input tensor is ``{"name", "shape", "datatype", "data"}``. ``shape`` is ``[rows, features]``
or ``[features]`` (one row); ``data`` is either flat (row-major, ``rows * features`` values) or
nested exactly as ``shape`` says. Numeric datatypes only: FP16/32/64, INT8/16/32/64, UINT8/16/32/64.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from .errors import ApiError
from .inputs import check_number

_FLOAT_MAX = {"FP16": 65504.0, "FP32": 3.4028234663852886e38, "FP64": math.inf}
_INT_RANGE = {
    **{f"INT{bits}": (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) for bits in (8, 16, 32, 64)},
    **{f"UINT{bits}": (0, 2**bits - 1) for bits in (8, 16, 32, 64)},
}
NUMERIC_DATATYPES = tuple(_FLOAT_MAX) + tuple(_INT_RANGE)


def decode_input(tensor: Any, n_features: int, max_batch: int) -> np.ndarray:
    """Check one input tensor against the model and return its rows as a float64 matrix."""
    if not isinstance(tensor, dict):
        raise ApiError(422, "invalid_request", "each input must be an object with name, shape, datatype, data")
    name = tensor.get("name")
    if not isinstance(name, str) or not name:
        raise ApiError(422, "invalid_request", "input name must be a non-empty string")
    datatype = tensor.get("datatype")
    if datatype not in NUMERIC_DATATYPES:
        raise ApiError(
            422, "unsupported_datatype",
            f"input {name}: datatype {datatype!r} is not supported; use one of {', '.join(NUMERIC_DATATYPES)}",
        )
    shape = _shape(name, tensor.get("shape"))
    data = tensor.get("data")
    if not isinstance(data, list):
        raise ApiError(422, "invalid_request", f"input {name}: data must be a list")

    rows, features = (1, shape[0]) if len(shape) == 1 else (shape[0], shape[1])
    if rows == 0:
        raise ApiError(422, "empty_batch", f"input {name}: the batch holds no rows")
    if rows > max_batch:
        raise ApiError(422, "batch_too_large", f"input {name}: {rows} rows; the limit is {max_batch}")
    if features != n_features:
        raise ApiError(
            422,
            "wrong_feature_count",
            f"input {name}: shape {shape} has {features} features; the model takes {n_features}",
        )
    values = _flatten(name, data, shape)
    for index, value in enumerate(values):
        _check_value(value, datatype, f"input {name}, element {index}")
    return np.asarray(values, dtype=np.float64).reshape(rows, features)


def _shape(name: str, shape: Any) -> list[int]:
    if (
        not isinstance(shape, list)
        or len(shape) not in (1, 2)
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
    ):
        raise ApiError(
            422, "invalid_shape", f"input {name}: shape must be [rows, features] or [features] of non-negative integers"
        )
    return shape


def _flatten(name: str, data: list[Any], shape: list[int]) -> list[Any]:
    """Row-major values of ``data``, which must be flat or nested exactly like ``shape``."""
    expected = math.prod(shape)
    if not any(isinstance(item, list) for item in data):
        if len(data) != expected:
            raise ApiError(
                422, "shape_mismatch", f"input {name}: shape {shape} needs {expected} values, data holds {len(data)}"
            )
        return data
    if not _nested_like(data, shape):
        raise ApiError(422, "shape_mismatch", f"input {name}: nested data does not match shape {shape}")
    if len(shape) == 1:
        return data
    return [value for row in data for value in row]


def _nested_like(data: Any, shape: Sequence[int]) -> bool:
    if not shape:
        return not isinstance(data, list)
    return isinstance(data, list) and len(data) == shape[0] and all(_nested_like(item, shape[1:]) for item in data)


def _check_value(value: Any, datatype: str, where: str) -> None:
    if datatype in _INT_RANGE:
        low, high = _INT_RANGE[datatype]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiError(422, "non_numeric", f"{where}: {datatype} values must be integers")
        if not low <= value <= high:
            raise ApiError(422, "out_of_range", f"{where}: {value} is out of range for {datatype}")
        return
    check_number(value, where)
    if abs(value) > _FLOAT_MAX[datatype]:
        raise ApiError(422, "out_of_range", f"{where}: {value} is out of range for {datatype}")


def datatype_for(prediction_type: str) -> str:
    """The V2 datatype for prediction values described by ``model.value_type``."""
    return {"integer": "INT64", "number": "FP64", "boolean": "BOOL"}.get(prediction_type, "BYTES")


def output_tensor(name: str, datatype: str, shape: list[int], data: list[Any]) -> dict[str, Any]:
    return {"name": name, "datatype": datatype, "shape": shape, "data": data}


def requested_outputs(body: dict[str, Any], available: Sequence[str]) -> Optional[list[str]]:
    """Names of the outputs the request asks for, or None when it does not say (= all)."""
    outputs = body.get("outputs")
    if outputs is None:
        return None
    if not isinstance(outputs, list) or not all(
        isinstance(o, dict) and isinstance(o.get("name"), str) for o in outputs
    ):
        raise ApiError(422, "invalid_request", 'outputs must be a list of {"name": ...} objects')
    names = [o["name"] for o in outputs]
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ApiError(
            422, "unknown_output", f"unknown output(s) {', '.join(unknown)}; the model has {', '.join(available)}"
        )
    return names
