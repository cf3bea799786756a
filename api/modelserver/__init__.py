"""model-service's model server: a Flask app that serves one model over HTTP.

- :mod:`modelserver.settings`: every environment variable the server reads, checked against
  ``environment.json``;
- :mod:`modelserver.http`: the app factory (``create_app``), routes, API keys, errors, request decoding;
- :mod:`modelserver.model`: loading a model directory and predicting with it;
- :mod:`modelserver.observability`: log lines, metrics, per-request bookkeeping;
- :mod:`modelserver.serving`: what gunicorn runs the app with (``/app/gunicorn.conf.py``).

Importing this package has no side effects: ``create_app`` is resolved lazily so the gunicorn config can
import :mod:`modelserver.settings` and :mod:`modelserver.serving` without pulling in Flask or
prometheus_client before the metrics directory is set up.
"""

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from .http.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
