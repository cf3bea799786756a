"""The shadow listener's datagrams: what nginx's shadow access log sends (components/nginx/config.ts), parsed into the
request the listener replays; anything else is dropped without a replay."""

import json

import pytest

from modelserver.serving.shadow_listener import ShadowCopy, api_address, parse_copy

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


@pytest.mark.parametrize(
    ("bind", "address"),
    [("0.0.0.0:8000", ("127.0.0.1", 8000)), ("127.0.0.1:9001", ("127.0.0.1", 9001)), ("[::]:8000", ("127.0.0.1", 8000))],
)
def test_the_api_is_reached_over_loopback_at_gunicorns_port(bind, address):
    assert api_address(bind) == address
