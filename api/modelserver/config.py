"""Settings of the Flask app, read from the environment (see docs/contracts.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional

from .auth import ApiKeys
from .envvars import env_int, env_text

DEFAULT_MODEL_DIR = "/opt/model"
DEFAULT_MAX_BODY_BYTES = 1_048_576
DEFAULT_MAX_BATCH_SIZE = 1000


class ConfigError(ValueError):
    """An environment variable holds a value the server cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know that is not part of the model itself.

    ``api_keys`` (from ``API_KEY_SALT``/``API_KEY_DIGESTS``) makes every endpoint but health require a key.
    ``metrics_multiprocess_dir`` is set when prometheus_client runs in multiprocess mode
    (``PROMETHEUS_MULTIPROC_DIR``): ``/metrics`` then aggregates the files of every gunicorn
    worker instead of the calling worker's own registry.
    """

    model_dir: str = DEFAULT_MODEL_DIR
    model_name: Optional[str] = None
    model_version: Optional[str] = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE
    metrics_multiprocess_dir: Optional[str] = None
    api_keys: Optional[ApiKeys] = None

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1:
            raise ConfigError(f"MAX_BODY_BYTES must be at least 1, got {self.max_body_bytes}")
        if self.max_batch_size < 1:
            raise ConfigError(f"MAX_BATCH_SIZE must be at least 1, got {self.max_batch_size}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        """Read the settings from environment variables; unset or empty means the default."""
        return cls(
            model_dir=env_text(env, "MODEL_DIR") or DEFAULT_MODEL_DIR,
            model_name=env_text(env, "MODEL_NAME"),
            model_version=env_text(env, "MODEL_VERSION"),
            max_body_bytes=env_int(env, "MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1, ConfigError),
            max_batch_size=env_int(env, "MAX_BATCH_SIZE", DEFAULT_MAX_BATCH_SIZE, 1, ConfigError),
            metrics_multiprocess_dir=env_text(env, "PROMETHEUS_MULTIPROC_DIR"),
            api_keys=ApiKeys.from_env(env, ConfigError),
        )

