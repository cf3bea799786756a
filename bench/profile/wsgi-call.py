"""The app's own cost per POST /predict, with no server and no network: the WSGI app called directly.

Runs inside our api image (it imports /app/modelserver and loads /opt/model):

    docker run --rm --read-only --tmpfs /tmp -v "$PWD/bench/profile:/mb:ro" IMAGE python3 /mb/wsgi-call.py [--prof]

Prints the per-request time of 5 rounds x 5,000 calls (after 500 warm-up calls); with --prof, a cProfile of 5,000
more, sorted by cumulative time. The JSON log lines go to /dev/null, batched and with lean records as in a sync
worker. Unlike bench/floor/floor.py (the Flask test client, which adds its own environ building and response
wrapping), this calls `app.wsgi_app` itself.
"""

import cProfile
import io
import os
import pstats
import sys
import time

BODY = b'{"instances": [[5.1, 3.5, 1.4, 0.2]]}'
WARMUP_CALLS = 500
ROUNDS = 5
CALLS = 5000


def predict_environ() -> dict:
    """A fresh WSGI environ for one POST /predict with one iris row."""
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/predict", "SERVER_NAME": "localhost", "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(BODY)),
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(BODY), "wsgi.errors": sys.stderr,
    }


def call_once(app) -> None:
    """One request through the WSGI app, its body read to the end and closed, as a server does."""
    body = app.wsgi_app(predict_environ(), lambda status, headers, exc_info=None: None)
    try:
        b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()


def main() -> None:
    sys.path.insert(0, "/app")
    from modelserver.settings import METRICS_DIR_VARIABLE, GunicornSettings

    # As gunicorn.conf.py does: prometheus_client in multiprocess mode, its directory in place.
    metrics_dir = GunicornSettings.from_env(os.environ, cpus=1).metrics_dir
    os.environ[METRICS_DIR_VARIABLE] = metrics_dir
    os.makedirs(metrics_dir, exist_ok=True)
    from modelserver.http.app import create_app  # needs the path and the metrics directory above
    from modelserver.observability import logs
    from modelserver.serving.worker import LOG_BUFFER_BYTES, LOG_BUFFER_SECONDS

    # As in a sync worker: gunicorn.conf.py's lean log records, the worker's batched log lines.
    logs.lean_log_records()
    app = create_app()
    logs.buffer_log_lines(LOG_BUFFER_BYTES, LOG_BUFFER_SECONDS)
    sys.stdout = open(os.devnull, "w")  # the request log lines
    for _ in range(WARMUP_CALLS):
        call_once(app)
    per_request_us = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(CALLS):
            call_once(app)
        per_request_us.append(round((time.perf_counter() - started) / CALLS * 1e6))
    sys.stderr.write(f"per request us, {ROUNDS} rounds sorted: {sorted(per_request_us)}\n")
    if "--prof" in sys.argv:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(CALLS):
            call_once(app)
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
