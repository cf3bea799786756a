"""The app factory."""

from __future__ import annotations

from typing import Any, Optional

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider

from . import routes, v2
from .auth import install_api_key_check
from ..settings import Settings
from .errors import register_error_handlers
from .inputs import drain_unread_body
from .model_traffic import install_model_traffic_hooks
from ..observability.logs import get_logger
from ..observability.metrics import Metrics
from ..model.batching import Batcher
from ..model.loaded_model import ModelSlot
from ..observability.request_hooks import install_request_hooks
from .state import EXTENSION_KEY, ServerState


class StrictJSONProvider(DefaultJSONProvider):
    """Never emit NaN/Infinity, which are not JSON: such a value fails loudly instead."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)


def create_app(config: Optional[Settings] = None, *, load_model: bool = True) -> Flask:
    """Build the Flask app for one model.

    ``config`` defaults to ``Settings.from_env()``. With ``load_model`` (the default) the model is
    loaded and warmed up before this returns, and a model that cannot be loaded raises
    ``loading.ModelLoadError`` after one ``model_load_failed`` log line: under gunicorn the worker
    then fails to boot and gunicorn exits non-zero. ``load_model=False`` returns an app whose
    ``/ready`` answers 503 until ``app.extensions["modelserver"].load_model()`` succeeds.
    """
    settings = config if config is not None else Settings.from_env()
    logger = get_logger()
    metrics = Metrics(settings.metrics_multiprocess_dir, settings.shadow_port)
    batcher = Batcher(
        settings.batch_max_rows, settings.batch_max_wait_microseconds / 1_000_000, observe=metrics.observe_batch
    )
    state = ServerState(settings=settings, slot=ModelSlot(), metrics=metrics, logger=logger, batcher=batcher)

    app = Flask("modelserver")
    # Flask's own limit (werkzeug enforces it for form parsing); inputs.read_body enforces the
    # same limit for JSON bodies, including chunked ones without Content-Length.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json = StrictJSONProvider(app)
    app.json.sort_keys = False
    app.json.compact = True
    app.extensions[EXTENSION_KEY] = state

    register_error_handlers(app, logger)
    install_request_hooks(app, state.metrics, logger)
    install_model_traffic_hooks(app, state)
    install_api_key_check(app, settings.api_keys)
    app.register_blueprint(routes.blueprint)
    app.register_blueprint(v2.blueprint)

    @app.after_request
    def _drain_unread_body(response: Response) -> Response:
        drain_unread_body(request, settings.max_body_bytes)
        return response

    if load_model:
        state.load_model()
    return app
