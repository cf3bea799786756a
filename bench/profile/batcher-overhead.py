"""What the batcher adds to a lone request's model call, in one thread (no concurrency), in the api image:

    docker run --rm --cpus 1 -v "$PWD/api/modelserver:/app/modelserver:ro" -v "$PWD/api/environment.json:/app/environment.json:ro" \
        -v "$PWD/bench/profile:/mb:ro" IMAGE python3 /mb/batcher-overhead.py [MODEL_DIR]

Microseconds per call (median of 7 alternating repeats of 3,000 calls) of the model's ``LoadedModel.predict`` on
one row (default model: the image's /opt/model), the same through a Batcher with batching off, on (with the app's
batch metrics in multiprocess mode, as in a worker) and on without metrics, and the batch metrics alone.
"""

import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, "/app")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp()  # before prometheus_client is imported

import numpy as np  # noqa: E402

from modelserver.model.batching import Batcher  # noqa: E402
from modelserver.model.loading import load_model  # noqa: E402
from modelserver.observability.metrics import Metrics  # noqa: E402

CALLS = 3000
REPEATS = 7


def main(model_dir: str) -> None:
    model = load_model(model_dir)
    rows = np.zeros((1, model.info.n_features))
    metrics = Metrics(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    on = Batcher(64, 0.0005, observe=metrics.observe_batch)
    bare = Batcher(64, 0.0005)
    off = Batcher(1, 0.0005, observe=metrics.observe_batch)

    def through(batcher):
        def call():
            with batcher.arrival():
                batcher.predict(model, rows)
        return call

    ways = {
        "model alone": lambda: model.predict(rows),
        "batcher off": through(off),
        "batcher on, with metrics": through(on),
        "batcher on, no metrics": through(bare),
        "batch metrics alone": lambda: metrics.observe_batch(1, 1, [0.00001]),
    }
    samples = {name: [] for name in ways}
    for call in ways.values():
        for _ in range(300):
            call()
    for _ in range(REPEATS):
        for name, call in ways.items():
            began = time.perf_counter()
            for _ in range(CALLS):
                call()
            samples[name].append((time.perf_counter() - began) / CALLS * 1e6)
    print(f"{model_dir}: microseconds per call, median of {REPEATS} alternating repeats of {CALLS}")
    for name, values in samples.items():
        print(f"  {name:26s} {statistics.median(values):7.1f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/opt/model")
