"""Optional API keys: only salted HMAC digests reach the server; a missing or wrong key gets a 401 JSON error
before any work is done, health endpoints stay open, and several keys are accepted at once (rotation)."""

import hashlib
import hmac

import pytest

from helpers import assert_error, post_json
from modelserver.http.auth import ApiKeys, presented_key
from modelserver.settings import Settings, SettingsError

SALT = "0123456789abcdef0123456789abcdef"
OLD_KEY = "k" * 40
NEW_KEY = "n3w-" + "a1" * 20
GOOD = {"instances": [[1, 1, 1]]}
# The digest components/apiKeys.ts renders for OLD_KEY under SALT (node:crypto createHmac): the two sides agree.
OLD_KEY_DIGEST_FROM_TYPESCRIPT = "ccdc5baf7fc683a96844a41445a413f13ee7e8a9c7fa919940c9c3623632239e"


def digest(key: str) -> str:
    return hmac.new(SALT.encode(), key.encode(), hashlib.sha256).hexdigest()


def keys_env(*keys: str) -> dict:
    return {"API_KEY_SALT": SALT, "API_KEY_DIGESTS": ",".join(digest(key) for key in keys)}


@pytest.fixture
def keyed_client(make_app, classifier_dir):
    keys = Settings.from_env(keys_env(OLD_KEY, NEW_KEY)).api_keys
    return make_app(classifier_dir, api_keys=keys).test_client()


def test_digest_matches_the_typescript_rendering():
    assert digest(OLD_KEY) == OLD_KEY_DIGEST_FROM_TYPESCRIPT
    keys = ApiKeys.parse(SALT, OLD_KEY_DIGEST_FROM_TYPESCRIPT)
    assert keys.accepts(OLD_KEY)
    assert not keys.accepts(OLD_KEY + "x")


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {OLD_KEY}"}, {"authorization": f"bearer  {NEW_KEY} "}, {"X-API-Key": NEW_KEY}])
def test_an_accepted_key_in_either_header_is_served(keyed_client, headers):
    response = post_json(keyed_client, "/predict", GOOD, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": f"Basic {OLD_KEY}"},
        {"Authorization": f"Bearer {OLD_KEY}x"},
        {"X-API-Key": OLD_KEY[:-1]},
        {"X-API-Key": "\u00e9" * 50},
        {"Authorization": "Bearer " + "z" * 100_000},
    ],
)
@pytest.mark.parametrize("method,path", [("POST", "/predict"), ("GET", "/metadata"), ("GET", "/metrics"), ("GET", "/nope"), ("POST", "/v2/models/x/infer")])
def test_a_missing_or_wrong_key_is_401_json(keyed_client, headers, method, path):
    response = keyed_client.open(path, method=method, headers=headers, data=b"{}", content_type="application/json")
    error = assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="model-service"'
    assert OLD_KEY not in response.get_data(as_text=True)
    assert "Bearer" in error["message"]


@pytest.mark.parametrize("path", ["/health", "/ready", "/v2/health/live", "/v2/health/ready"])
def test_health_endpoints_stay_open(keyed_client, path):
    assert keyed_client.get(path).status_code == 200


def test_without_keys_nothing_is_checked(client):
    assert post_json(client, "/predict", GOOD).status_code == 200
    assert Settings.from_env({}).api_keys is None


@pytest.mark.parametrize(
    "env",
    [
        {"API_KEY_SALT": SALT},
        {"API_KEY_DIGESTS": digest(OLD_KEY)},
        {"API_KEY_SALT": SALT, "API_KEY_DIGESTS": "abc"},
        {"API_KEY_SALT": SALT, "API_KEY_DIGESTS": digest(OLD_KEY) + ",ZZ"},
        {"API_KEY_SALT": SALT, "API_KEY_DIGESTS": digest(OLD_KEY).upper()},
    ],
)
def test_bad_key_settings_fail_at_start_naming_the_variable(env):
    with pytest.raises(SettingsError, match="API_KEY_"):
        Settings.from_env(env)


def test_presented_key_prefers_the_bearer_token():
    assert presented_key({"Authorization": "Bearer a", "X-API-Key": "b"}) == "a"
    assert presented_key({"X-API-Key": " b "}) == "b"
    assert presented_key({"Authorization": "Token a"}) is None
