"""gunicorn's logger for the model server: its error log as configured, no access log at all."""

from gunicorn.glogging import Logger


class NoAccessLogLogger(Logger):
    """The app logs one JSON line per request itself (observability.py), so gunicorn logs none.

    gunicorn 20.1 computes the access-log fields of every request whenever ``logconfig_dict`` is
    set, even though the ``gunicorn.access`` logger then discards the line; this skips that work.
    """

    def access(self, resp, req, environ, request_time):  # noqa: D102  (gunicorn's signature)
        return None
