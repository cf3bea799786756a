"""Helpers shared by the tests."""

import json
from typing import Optional

from prometheus_client.parser import text_string_to_metric_families
from werkzeug.test import EnvironBuilder, run_wsgi_app


def post_json(client, path, body, **kwargs):
    return client.post(path, data=json.dumps(body), content_type="application/json", **kwargs)


def assert_error(response, status: int, code: Optional[str] = None) -> dict:
    """The response is a JSON error with ``status`` (and ``code``); returns the error object."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body["error"]) == {"code", "message"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def metric_value(text: str, sample_name: str, **labels) -> float:
    """The value of one sample in Prometheus text; 0.0 when the sample is absent."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def call_without_content_length(app, path: str, body: bytes, content_type: str = "application/json"):
    """POST ``body`` the way a chunked request reaches the app: no CONTENT_LENGTH, input terminated."""
    environ = EnvironBuilder(path=path, method="POST", data=body, content_type=content_type).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input_terminated"] = True
    app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0]), headers, b"".join(app_iter)
