"""gunicorn's logging for the model server: its error log as JSON lines on stderr, no access log at all."""

from gunicorn.glogging import Logger


def log_config(level: str = "INFO") -> dict:
    """logging.dictConfig for gunicorn: its error log as JSON lines on stderr, no access log."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "modelserver.observability.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
    }


class NoAccessLogLogger(Logger):
    """The app logs one JSON line per request itself (observability/request_hooks.py), so gunicorn logs none.

    gunicorn 20.1 computes the access-log fields of every request whenever ``logconfig_dict`` is
    set, even though the ``gunicorn.access`` logger then discards the line; this skips that work.
    """

    def access(self, resp, req, environ, request_time):  # noqa: D102  (gunicorn's signature)
        return None
