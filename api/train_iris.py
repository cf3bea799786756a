"""Train the default model: an iris classifier, byte-for-byte reproducible.

    python3 train_iris.py OUT_DIR    # writes OUT_DIR/model.joblib and OUT_DIR/model.json

The data set ships inside scikit-learn (no download). Fixed random_state, single-threaded BLAS
and a fixed pipeline make model.joblib identical on every run with the same packages.
"""

import os

# Before numpy is imported: threaded BLAS may sum in a different order from run to run.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import joblib  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

NAME = "iris"
VERSION = "1.0.0"
FEATURE_NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def train():
    """Fit the pipeline on the whole iris data set; return (pipeline, labels)."""
    data = load_iris()
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=0))
    pipeline.fit(data.data, data.target)
    return pipeline, [str(name) for name in data.target_names]


def write_model(out_dir: str) -> Path:
    """Train and write model.joblib + model.json into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pipeline, labels = train()
    joblib.dump(pipeline, out / "model.joblib")
    meta = {
        "name": NAME,
        "version": VERSION,
        "description": "Iris species from sepal and petal measurements (cm); scikit-learn's bundled data set.",
        "feature_names": FEATURE_NAMES,
        "labels": labels,
        "example": [[5.1, 3.5, 1.4, 0.2]],
    }
    (out / "model.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: train_iris.py OUT_DIR")
    print(f"wrote {write_model(sys.argv[1])}")
