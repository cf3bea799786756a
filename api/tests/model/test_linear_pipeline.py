"""LinearPipeline (modelserver/linear_pipeline.py) answers scikit-learn's own floats, and only where it applies."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from modelserver.model.estimators import SklearnCalls
from modelserver.model.linear_pipeline import linear_pipeline
from modelserver.model.loaded_model import CheckedAnswer, NonFiniteOutput


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 4)) * [1, 10, 100, 0.1] + [0, 5, -50, 1]
    y = (x[:, 0] + x[:, 1] / 10 > 0.5).astype(int) + (x[:, 2] > -50).astype(int)
    return x, y


def _steps(model):
    steps = [step for _, step in model.steps] if hasattr(model, "steps") else [model]
    return steps[:-1], steps[-1]


@pytest.mark.parametrize(
    "scalers",
    [
        [StandardScaler()],
        [StandardScaler(with_mean=False)],
        [StandardScaler(with_std=False)],
        [StandardScaler(with_mean=False, with_std=False)],
        [StandardScaler(), StandardScaler()],
        [],
    ],
    ids=["standard", "no-mean", "no-std", "neither", "two", "bare"],
)
def test_same_floats_as_scikit_learn(scalers, data):
    x, y = data
    model = make_pipeline(*scalers, LogisticRegression(max_iter=2000)).fit(x, y)
    assert linear_pipeline(*_steps(model)) is not None
    rows = np.vstack([x, np.random.default_rng(9).normal(size=(3000, 4)) * [3, 30, 300, 0.3]])
    predictions, probabilities = SklearnCalls(model)(rows, True)
    np.testing.assert_array_equal(probabilities, model.predict_proba(rows))
    np.testing.assert_array_equal(predictions, model.predict(rows))


def test_string_labels_and_one_row(data):
    x, y = data
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, np.array(["a", "b", "c"])[y])
    answer = SklearnCalls(model)(x[:1], True)
    assert isinstance(answer, CheckedAnswer)  # a few rows are answered as checked Python values
    assert answer.predictions == model.predict(x[:1]).tolist()
    assert answer.probabilities == model.predict_proba(x[:1]).tolist()


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, multi_class="ovr")),
        lambda: make_pipeline(StandardScaler(), LogisticRegression(solver="liblinear")),
        lambda: make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=2000)),
    ],
    ids=["one-vs-rest", "liblinear", "other-scaler"],
)
def test_not_used_where_scikit_learn_computes_otherwise(make, data):
    x, y = data
    assert linear_pipeline(*_steps(make().fit(x, y))) is None


def test_not_used_for_two_classes(data):
    x, y = data
    assert linear_pipeline(*_steps(make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y == 1))) is None


def test_not_used_when_the_probe_disagrees(data):
    x, y = data
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, y)
    final = model.steps[-1][1]
    real = final.predict_proba
    final.predict_proba = lambda m: real(m) + 1e-12  # a scikit-learn that computes differently
    assert linear_pipeline(*_steps(model)) is None


def test_a_scaler_that_overflows_is_a_non_finite_output(data):
    x, y = data
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x * 1e-12, y)  # scales near 1e-12
    with pytest.raises(NonFiniteOutput, match="step 0 \\(StandardScaler\\)"):
        SklearnCalls(model)(np.full((1, 4), 1e300), True)


def test_a_wrong_feature_count_gets_scikit_learns_message(data):
    x, y = data
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, y)
    with pytest.raises(Exception, match="features"):
        SklearnCalls(model)(np.ones((1, 3)), True)


def test_sklearn_calls_take_it_instead_of_the_scalers_transform(data):
    x, y = data
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, y)
    calls = SklearnCalls(model)
    expected = model.predict_proba(x)
    model.steps[0][1].transform = lambda m: pytest.fail("scikit-learn's transform ran")
    np.testing.assert_array_equal(calls(x, True)[1], expected)


@pytest.mark.parametrize("rows", [1, 400], ids=["one-row", "many-rows"])
def test_predictions_alone_take_it_too_with_predicts_answers(rows, data):
    """A candidate's reference model predicts without probabilities; those predictions come from the same path."""
    x, y = data
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, y)
    calls = SklearnCalls(model)
    expected = model.predict(x[:rows])
    model.steps[0][1].transform = lambda m: pytest.fail("scikit-learn's transform ran")
    answer = calls(x[:rows], False)
    predictions = answer.predictions if isinstance(answer, CheckedAnswer) else answer[0]
    np.testing.assert_array_equal(predictions, expected)
    if not isinstance(answer, CheckedAnswer):
        assert answer[1] is None
