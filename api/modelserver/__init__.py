"""model-service's model server: a Flask app that serves one model over HTTP.

``create_app`` (in :mod:`modelserver.app`) builds the WSGI app; gunicorn runs it with
``/app/gunicorn.conf.py``. Importing this package has no side effects: ``create_app`` is
resolved lazily so the gunicorn config can import :mod:`modelserver.serving` without
pulling in Flask or prometheus_client before the metrics directory is set up.
"""

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
