"""The one-pass scikit-learn calls (modelserver/estimators.py) answer exactly what the estimator does."""

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from helpers import assert_error, post_json
from modelserver.estimators import SklearnCalls, is_sklearn_estimator
from modelserver.model import NonFiniteOutput, PredictionError


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4)) * [1, 10, 100, 0.1]
    y = (x[:, 0] + x[:, 1] / 10 > 0).astype(int) + (x[:, 2] > 50).astype(int)
    return x, y


def test_pipeline_answers_what_predict_and_predict_proba_answer(data):
    x, y = data
    pipeline = make_pipeline(StandardScaler(), "passthrough", LogisticRegression(max_iter=500)).fit(x, y)
    predictions, probabilities = SklearnCalls(pipeline)(x, True)
    np.testing.assert_array_equal(predictions, pipeline.predict(x))
    np.testing.assert_array_equal(probabilities, pipeline.predict_proba(x))


def test_without_probabilities_only_predict_runs(data):
    x, y = data
    regressor = LinearRegression().fit(x, y)
    calls = SklearnCalls(regressor)
    assert not calls.has_probabilities
    predictions, probabilities = calls(x, True)
    np.testing.assert_array_equal(predictions, regressor.predict(x))
    assert probabilities is None
    _, skipped = SklearnCalls(LogisticRegression(max_iter=1000).fit(x, y))(x, False)
    assert skipped is None


def test_a_step_that_overflows_is_a_non_finite_output(data):
    x, y = data
    pipeline = make_pipeline(FunctionTransformer(lambda m: m * 1e300), LogisticRegression()).fit(x[:, :2] / 1e300, y)
    with pytest.raises(NonFiniteOutput, match="step 0"):
        SklearnCalls(pipeline)(np.full((1, 2), 1e10), True)


def test_failures_inside_the_estimator_are_prediction_errors(data):
    x, y = data
    model = LogisticRegression(max_iter=1000).fit(x, y)
    with pytest.raises(PredictionError, match="predict failed: ValueError"):
        SklearnCalls(model)(np.ones((1, 3)), True)  # wrong feature count, past our own checks
    with pytest.raises(PredictionError, match="NaN or infinity"):
        SklearnCalls(model)(np.full((1, 4), np.nan), True)


def test_only_scikit_learn_estimators_qualify(data):
    x, y = data
    assert is_sklearn_estimator(LogisticRegression())
    assert not is_sklearn_estimator(object())


def test_served_pipeline_model_answers_like_the_estimator(tmp_path, make_app, data):
    x, y = data
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(x, y)
    joblib.dump(pipeline, tmp_path / "model.joblib")
    client = make_app(tmp_path).test_client()
    rows = x[:20].tolist()
    body = post_json(client, "/predict", {"instances": rows}).get_json()
    assert body["predictions"] == pipeline.predict(x[:20]).tolist()
    assert body["probabilities"] == pipeline.predict_proba(x[:20]).tolist()
    assert_error(post_json(client, "/predict", {"instances": [[1e308, 1e308, 1e308, 1e308]]}), 422, "non_finite_prediction")
