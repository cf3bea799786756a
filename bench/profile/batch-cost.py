"""What one model call costs by rows, and where a one-row call's time goes, in the api image:

    docker run --rm -v "$PWD/api/modelserver:/app/modelserver:ro" -v "$PWD/bench:/bench:ro" -w /app IMAGE \
        python3 /bench/profile/batch-cost.py /bench/models/forest [--prof]

Prints microseconds per call of LoadedModel.predict (probabilities too, as /predict asks) for 1 to 64 rows,
median of alternating repeats; --prof adds a cProfile of 2,000 one-row calls (top functions by own time).
"""

import cProfile
import pstats
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, "/app")
from modelserver.model.loading import load_model  # noqa: E402

SIZES = (1, 2, 4, 8, 16, 32, 64)


def main(model_dir: str, profile: bool) -> None:
    model = load_model(model_dir)
    rng = np.random.default_rng(0)
    rows = {n: rng.normal(size=(n, model.info.n_features)) for n in SIZES}
    for n in SIZES:
        model.predict(rows[n])
    samples = {n: [] for n in SIZES}
    for _ in range(15):
        for n in SIZES:
            started = time.perf_counter()
            for _ in range(20):
                model.predict(rows[n])
            samples[n].append((time.perf_counter() - started) / 20 * 1e6)
    print(f"{model_dir}: {model.info.estimator}, batchable={model.batchable}")
    one = statistics.median(samples[1])
    for n in SIZES:
        us = statistics.median(samples[n])
        print(f"  {n:3d} rows: {us:8.0f} us a call, {us / n:7.0f} us a row, {us / one:5.2f}x one row")
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(2000):
            model.predict(rows[1])
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(14)


if __name__ == "__main__":
    main(sys.argv[1], "--prof" in sys.argv[2:])
