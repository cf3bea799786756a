"""Every setting the server reads from its environment, checked against ``environment.json``.

``environment.json`` (next to the app: ``/app/environment.json`` in the image, ``api/environment.json`` in the
repository) is the api's environment contract, which the TypeScript component reads too: it names every
variable and gives its default (used when the variable is unset or blank), minimum and maximum. This module
is the only place that reads environment variables; their names, defaults and ranges come from the contract.

Only the standard library is imported here: gunicorn.conf.py reads ``GunicornSettings`` before the app (and
prometheus_client) are loaded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional

if TYPE_CHECKING:
    from .http.auth import ApiKeys

CONTRACT_PATH = Path(__file__).resolve().parent.parent / "environment.json"

# The variable prometheus_client itself reads: set, it counts the metrics of every process in that directory.
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# The role of a candidate's replicas (one of MODEL_ROLE's values): they also run the shadow listener.
CANDIDATE_ROLE = "candidate"

MAX_DEFAULT_WORKERS = 8  # GUNICORN_WORKERS unset: one worker per usable CPU, at most this many

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    """An environment variable holds a value the server cannot use; the message names the variable."""


def load_contract(path: Path = CONTRACT_PATH) -> dict[str, dict[str, Any]]:
    """The contract's variables by name."""
    return json.loads(path.read_text(encoding="utf-8"))["variables"]


_CONTRACT = load_contract()


class Environment:
    """Typed reads of the contract's variables from one environment mapping.

    Unset or blank means the contract's default. Reading a name the contract does not list is an error, and
    every name read is remembered in ``names_read``, so a test can compare both sets.
    """

    def __init__(self, env: Mapping[str, str], contract: Optional[Mapping[str, Mapping[str, Any]]] = None) -> None:
        self._env = env
        self._contract = contract if contract is not None else _CONTRACT
        self.names_read: set[str] = set()

    def _variable(self, name: str) -> Mapping[str, Any]:
        if name not in self._contract:
            raise KeyError(f"{name} is not in the environment contract ({CONTRACT_PATH.name})")
        self.names_read.add(name)
        return self._contract[name]

    def is_set(self, name: str) -> bool:
        """Whether the variable holds a non-blank value (its default does not count)."""
        self._variable(name)
        return bool(self._env.get(name, "").strip())

    def text(self, name: str) -> Optional[str]:
        """The stripped value, else the contract's default (None when it has none)."""
        variable = self._variable(name)
        value = self._env.get(name, "").strip()
        return value or variable.get("default")

    def integer(self, name: str, derived_default: Optional[int] = None) -> int:
        """An integer within the contract's minimum and maximum.

        ``derived_default`` is used when the contract's default is null (a value the server works out).
        """
        variable = self._variable(name)
        minimum, maximum = variable.get("minimum"), variable.get("maximum")
        raw = self._env.get(name, "").strip()
        if not raw:
            default = variable.get("default")
            if default is None:
                if derived_default is None:
                    raise KeyError(f"{name} has no default in the contract and none was derived")
                return derived_default
            return int(default)
        allowed = _integer_range(minimum, maximum)
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer {allowed}, got {raw!r}") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise SettingsError(f"{name} must be an integer {allowed}, got {raw!r}")
        return value

    def choice(self, name: str) -> str:
        """One of the contract's ``values`` for the variable, else its default."""
        variable = self._variable(name)
        values = variable["values"]
        raw = self._env.get(name, "").strip()
        if not raw:
            return variable["default"]
        if raw not in values:
            raise SettingsError(f"{name} must be one of {', '.join(values)}, got {raw!r}")
        return raw

    def boolean(self, name: str) -> bool:
        """A boolean spelled 1/0, true/false, yes/no or on/off."""
        variable = self._variable(name)
        raw = self._env.get(name, "").strip()
        if not raw:
            return bool(variable.get("default"))
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise SettingsError(f"{name} must be one of 1/0, true/false, yes/no, on/off, got {raw!r}")


