"""In-process floor: what one request costs inside one Python process, without any server or network.

    python3 floor.py seed|ours ROUNDS REQUESTS

Runs in the stack's own api image (bench mounts this file). Prints one JSON line:
  request_us   Flask test client, one POST /predict with one iris row (median of ROUNDS rounds)
  predict_us   one model.predict of that row on the bare estimator
  serve_us     (ours) the app's whole predict step (predict + probabilities + label lookup)
"""

import json
import os
import statistics
import sys
import time

BODY = json.dumps({"instances": [[5.1, 3.5, 1.4, 0.2]]})


def per_call_us(function, rounds: int, calls: int) -> float:
    for _ in range(max(10, calls // 10)):
        function()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        samples.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(samples)


def seed(rounds, calls):
    os.chdir("/home/project/app")
    sys.path.insert(0, "/home/project/app")
    import numpy as np
    from app import app, model  # the seed's module-level app and model

    client = app.test_client()
    row = np.asarray([[5.1, 3.5, 1.4, 0.2]])

    def request():
        response = client.post("/predict", data=BODY, content_type="application/json")
        assert response.status_code == 200, response.status_code

    return {"request_us": per_call_us(request, rounds, calls), "predict_us": per_call_us(lambda: model.predict(row), rounds, calls)}


def ours(rounds, calls):
    sys.path.insert(0, "/app")
    from modelserver.settings import METRICS_DIR_VARIABLE

    os.environ.pop(METRICS_DIR_VARIABLE, None)  # one process: the app's own registry
    import io
    import joblib
    import numpy as np
    from modelserver.http.app import create_app
    from modelserver.http.state import EXTENSION_KEY

    sys.stdout = io.StringIO()  # the app logs one line per request to stdout
    app = create_app()
    state = app.extensions[EXTENSION_KEY]
    client = app.test_client()
    estimator = joblib.load("/opt/model/model.joblib")
    row = np.asarray([[5.1, 3.5, 1.4, 0.2]])
    model = state.slot.model

    def request():
        response = client.post("/predict", data=BODY, content_type="application/json")
        assert response.status_code == 200, response.status_code
        sys.stdout.seek(0)
        sys.stdout.truncate()

    result = {
        "request_us": per_call_us(request, rounds, calls),
        "predict_us": per_call_us(lambda: estimator.predict(row), rounds, calls),
        "serve_us": per_call_us(lambda: model.predict(row), rounds, calls),
    }
    sys.stdout = sys.__stdout__
    return result


if __name__ == "__main__":
    which, rounds, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps({"stack": which, **(seed if which == "seed" else ours)(rounds, calls)}))
