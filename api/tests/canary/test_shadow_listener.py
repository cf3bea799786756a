"""The shadow listener's datagrams: what nginx's shadow access log sends (components/nginx/config.ts), parsed into the
request the listener replays; anything else is dropped without a replay. Each copy is answered by the app in the
listener's process, through the WSGI call gunicorn makes."""

import json

import pytest

from helpers import metric_value
from modelserver.serving.shadow_listener import ShadowCopy, parse_copy, replay, wsgi_environ

HEADER = b"<190>Dec  6 07:38:28 model_service_shadow: "


def datagram(**record) -> bytes:
    return HEADER + json.dumps(record).encode()


def test_a_copy_is_the_method_uri_headers_and_body_nginx_sent_without_empty_headers():
    body = '{"instances": [[5.1, 3.5, 1.4, 0.2]], "note": "\\u00e9t\\u00e9 \\"quoted\\""}'
    headers = {"Content-Type": "application/json", "Authorization": "", "X-API-Key": "k1", "X-Model-Service-Shadow": "1"}
    copy = parse_copy(datagram(method="POST", uri="/predict?explain=1", headers=headers, body=body))
    assert copy == ShadowCopy(
        "POST",
        "/predict?explain=1",
        {"Content-Type": "application/json", "X-API-Key": "k1", "X-Model-Service-Shadow": "1"},
        body.encode("utf-8"),
    )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<190>Dec  6 07:38:28 model_service_shadow: not json",
        b"<190>Dec  6 07:38:28 model_service_shadow: {\"method\": \"POST\", \"uri\": \"/predict\"",
        HEADER + b'{"method": "POST", "uri": "/predict", "headers": {}, "body": "\xff"}',
        datagram(method="POST", uri="predict", headers={}, body=""),
        datagram(method="PO ST", uri="/predict", headers={}, body=""),
        datagram(method="POST", uri="/predict x", headers={}, body=""),
        datagram(method="POST", uri="/predict", headers={"X-A": "a\r\nX-B: b"}, body=""),
        datagram(method="POST", uri="/predict", headers={"X-A": 1}, body=""),
        datagram(method="POST", uri="/predict", headers=[], body=""),
        datagram(method="POST", uri="/predict", headers={}, body=None),
        HEADER + b"[1, 2]",
    ],
)
def test_what_is_not_a_copy_is_dropped(data):
    assert parse_copy(data) is None


def test_a_copy_becomes_the_environ_a_wsgi_server_makes():
    copy = ShadowCopy("POST", "/v2/models/a%20b/infer?x=1&y=%202", {"Content-Type": "application/json", "X-API-Key": "k1"}, b"{}")
    environ = wsgi_environ(copy)
    assert (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"]) == ("POST", "/v2/models/a b/infer", "x=1&y=%202")
    assert (environ["CONTENT_TYPE"], environ["CONTENT_LENGTH"], environ["HTTP_X_API_KEY"]) == ("application/json", "2", "k1")
    assert environ["wsgi.input"].read() == b"{}"
    assert "HTTP_CONTENT_TYPE" not in environ


def test_each_copy_is_answered_by_the_app_as_a_shadow_request(make_app, classifier_dir):
    app = make_app(classifier_dir, model_role="candidate")
    shadow = {"Content-Type": "application/json", "X-Model-Service-Shadow": "1", "X-Request-ID": "copy-1"}
    good = parse_copy(datagram(method="POST", uri="/predict", headers=shadow, body='{"instances": [[1, 2, 3]]}'))
    bad = parse_copy(datagram(method="POST", uri="/predict", headers=shadow, body='{"instances": [[1]]}'))
    assert good is not None and bad is not None
    assert replay(app, good) == 200
    assert replay(app, bad) == 422  # answered, counted, and the listener goes on
    assert replay(app, ShadowCopy("GET", "/nowhere", {}, b"")) == 404
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert metric_value(text, "modelserver_shadow_requests_total") == 2
    assert metric_value(text, "modelserver_model_requests_total") == 0  # no live request
