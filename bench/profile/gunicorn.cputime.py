"""Measuring-only gunicorn config: the image's own config plus the CPU time of every request's app call.

    docker run ... -v DIR:/profile -e PROFILE_DIR=/profile -v bench/profile:/profile-conf:ro IMAGE \
        gunicorn -c /profile-conf/gunicorn.cputime.py

It loads /app/gunicorn.conf.py (every setting and hook stays as deployed) and adds gunicorn's ``pre_request`` and
``post_request`` hooks, which run on the request's own thread around the WSGI call (Flask, the checks, the
batcher, the model, the log line and the metrics; not the HTTP parsing, the send or gthread's hand-offs). Each
request's thread CPU time (``time.thread_time_ns``) between the two is kept, and at worker exit (docker stop) the
worker writes PROFILE_DIR/<pid>-cputime.txt: requests, then median, p90, mean and p99 in microseconds. Thread CPU
time counts only this thread's own work, not the time it waits for the GIL or the CPU, so other load on the
machine changes it far less than wall time or the container's CPU per request (only through cold caches).

It also times, on the same thread and in the same request, the batcher's ``Batcher.predict`` (the batching on or
off path, the batch metrics) and the model's ``LoadedModel.predict`` inside it: ``batcher-model`` is the
batcher's own CPU per request (the median of each request's difference, so the noise of the two cancels), and
``app-batcher`` the rest of the app's work.
"""

import os
import statistics
import threading
import time

with open("/app/gunicorn.conf.py") as _file:
    exec(compile(_file.read(), "/app/gunicorn.conf.py", "exec"))  # noqa: S102  (the image's own config)

from modelserver.model.batching import Batcher  # noqa: E402  (imported in the master; the workers fork it)
from modelserver.model.loaded_model import LoadedModel  # noqa: E402

_base_worker_exit = globals().get("worker_exit")
_request = threading.local()  # this thread's request: started, and the ns spent in the batcher and the model
_samples = []  # (app, batcher, model) thread CPU ns per request; list.append is atomic under the GIL


def _timed(function, slot):
    def timed(*args, **kwargs):
        began = time.thread_time_ns()
        try:
            return function(*args, **kwargs)
        finally:
            setattr(_request, slot, getattr(_request, slot, 0) + time.thread_time_ns() - began)
    return timed


Batcher.predict = _timed(Batcher.predict, "batcher")
LoadedModel.predict = _timed(LoadedModel.predict, "model")


def pre_request(worker, req):
    _request.batcher = _request.model = 0
    _request.started = time.thread_time_ns()


def post_request(worker, req, environ, resp):
    began = getattr(_request, "started", None)
    if began is not None and _request.batcher:  # a prediction request
        _samples.append((time.thread_time_ns() - began, _request.batcher, _request.model))
        _request.started = None


def worker_exit(server, worker):  # noqa: F811  (wraps the base config's hook)
    if _base_worker_exit is not None:
        _base_worker_exit(server, worker)
    if not _samples:
        return
    columns = {
        "app": [app for app, _, _ in _samples],
        "batcher": [batcher for _, batcher, _ in _samples],
        "model": [model for _, _, model in _samples],
        "batcher-model": [batcher - model for _, batcher, model in _samples],
        "app-batcher": [app - batcher for app, batcher, _ in _samples],
    }
    path = os.path.join(os.environ.get("PROFILE_DIR", "/profile"), f"{os.getpid()}-cputime.txt")
    with open(path, "w") as out:
        out.write(f"{len(_samples)} prediction requests; thread CPU us per request: median / p90 / mean\n")
        for name, values in columns.items():
            us = sorted(v / 1000 for v in values)
            out.write(f"  {name:14s} {statistics.median(us):8.1f} {us[int(0.9 * (len(us) - 1))]:8.1f} "
                      f"{statistics.fmean(us):8.1f}\n")
