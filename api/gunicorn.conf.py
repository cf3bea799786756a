"""gunicorn configuration of the model server: `gunicorn -c /app/gunicorn.conf.py`.

Every setting comes from the environment (GUNICORN_*, PORT; see modelserver/serving.py for the
defaults). Prometheus runs in multiprocess mode: the directory is created here, before the app
(and prometheus_client) are imported, emptied when gunicorn starts and dead workers' live gauges
are removed, so /metrics on any worker counts the requests of all of them.

At start the master builds the app once (serving.check_app_loads): a model that cannot be
loaded stops gunicorn with one JSON log line and exit code 4 before any worker starts.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/modelserver-metrics")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

# Imported here, not in child_exit: imports inside gunicorn's SIGCHLD handler can re-enter.
from prometheus_client import multiprocess  # noqa: E402  (needs PROMETHEUS_MULTIPROC_DIR above)

from modelserver import logs, serving  # noqa: E402  (needs the path above)

# No caller frame, thread or process lookups in LogRecords: none of the JSON lines prints them (modelserver/logs.py).
logs.lean_log_records()

_settings = serving.ServingSettings.from_env(os.environ, serving.available_cpus())

wsgi_app = "modelserver.app:create_app()"
bind = [_settings.bind]
workers = _settings.workers
# One thread: gunicorn's sync worker, which answers each request in the worker's only thread, as the seed's
# stack does. gthread's poller thread hands every request to a pool thread; profiled with one pool thread, the
# GIL and futex hand-offs between the two cost 10-25% of a worker's CPU per request (bench/README.md). The sync
# worker answers Connection: close, which nginx in front (it buffers requests and answers) handles; gthread, and
# with it keep-alive, is used for more threads.
# The sync worker is gunicorn's own, with the app's log lines written in batches (modelserver/gunicorn_worker.py).
threads = _settings.threads
worker_class = "modelserver.gunicorn_worker.BatchedLogSyncWorker" if threads == 1 else "gthread"
timeout = _settings.timeout
graceful_timeout = _settings.graceful_timeout
keepalive = _settings.keepalive
max_requests = _settings.max_requests
max_requests_jitter = _settings.max_requests_jitter
preload_app = _settings.preload
proc_name = "modelserver"
# Heartbeat files on a RAM disk: works with a read-only root and never blocks on disk I/O.
worker_tmp_dir = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None

# nginx in front bounds the request line and every header line (8 KiB each, 32 KiB in all) and answers beyond
# that with its own JSON 414/431; gunicorn's tighter defaults (4094-byte line, 100 headers) would answer a request
# nginx accepted with gunicorn's HTML 400 page instead. Without nginx these remain bounded by gunicorn's buffers.
limit_request_line = 0
limit_request_fields = 32768
limit_request_field_size = 0

accesslog = None  # the app logs one JSON line per request itself
# gunicorn 20.1 builds every request's access-log fields whenever logconfig_dict is set, even with no
# access log; this logger class skips that (3% of a request in the profile, bench/README.md).
logger_class = "modelserver.gunicorn_logger.NoAccessLogLogger"
errorlog = "-"
loglevel = "info"
logconfig_dict = serving.log_config()


def on_starting(server):
    serving.reset_metrics_dir(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    if not server.cfg.preload_app:  # with preload gunicorn has built the app already
        serving.check_app_loads()


def worker_exit(server, worker):
    # Every way out of a worker passes here, a timeout's abort too: write the log lines it still holds.
    logs.flush_log_lines()


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
