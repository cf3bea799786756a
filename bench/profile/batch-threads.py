"""Where a worker's time goes with N request threads, batching on and off (in the api image, no server):

    docker run --rm -v "$PWD/api/modelserver:/app/modelserver:ro" -v "$PWD/api/environment.json:/app/environment.json:ro" \
        -v "$PWD/bench:/bench:ro" -w /app IMAGE python3 /bench/profile/batch-threads.py MODEL_DIR \
        [THREADS[,THREADS...]] [SECONDS] [ROUNDS] [--prof THREADS] | grep -v '^{'

MODEL_DIR is /bench/models/forest, /bench/models/predictor or the image's own /opt/model (iris). For each thread
count (default 8), THREADS threads post one row each to the app (Flask test client, one app = one worker process)
for SECONDS (default 3) per run, batching on (64 rows) and off alternating, ROUNDS times (default 2); medians per
mode. Every model call is timed: the report gives requests/s, the p50 of a request, model calls per request, rows
per call, the share of wall time some model call was running, and the summed model time over wall time (above 1:
calls overlapped, i.e. threads shared the GIL inside the model). With batching on it also times each hand-off:
from the leader's ``done.set()`` to the waiting request's thread running again (the wake-up, which needs the GIL),
and the requests that waited for a call at all, and the batcher's own running averages of a call and a hand-off
(0 where the batcher has none). The log lines go to stdout: filter them (grep -v '^{').

``--prof THREADS`` adds a cProfile of every request thread at that thread count, on and off (one run each, the
threads' profiles summed): the functions with the most own time, so the time spent blocked on locks shows.
"""

import cProfile
import io
import json
import pstats
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field

sys.path.insert(0, "/app")
from modelserver.http.app import create_app  # noqa: E402
from modelserver.model import batching  # noqa: E402
from modelserver.settings import Settings  # noqa: E402

WAKES: list[float] = []  # seconds from a job's done.set() to its waiting thread running again


class TimedEvent(threading.Event):
    """An Event that records how long its waiter took to run again after ``set()``."""

    set_at = 0.0

    def set(self) -> None:
        self.set_at = time.perf_counter()
        super().set()

    def wait(self, timeout=None):  # noqa: ANN001
        answer = super().wait(timeout)
        if self.set_at:
            WAKES.append(time.perf_counter() - self.set_at)
        return answer


@dataclass
class TimedJob(batching._Job):  # noqa: SLF001 (the profile times the batcher's own hand-off)
    done: threading.Event = field(default_factory=TimedEvent)


batching._Job = TimedJob  # noqa: SLF001


def run(model_dir: str, threads: int, seconds: float, batch_rows: int, profile: bool = False) -> dict:
    app = create_app(Settings(model_dir=model_dir, batch_max_rows=batch_rows))
    model = app.extensions["modelserver"].slot.model
    meta = json.load(open(f"{model_dir}/model.json"))
    body = json.dumps({"instances": [meta["example"][0]]})
    calls: list[tuple[float, float, int]] = []
    inner = model.predict

    def timed(rows, probabilities=True):
        started = time.perf_counter()
        try:
            return inner(rows, probabilities=probabilities)
        finally:
            calls.append((started, time.perf_counter(), rows.shape[0]))

    model.predict = timed
    WAKES.clear()
    stop = time.perf_counter() + seconds
    counts = [0] * threads
    latencies: list[list[float]] = [[] for _ in range(threads)]
    profiles = [cProfile.Profile() for _ in range(threads)] if profile else []

    def client(index: int) -> None:
        test_client = app.test_client()
        if profile:
            profiles[index].enable()
        while time.perf_counter() < stop:
            began = time.perf_counter()
            response = test_client.post("/predict", data=body, content_type="application/json")
            latencies[index].append(time.perf_counter() - began)
            assert response.status_code == 200, response.get_data(as_text=True)
            counts[index] += 1
        if profile:
            profiles[index].disable()

    began = time.perf_counter()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - began
    requests = sum(counts)
    busy = union_seconds([(a, b) for a, b, _ in calls])
    summed = sum(b - a for a, b, _ in calls)
    wakes = sorted(WAKES)
    result = {
        "req/s": requests / wall,
        "request p50 ms": statistics.median(x for per in latencies for x in per) * 1000,
        "calls per request": len(calls) / requests,
        "rows per call": statistics.mean(n for _, _, n in calls),
        "model running, share of wall": busy / wall,
        "summed model time / wall": summed / wall,
        "ms per call": summed / len(calls) * 1000,
        "requests handed off, share": len(wakes) / requests,
        "hand-off wake p50 ms": statistics.median(wakes) * 1000 if wakes else 0.0,
        "hand-off wake p90 ms": wakes[int(len(wakes) * 0.9)] * 1000 if wakes else 0.0,
        "hand-off wake ms per request": sum(wakes) / requests * 1000,
    }
    batcher = app.extensions["modelserver"].batcher
    for key, seconds_or_none in (("batcher's call average ms", getattr(batcher, "call_seconds", None)),
                                 ("batcher's hand-off average ms", getattr(batcher, "handoff_seconds", None))):
        result[key] = (seconds_or_none or 0.0) * 1000
    if profile:
        stats = pstats.Stats(profiles[0])
        for extra in profiles[1:]:
            stats.add(extra)
        out = io.StringIO()
        stats.stream = out
        stats.sort_stats("tottime").print_stats(14)
        result["profile"] = f"{requests} requests\n" + out.getvalue()
    return result


def union_seconds(spans: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


def main() -> None:
    args = [a for a in sys.argv[1:]]
    prof_threads = None
    if "--prof" in args:
        at = args.index("--prof")
        prof_threads = int(args[at + 1])
        del args[at : at + 2]
    model_dir = args[0]
    thread_counts = [int(t) for t in args[1].split(",")] if len(args) > 1 else [8]
    seconds = float(args[2]) if len(args) > 2 else 3.0
    rounds = int(args[3]) if len(args) > 3 else 2
    for threads in thread_counts:
        results: dict[str, list[dict]] = {"on": [], "off": []}
        for _ in range(rounds):
            for mode, rows in (("on", 64), ("off", 1)):
                results[mode].append(run(model_dir, threads, seconds, rows))
        print(f"{model_dir}, {threads} threads, {seconds:g} s per run, medians of {rounds} runs per mode", flush=True)
        for key in results["on"][0]:
            on = statistics.median(r[key] for r in results["on"])
            off = statistics.median(r[key] for r in results["off"])
            print(f"  {key:32s} on {on:8.3f}   off {off:8.3f}", flush=True)
    if prof_threads:
        for mode, rows in (("on", 64), ("off", 1)):
            profiled = run(model_dir, prof_threads, seconds, rows, profile=True)
            print(f"\ncProfile, {prof_threads} threads, batching {mode}, {seconds:g} s: {profiled['profile']}", flush=True)


if __name__ == "__main__":
    main()