def _integer_range(minimum: Optional[int], maximum: Optional[int]) -> str:
    if minimum is not None and maximum is not None:
        return f"from {minimum} to {maximum}"
    if minimum is not None:
        return f">= {minimum}"
    return f"<= {maximum}" if maximum is not None else ""


@dataclass(frozen=True)
class Settings:
    """Everything the Flask app needs to know that is not part of the model itself.

    ``api_keys`` (from ``API_KEY_SALT``/``API_KEY_DIGESTS``) makes every endpoint but health require a key.
    ``batch_max_rows`` and ``batch_max_wait_microseconds`` bound adaptive batching (model/batching.py).
    ``model_role`` (``MODEL_ROLE``) is ``stable`` or ``candidate``; ``reference_model_dir`` (``REFERENCE_MODEL_DIR``,
    candidates only) holds the stable model the api compares its shadow predictions with; ``shadow_port``
    (``SHADOW_PORT``, candidates only) is its shadow listener's UDP port, whose kernel figures ``/metrics`` shows.
    ``metrics_multiprocess_dir`` is set when prometheus_client runs in multiprocess mode
    (``PROMETHEUS_MULTIPROC_DIR`` set; gunicorn.conf.py always sets it): ``/metrics`` then aggregates the
    files of every gunicorn worker instead of the calling worker's own registry.
    """

    model_dir: str = _CONTRACT["MODEL_DIR"]["default"]
    model_name: Optional[str] = None
    model_version: Optional[str] = None
    max_body_bytes: int = _CONTRACT["MAX_BODY_BYTES"]["default"]
    max_batch_size: int = _CONTRACT["MAX_BATCH_SIZE"]["default"]
    metrics_multiprocess_dir: Optional[str] = None
    api_keys: Optional["ApiKeys"] = None
    batch_max_rows: int = _CONTRACT["BATCH_MAX_ROWS"]["default"]
    batch_max_wait_microseconds: int = _CONTRACT["BATCH_MAX_WAIT_MICROSECONDS"]["default"]
    model_role: str = _CONTRACT["MODEL_ROLE"]["default"]
    reference_model_dir: Optional[str] = None
    shadow_port: Optional[int] = None

    def __post_init__(self) -> None:
        roles = _CONTRACT["MODEL_ROLE"]["values"]
        if self.model_role not in roles:
            raise SettingsError(f"MODEL_ROLE must be one of {', '.join(roles)}, got {self.model_role!r}")
        for name, value in (
            ("MAX_BODY_BYTES", self.max_body_bytes),
            ("MAX_BATCH_SIZE", self.max_batch_size),
            ("BATCH_MAX_ROWS", self.batch_max_rows),
            ("BATCH_MAX_WAIT_MICROSECONDS", self.batch_max_wait_microseconds),
        ):
            minimum = _CONTRACT[name]["minimum"]
            if value < minimum:
                raise SettingsError(f"{name} must be at least {minimum}, got {value}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        """Read the app's settings from environment variables."""
        return cls.read(Environment(env))

    @classmethod
    def read(cls, env: Environment) -> "Settings":
        model_dir = env.text("MODEL_DIR")
        assert model_dir is not None  # the contract gives a default
        return cls(
            model_dir=model_dir,
            model_name=env.text("MODEL_NAME"),
            model_version=env.text("MODEL_VERSION"),
            max_body_bytes=env.integer("MAX_BODY_BYTES"),
            max_batch_size=env.integer("MAX_BATCH_SIZE"),
            # Only when set: prometheus_client is in multiprocess mode exactly when the variable is set.
            metrics_multiprocess_dir=env.text(METRICS_DIR_VARIABLE) if env.is_set(METRICS_DIR_VARIABLE) else None,
            api_keys=_api_keys(env),
            batch_max_rows=env.integer("BATCH_MAX_ROWS"),
            batch_max_wait_microseconds=env.integer("BATCH_MAX_WAIT_MICROSECONDS"),
            model_role=env.choice("MODEL_ROLE"),
            reference_model_dir=env.text("REFERENCE_MODEL_DIR"),
            shadow_port=_candidate_shadow_port(env),
        )


def _candidate_shadow_port(env: Environment) -> Optional[int]:
    """``SHADOW_PORT`` on a candidate replica (the only one with a shadow listener), None on a stable one."""
    shadow_port = env.integer("SHADOW_PORT")
    return shadow_port if env.choice("MODEL_ROLE") == CANDIDATE_ROLE else None


def _api_keys(env: Environment) -> Optional["ApiKeys"]:
    """The accepted API keys, None when neither variable is set (no key required)."""
    from .http.auth import ApiKeys  # Flask: not needed by gunicorn.conf.py, which reads GunicornSettings

    salt, digests = env.text("API_KEY_SALT"), env.text("API_KEY_DIGESTS")
    if salt is None and digests is None:
        return None
    if salt is None or digests is None:
        raise SettingsError("API_KEY_SALT and API_KEY_DIGESTS must be set together")
    try:
        return ApiKeys.parse(salt, digests)
    except ValueError as error:
        raise SettingsError(f"API_KEY_DIGESTS {error}") from None


@dataclass(frozen=True)
class GunicornSettings:
    """What gunicorn.conf.py hands to gunicorn.

    ``workers`` defaults to one per usable CPU, at most 8: each worker holds its own copy of the model, and a
    worker runs Python on one core at a time, so more workers than the CPU quota only get throttled together.
    ``threads`` above 1 selects gunicorn's gthread worker (api/README.md says why the default is 2).
    ``keepalive`` outlasts nginx's upstream idle timeout, so the proxy, not gunicorn, closes idle upstream
    connections and never sends a request on a connection gunicorn just closed. ``metrics_dir`` is where
    every worker writes its metrics (``PROMETHEUS_MULTIPROC_DIR``). ``shadow_port`` (``SHADOW_PORT``) is set on a
    candidate replica only: the UDP port of its shadow listener (serving/shadow_listener.py), which the master starts.
    """

    bind: str
    workers: int
    threads: int
    timeout: int
    graceful_timeout: int
    keepalive: int
    max_requests: int
    max_requests_jitter: int
    preload: bool
    metrics_dir: str
    shadow_port: Optional[int] = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], cpus: int) -> "GunicornSettings":
        """Read gunicorn's settings; ``cpus`` (the CPUs this process may use) sizes the default worker count."""
        return cls.read(Environment(env), cpus)

    @classmethod
    def read(cls, env: Environment, cpus: int) -> "GunicornSettings":
        port = env.integer("PORT")
        bind = env.text("GUNICORN_BIND")
        metrics_dir = env.text(METRICS_DIR_VARIABLE)
        assert metrics_dir is not None  # the contract gives a default
        return cls(
            bind=bind or f"0.0.0.0:{port}",
            workers=env.integer("GUNICORN_WORKERS", derived_default=min(max(1, cpus), MAX_DEFAULT_WORKERS)),
            threads=env.integer("GUNICORN_THREADS"),
            timeout=env.integer("GUNICORN_TIMEOUT"),
            graceful_timeout=env.integer("GUNICORN_GRACEFUL_TIMEOUT"),
            keepalive=env.integer("GUNICORN_KEEPALIVE"),
            max_requests=env.integer("GUNICORN_MAX_REQUESTS"),
            max_requests_jitter=env.integer("GUNICORN_MAX_REQUESTS_JITTER"),
            preload=env.boolean("GUNICORN_PRELOAD"),
            metrics_dir=metrics_dir,
            shadow_port=_candidate_shadow_port(env),
        )


def names_read(contract: Optional[Mapping[str, Mapping[str, Any]]] = None) -> frozenset[str]:
    """Every variable name the server reads (both settings read every variable on every start)."""
    env = Environment({}, contract)
    Settings.read(env)
    GunicornSettings.read(env, cpus=1)
    return frozenset(env.names_read)
