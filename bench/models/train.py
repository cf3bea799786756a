"""Train the bench's two model kinds that the api has no special path for (run inside the api image, so the files
load with the scikit-learn that serves them): `scripts/bench` trains them when missing.

* forest/: model.joblib, a 30-tree RandomForestClassifier on 20 features (3 classes), plus model.json.
* predictor/: predictor.py (ACCEPTS_BATCHES = True) serving model.joblib, a 30-tree ExtraTreesClassifier on the
  same 20 features, plus model.json. The seed serves the same model.joblib file.

Usage: python3 train.py OUT_DIR
"""

import json
import sys
from pathlib import Path

import joblib
import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

FEATURES = [f"f{i}" for i in range(20)]
TREES = 30
SEED = 0


def data():
    x, y = make_classification(
        n_samples=2000, n_features=len(FEATURES), n_informative=10, n_classes=3, random_state=SEED
    )
    return np.round(x, 3), y


def write(directory: Path, estimator, name: str, example) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(estimator, directory / "model.joblib", compress=3)
    meta = {"name": name, "version": "1", "feature_names": FEATURES, "example": example}
    (directory / "model.json").write_text(json.dumps(meta, indent=1) + "\n")


def main(out: Path) -> None:
    x, y = data()
    example = x[:2].tolist()
    forest = RandomForestClassifier(n_estimators=TREES, max_depth=10, min_samples_leaf=4, random_state=SEED).fit(x, y)
    write(out / "forest", forest, "forest", example)
    extra = ExtraTreesClassifier(n_estimators=TREES, max_depth=10, min_samples_leaf=4, random_state=SEED).fit(x, y)
    write(out / "predictor", extra, "trees", example)
    for kind in ("forest", "predictor"):
        size = (out / kind / "model.joblib").stat().st_size
        print(f"{kind}/model.joblib: {size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
