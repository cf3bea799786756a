"""Adaptive batching through the app under concurrent load: every answer holds exactly its own rows' predictions.

A Hypothesis property over request plans (rows per request, where the bad rows are), 10,000 requests in all, sent
by 16 threads at once to one app whose model (a predictor.py that accepts batches) answers each row with a number
naming that row. Bad rows of two kinds: malformed (422 before batching) and rows the model itself fails on (a 500
for that request only).
"""

import json
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import models
from helpers import metric_value

THREADS = 16
REQUESTS_PER_EXAMPLE = 500
EXAMPLES = 20  # 20 x 500 = 10,000 requests

ROW_NAMING_PREDICTOR = textwrap.dedent(
    '''
    import time

    import numpy as np

    ACCEPTS_BATCHES = True


    def load(model_dir):
        return None


    def predict(model, rows):
        time.sleep(0.001)  # a model call that lets other threads run, as scikit-learn's C code does; costlier than a
        # hand-off, so calls are shared (the batcher lets a call cheaper than a hand-off run alone)
        if (rows[:, 1] == 666).any():
            raise RuntimeError("the model cannot handle 666")
        return rows[:, 0] * 1000 + rows[:, 1]


    def predict_proba(model, rows):
        return np.column_stack([rows[:, 0], rows[:, 1]])
    '''
)

# One request: (rows, kind of bad row or None); a row is [request number, row number within the request].
request_plan = st.tuples(st.integers(min_value=1, max_value=5), st.sampled_from([None] * 8 + ["malformed", "model"]))


def body_of(number, rows, bad):
    instances = [[number, row] for row in range(rows)]
    if bad == "malformed":
        instances[-1] = [number, "x"]
    elif bad == "model":
        instances[-1] = [number, 666]
    return json.dumps({"instances": instances})


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(plan=st.lists(request_plan, min_size=REQUESTS_PER_EXAMPLE, max_size=REQUESTS_PER_EXAMPLE))
def test_every_answer_holds_exactly_its_own_rows(tmp_path_factory, make_app, plan):
    model_dir = models.write_predictor(
        tmp_path_factory.mktemp("rows"), ROW_NAMING_PREDICTOR, meta={"name": "rows", "feature_names": ["n", "row"]}
    )
    app = make_app(model_dir, batch_max_rows=32, batch_max_wait_microseconds=200)
    local = threading.local()

    def send(number):
        client = getattr(local, "client", None) or app.test_client()
        local.client = client
        rows, bad = plan[number]
        response = client.post("/predict", data=body_of(number, rows, bad), content_type="application/json")
        return number, response.status_code, response.get_json()

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(send, range(len(plan)), timeout=120))

    for number, status, body in answers:
        rows, bad = plan[number]
        if bad == "malformed":
            assert status == 422, body
        elif bad == "model":
            assert status == 500 and body["error"]["code"] == "prediction_failed", body
        else:
            assert status == 200, body
            assert body["predictions"] == [number * 1000 + row for row in range(rows)]
            assert body["probabilities"] == [[number, row] for row in range(rows)]

    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    calls = metric_value(metrics, "modelserver_batch_requests_count")
    shared = calls - metric_value(metrics, "modelserver_batch_requests_bucket", le="1.0")
    assert shared > 0, "no model call answered more than one request: nothing was batched"
