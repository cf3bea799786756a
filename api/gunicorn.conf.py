"""gunicorn configuration of the model server: `gunicorn -c /app/gunicorn.conf.py`.

Every setting comes from the environment, read by modelserver/settings.py with the names, defaults
and ranges of environment.json. Prometheus runs in multiprocess mode: the directory is created here,
before the app (and prometheus_client) are imported, emptied when gunicorn starts and dead workers'
live gauges are removed, so /metrics on any worker counts the requests of all of them.

At start the master builds the app once (startup.check_app_loads): a model that cannot be
loaded stops gunicorn with one JSON log line and exit code 4 before any worker starts. On a
candidate replica, once the master listens, it starts the shadow listener (serving/shadow_listener.py)
in a process of its own, and stops it when gunicorn exits.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from modelserver.serving.cpus import available_cpus  # noqa: E402  (needs the path above)
from modelserver.settings import METRICS_DIR_VARIABLE, GunicornSettings  # noqa: E402

_settings = GunicornSettings.from_env(os.environ, available_cpus())
os.environ[METRICS_DIR_VARIABLE] = _settings.metrics_dir
os.makedirs(_settings.metrics_dir, exist_ok=True)

# Imported here, not in child_exit: imports inside gunicorn's SIGCHLD handler can re-enter.
from prometheus_client import multiprocess  # noqa: E402  (needs PROMETHEUS_MULTIPROC_DIR above)

from modelserver.observability import logs  # noqa: E402
from modelserver.serving import startup  # noqa: E402
from modelserver.serving.logger import log_config  # noqa: E402

# No caller frame, thread or process lookups in LogRecords: none of the JSON lines prints them
# (modelserver/observability/logs.py).
logs.lean_log_records()

wsgi_app = "modelserver.http.app:create_app()"
bind = [_settings.bind]
workers = _settings.workers
# One thread: gunicorn's sync worker; it answers Connection: close, which nginx in front handles. More threads:
# gunicorn's gthread worker, with keep-alive (api/README.md says why the default is 2). Both write the app's log
# lines in batches (modelserver/serving/worker.py).
threads = _settings.threads
worker_class = (
    "modelserver.serving.worker.BatchedLogSyncWorker" if threads == 1
    else "modelserver.serving.worker.BatchedLogThreadWorker"
)
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
# access log; this logger class skips that.
logger_class = "modelserver.serving.logger.NoAccessLogLogger"
errorlog = "-"
loglevel = "info"
logconfig_dict = log_config()


def on_starting(server):
    startup.reset_metrics_dir(_settings.metrics_dir)
    if not server.cfg.preload_app:  # with preload gunicorn has built the app already
        startup.check_app_loads()


def when_ready(server):
    if _settings.shadow_port is not None:
        server.shadow_listener = startup.start_shadow_listener(os.path.dirname(os.path.abspath(__file__)), _settings)


def on_exit(server):
    startup.stop_shadow_listener(getattr(server, "shadow_listener", None))


def worker_exit(server, worker):
    # Every way out of a worker passes here, a timeout's abort too: write the log lines it still holds, and every
    # later one at once (gthread's pool threads may still answer requests while the process exits).
    logs.buffer_log_lines(0, 0.0)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
