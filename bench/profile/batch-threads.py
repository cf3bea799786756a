"""Where a worker's time goes with N request threads, batching on and off (in the api image, no server):

    docker run --rm -v "$PWD/api/modelserver:/app/modelserver:ro" -v "$PWD/api/environment.json:/app/environment.json:ro" \
        -v "$PWD/bench:/bench:ro" -w /app IMAGE python3 /bench/profile/batch-threads.py /bench/models/forest [THREADS] [SECONDS]

THREADS threads (default 8) post one row each to the app (Flask test client, one app = one worker process) for
SECONDS (default 3) each mode, alternating on/off twice. Every model call is timed: the report gives requests/s,
model calls per request, rows per call, the share of wall time some model call was running, and the summed model
time over wall time (above 1: calls overlapped, i.e. threads shared the GIL inside the model).
"""

import json
import statistics
import sys
import threading
import time

sys.path.insert(0, "/app")
from modelserver.http.app import create_app  # noqa: E402
from modelserver.settings import Settings  # noqa: E402


def run(model_dir: str, threads: int, seconds: float, batch_rows: int) -> dict:
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
    stop = time.perf_counter() + seconds
    counts = [0] * threads

    def client(index: int) -> None:
        test_client = app.test_client()
        while time.perf_counter() < stop:
            response = test_client.post("/predict", data=body, content_type="application/json")
            assert response.status_code == 200, response.get_data(as_text=True)
            counts[index] += 1

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
    return {
        "req/s": requests / wall,
        "calls per request": len(calls) / requests,
        "rows per call": statistics.mean(n for _, _, n in calls),
        "model running, share of wall": busy / wall,
        "summed model time / wall": summed / wall,
        "ms per call": summed / len(calls) * 1000,
    }


def union_seconds(spans: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


def main() -> None:
    model_dir = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    results: dict[str, list[dict]] = {"on": [], "off": []}
    for _ in range(2):
        for mode, rows in (("on", 64), ("off", 1)):
            results[mode].append(run(model_dir, threads, seconds, rows))
    print(f"{model_dir}, {threads} threads, {seconds:.0f} s per run, medians of 2 runs per mode")
    for key in results["on"][0]:
        on = statistics.median(r[key] for r in results["on"])
        off = statistics.median(r[key] for r in results["off"])
        print(f"  {key:32s} on {on:8.2f}   off {off:8.2f}")


if __name__ == "__main__":
    main()
