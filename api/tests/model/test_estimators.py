"""The one-pass scikit-learn calls (modelserver/estimators.py) answer exactly what the estimator does."""

import importlib

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from helpers import assert_error, post_json
from modelserver.model.estimators import PREDICT_IS_ARGMAX_OF_PROBA, SklearnCalls, is_sklearn_estimator
from modelserver.model.loaded_model import CheckedAnswer, LoadedModel, NonFiniteOutput, PredictionError


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


def _classifier(name):
    module, _, qualname = name.rpartition(".")
    cls = getattr(importlib.import_module(module), qualname)
    options = {"random_state": 0} if "random_state" in cls().get_params() else {}
    if "max_iter" in cls().get_params():
        options["max_iter"] = 1000
    if "n_estimators" in cls().get_params():
        options["n_estimators"] = 15
    return cls(**options)


@pytest.mark.parametrize("name", sorted(PREDICT_IS_ARGMAX_OF_PROBA))
def test_predictions_read_off_the_probabilities_are_predicts_own(name, data):
    x, y = data
    rng = np.random.default_rng(7)
    rows = np.vstack([x, rng.normal(size=(2000, 4)) * [2, 20, 200, 0.2]])
    for labels in (y, y == 1, np.array(["setosa", "versicolor", "virginica"])[y]):  # 3 classes, 2, strings
        model = make_pipeline(StandardScaler(), _classifier(name)).fit(x, labels)
        predictions, probabilities = SklearnCalls(model)(rows, True)
        np.testing.assert_array_equal(predictions, model.predict(rows))
        np.testing.assert_array_equal(probabilities, model.predict_proba(rows))


@pytest.mark.parametrize("name", sorted(PREDICT_IS_ARGMAX_OF_PROBA))
def test_a_few_rows_get_the_same_answers_as_python_values(name, data):
    x, y = data
    rows = np.random.default_rng(11).normal(size=(120, 4)) * [2, 20, 200, 0.2]
    for labels in (y, y == 1, np.array(["setosa", "versicolor", "virginica"])[y]):  # 3 classes, 2, strings
        model = make_pipeline(StandardScaler(), _classifier(name)).fit(x, labels)
        calls = SklearnCalls(model)
        for size in (1, 2, 8):
            for start in range(0, 48, size):
                chunk = rows[start:start + size]
                answer = calls(chunk, True)
                assert isinstance(answer, CheckedAnswer)
                assert answer.predictions == model.predict(chunk).tolist()
                assert answer.probabilities == model.predict_proba(chunk).tolist()
        assert not isinstance(calls(rows[:9], True), CheckedAnswer)  # more rows: NumPy's arrays


@pytest.mark.parametrize("others", [50, 2], ids=["arrays", "a-few-rows"])
def test_only_near_ties_ask_predict(others, data):
    x, y = data
    model = LogisticRegression(max_iter=1000).fit(x[:, :2], y == 1)
    calls = SklearnCalls(model)
    asked = []
    real_predict = model.predict
    model.predict = lambda m: asked.append(m.tolist()) or real_predict(m)
    # A row on the decision boundary: both probabilities 0.5 up to rounding.
    w, b = model.coef_[0], model.intercept_[0]
    boundary = [0.0, -b / w[1]]
    rows = np.vstack([x[:others, :2], [boundary]])
    answer = calls(rows, True)
    predictions = answer.predictions if isinstance(answer, CheckedAnswer) else answer[0].tolist()
    assert asked == [[boundary]]
    assert predictions == real_predict(rows).tolist()


def test_non_finite_probabilities_among_a_few_rows_are_a_non_finite_output(data):
    x, y = data
    model = _classifier("sklearn.naive_bayes.GaussianNB").fit(x, y)
    calls = SklearnCalls(model)
    model.predict_proba = lambda m: np.array([[0.5, np.nan, 0.5]] * len(m))
    with pytest.raises(NonFiniteOutput, match="NaN or infinity"):
        calls(x[:2], True)


def test_a_checked_answer_is_named_with_the_labels_and_counted(data):
    def joint(rows, probabilities):
        return CheckedAnswer([1, 0][: len(rows)], [[0.25, 0.75], [0.5, 0.5]][: len(rows)])

    model = LoadedModel(_info(), lambda rows: None, lambda rows: None, classes=[0, 1], joint=joint)
    answer = model.predict(np.zeros((2, 4)))
    assert answer.predictions == ["yes", "no"]
    assert answer.probabilities == [[0.25, 0.75], [0.5, 0.5]]
    assert model.predict(np.zeros((2, 4)), probabilities=False).probabilities is None
    with pytest.raises(PredictionError, match="2 predictions for 3 rows"):
        model.predict(np.zeros((3, 4)))


def _info():
    from modelserver.model.loaded_model import ModelInfo

    return ModelInfo(
        name="m", version="1", n_features=4, feature_names=None, labels=("no", "yes"), digest="sha256:0",
        format="joblib", framework="scikit-learn", framework_version=None, estimator="x", has_probabilities=True,
    )


def test_classifiers_outside_the_list_keep_both_calls(data):
    x, y = data
    model = SVC(probability=True, random_state=0).fit(x, y)  # Platt scaling: predict may disagree with argmax
    asked = []
    real_predict = model.predict
    model.predict = lambda m: asked.append(len(m)) or real_predict(m)
    predictions, _ = SklearnCalls(model)(x, True)
    assert asked == [len(x)]
    np.testing.assert_array_equal(predictions, real_predict(x))


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
    with pytest.raises(PredictionError, match="predict(_proba)? failed: ValueError"):
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
