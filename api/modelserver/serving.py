"""gunicorn settings from the environment, sized to the CPUs the container may use.

Only the standard library is imported here: gunicorn.conf.py imports this module before the
app (and prometheus_client) are loaded.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Optional

from .envvars import env_bool, env_int, env_text

DEFAULT_METRICS_DIR = "/tmp/modelserver-metrics"
MAX_DEFAULT_WORKERS = 8


class ServingConfigError(ValueError):
    """A GUNICORN_* / PORT variable holds an unusable value; the message names it."""


def available_cpus(
    cgroup_root: str = "/sys/fs/cgroup",
    affinity: Optional[Callable[[], set[int]]] = None,
) -> int:
    """CPUs this process may use: the smaller of its CPU affinity and its cgroup CPU quota."""
    get_affinity = affinity or getattr(os, "sched_getaffinity", None)
    cpus = len(get_affinity(0)) if get_affinity else (os.cpu_count() or 1)
    quota = cgroup_cpu_quota(Path(cgroup_root))
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


def cgroup_cpu_quota(root: Path) -> Optional[float]:
    """The CPU quota in CPUs (cgroup v2 ``cpu.max`` or v1 ``cpu.cfs_quota_us``), None when unlimited."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]  # cgroup v2: "<quota|max> <period>"
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())  # cgroup v1
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return None if quota_us <= 0 or period_us <= 0 else quota_us / period_us
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class ServingSettings:
    """What gunicorn.conf.py hands to gunicorn.

    Defaults: one worker per usable CPU (at most 8 because each worker holds its own copy of the
    model; a worker runs Python on one core at a time, so more workers than the CPU quota only get
    throttled together) and 1 thread per worker (gunicorn's sync worker: a prediction computes under
    the GIL, so a second thread only adds hand-offs; measured 15-25% slower with 2, bench/README.md).
    Replicas, not extra workers, keep a service answering while one worker is busy or restarting.
    With more threads (gthread) the keep-alive (75 s) outlasts nginx's default upstream
    keepalive_timeout (60 s), so the proxy, not gunicorn, closes idle upstream connections and never
    sends a request on a connection gunicorn just closed.
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

    @classmethod
    def from_env(cls, env: Mapping[str, str], cpus: int) -> "ServingSettings":
        port = env_int(env, "PORT", 8000, 1, ServingConfigError)
        if port > 65535:
            raise ServingConfigError(f"PORT must be at most 65535, got {port}")
        return cls(
            bind=env_text(env, "GUNICORN_BIND") or f"0.0.0.0:{port}",
            workers=env_int(env, "GUNICORN_WORKERS", min(max(1, cpus), MAX_DEFAULT_WORKERS), 1, ServingConfigError),
            threads=env_int(env, "GUNICORN_THREADS", 1, 1, ServingConfigError),
            timeout=env_int(env, "GUNICORN_TIMEOUT", 30, 1, ServingConfigError),
            graceful_timeout=env_int(env, "GUNICORN_GRACEFUL_TIMEOUT", 30, 0, ServingConfigError),
            keepalive=env_int(env, "GUNICORN_KEEPALIVE", 75, 0, ServingConfigError),
            max_requests=env_int(env, "GUNICORN_MAX_REQUESTS", 0, 0, ServingConfigError),
            max_requests_jitter=env_int(env, "GUNICORN_MAX_REQUESTS_JITTER", 0, 0, ServingConfigError),
            preload=env_bool(env, "GUNICORN_PRELOAD", False, ServingConfigError),
        )


EXIT_APP_UNUSABLE = 4  # gunicorn's own code for "App failed to load"


def check_app_loads() -> None:
    """Build the app once in the gunicorn master, before any worker exists.

    A model (or setting) that cannot work then stops gunicorn at once: one JSON log line and
    exit code 4, instead of every worker failing to boot at the same time (which gunicorn 20.1
    handles with a race: exit code 1 or 3 and Python tracebacks). The copy is dropped again; the
    libraries it imported stay loaded and are shared with the workers forked later.
    """
    from .app import create_app
    from .config import ConfigError
    from .loading import ModelLoadError
    from .logs import get_logger

    try:
        create_app()
    except ModelLoadError as error:  # create_app has logged model_load_failed
        raise SystemExit(EXIT_APP_UNUSABLE) from error
    except ConfigError as error:
        get_logger().error("invalid configuration", extra={"fields": {"event": "config_invalid", "error": str(error)}})
        raise SystemExit(EXIT_APP_UNUSABLE) from error


def reset_metrics_dir(path: str) -> None:
    """Empty the prometheus multiprocess directory (files of a previous run would be counted)."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for entry in directory.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def log_config(level: str = "INFO") -> dict:
    """logging.dictConfig for gunicorn: its error log as JSON lines on stderr, no access log."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "modelserver.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
    }
