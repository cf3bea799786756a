"""Profiling-only gunicorn config: the image's own config plus cProfile in every thread of every worker.

    docker run ... -v DIR:/profile -e PROFILE_DIR=/profile IMAGE gunicorn -c /profile-conf/gunicorn.profile.py

bench/profile/run-profile starts a container this way. For ours it loads /app/gunicorn.conf.py (every
setting and hook stays as deployed); with PROFILE_BASE=none (the seed) it only adds the hooks, and gunicorn
takes the rest from the command line. Each worker profiles its main thread from post_fork and every thread it
starts later (gthread's request thread, the log writer) from that thread's first Python call; at worker exit
it writes one pstats file per thread: PROFILE_DIR/<pid>-<thread name>.pstats. cProfile measures wall time, so
a thread's time waiting for the GIL shows inside the call that gave it up (a lock, a write, a select).
"""

import cProfile
import os
import threading

_base = os.environ.get("PROFILE_BASE", "/app/gunicorn.conf.py")
if _base != "none":
    with open(_base) as _file:
        exec(compile(_file.read(), _base, "exec"))  # noqa: S102  (the image's own config, as gunicorn would load it)

_base_post_fork = globals().get("post_fork")
_base_worker_exit = globals().get("worker_exit")
_profiles = {}  # thread name -> cProfile.Profile
_profiles_lock = threading.Lock()


def _start_thread_profile(*_args):
    profile = cProfile.Profile()
    with _profiles_lock:
        _profiles[threading.current_thread().name] = profile
    profile.enable()  # replaces this one-shot hook for the rest of the thread


def post_fork(server, worker):  # noqa: F811  (wraps the base config's hook)
    threading.setprofile(_start_thread_profile)  # threads started from now on
    if _base_post_fork is not None:
        _base_post_fork(server, worker)
    _start_thread_profile()  # the worker's main thread


def worker_exit(server, worker):  # noqa: F811
    threading.setprofile(None)
    if _base_worker_exit is not None:
        _base_worker_exit(server, worker)
    directory = os.environ.get("PROFILE_DIR", "/profile")
    with _profiles_lock:
        profiles = dict(_profiles)
    for name, profile in profiles.items():
        if name == threading.current_thread().name:
            profile.disable()
        profile.snapshot_stats()  # other threads' profiles: what they recorded until now
        profile.dump_stats(os.path.join(directory, f"{os.getpid()}-{name}.pstats"))
