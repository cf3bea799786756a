"""The settings module against the environment contract (environment.json): every variable the server reads is
in the contract and every contract variable is read; defaults, minimums and maximums behave as it says."""

import re
from pathlib import Path

import pytest

import modelserver
from modelserver import settings
from modelserver.settings import (
    CONTRACT_PATH,
    MAX_DEFAULT_WORKERS,
    Environment,
    GunicornSettings,
    Settings,
    SettingsError,
    load_contract,
    names_read,
)

CONTRACT = load_contract()
APP_DIR = Path(modelserver.__file__).resolve().parent.parent
INTEGERS = sorted(name for name, variable in CONTRACT.items() if variable["type"] == "integer")


def read_everything(env: dict) -> tuple:
    """Both settings the server reads at start, from one environment."""
    return Settings.from_env(env), GunicornSettings.from_env(env, cpus=2)


def test_the_contract_sits_next_to_the_app():
    assert CONTRACT_PATH == APP_DIR / "environment.json" and CONTRACT_PATH.is_file()


def test_every_variable_read_is_in_the_contract_and_every_contract_variable_is_read():
    assert names_read() == set(CONTRACT)


def test_a_name_outside_the_contract_cannot_be_read():
    with pytest.raises(KeyError, match="NOT_IN_THE_CONTRACT"):
        Environment({}).text("NOT_IN_THE_CONTRACT")


def test_only_the_settings_module_reads_the_environment():
    sources = [path for path in (APP_DIR / "modelserver").rglob("*.py") if path.name != "settings.py"]
    assert sources, APP_DIR
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"os\.environ|getenv", text), f"{path} reads the environment itself"


def test_defaults_are_the_contract_defaults():
    app, gunicorn = read_everything({})
    assert app == Settings()
    assert (app.model_dir, app.max_body_bytes, app.max_batch_size) == (
        CONTRACT["MODEL_DIR"]["default"], CONTRACT["MAX_BODY_BYTES"]["default"], CONTRACT["MAX_BATCH_SIZE"]["default"]
    )
    assert (app.model_name, app.model_version, app.api_keys) == (None, None, None)
    assert (app.batch_max_rows, app.batch_max_wait_microseconds) == (
        CONTRACT["BATCH_MAX_ROWS"]["default"], CONTRACT["BATCH_MAX_WAIT_MICROSECONDS"]["default"]
    )
    assert gunicorn == GunicornSettings(
        bind=f"0.0.0.0:{CONTRACT['PORT']['default']}",
        workers=2,
        threads=CONTRACT["GUNICORN_THREADS"]["default"],
        timeout=CONTRACT["GUNICORN_TIMEOUT"]["default"],
        graceful_timeout=CONTRACT["GUNICORN_GRACEFUL_TIMEOUT"]["default"],
        keepalive=CONTRACT["GUNICORN_KEEPALIVE"]["default"],
        max_requests=CONTRACT["GUNICORN_MAX_REQUESTS"]["default"],
        max_requests_jitter=CONTRACT["GUNICORN_MAX_REQUESTS_JITTER"]["default"],
        preload=CONTRACT["GUNICORN_PRELOAD"]["default"],
        metrics_dir=CONTRACT["PROMETHEUS_MULTIPROC_DIR"]["default"],
    )


def test_two_threads_per_worker_by_default():
    assert GunicornSettings.from_env({}, cpus=4).threads == 2


def test_blank_means_the_default():
    blank = {name: "  " for name in CONTRACT}
    assert read_everything(blank) == read_everything({})


def test_workers_default_to_one_per_cpu_at_most_8():
    assert CONTRACT["GUNICORN_WORKERS"]["default"] is None  # derived by the server
    assert GunicornSettings.from_env({}, cpus=1).workers == 1
    assert GunicornSettings.from_env({}, cpus=4).workers == 4
    assert GunicornSettings.from_env({}, cpus=64).workers == MAX_DEFAULT_WORKERS == 8


@pytest.mark.parametrize("name", [name for name in INTEGERS if "minimum" in CONTRACT[name]])
def test_below_the_minimum_is_an_error_naming_the_variable(name):
    minimum = CONTRACT[name]["minimum"]
    read_everything({name: str(minimum)})
    with pytest.raises(SettingsError, match=rf"^{name} must be an integer"):
        read_everything({name: str(minimum - 1)})


@pytest.mark.parametrize("name", [name for name in INTEGERS if "maximum" in CONTRACT[name]])
def test_above_the_maximum_is_an_error_naming_the_variable(name):
    maximum = CONTRACT[name]["maximum"]
    read_everything({name: str(maximum)})
    with pytest.raises(SettingsError, match=rf"^{name} must be an integer"):
        read_everything({name: str(maximum + 1)})


def test_every_integer_has_a_minimum():
    assert INTEGERS and all("minimum" in CONTRACT[name] for name in INTEGERS)


def test_the_healthcheck_port_default_is_the_contract_default():
    healthcheck = (APP_DIR / "healthcheck").read_text(encoding="utf-8")
    defaults = re.findall(r"\$\{PORT:-(\d+)\}", healthcheck)
    assert defaults == [str(CONTRACT["PORT"]["default"])]


def test_app_settings_from_the_environment():
    app = Settings.from_env(
        {
            "MODEL_DIR": "/models/x",
            "MODEL_NAME": "n",
            "MODEL_VERSION": "v",
            "MAX_BODY_BYTES": "2048",
            "MAX_BATCH_SIZE": "7",
            "PROMETHEUS_MULTIPROC_DIR": "/tmp/m",
        }
    )
    assert app == Settings("/models/x", "n", "v", 2048, 7, "/tmp/m")
    batching = Settings.from_env({"BATCH_MAX_ROWS": "1", "BATCH_MAX_WAIT_MICROSECONDS": "0"})
    assert (batching.batch_max_rows, batching.batch_max_wait_microseconds) == (1, 0)
    assert Settings.from_env({"MODEL_NAME": "  "}).model_name is None


def test_the_app_counts_metrics_across_processes_only_when_the_directory_is_set():
    # prometheus_client itself switches to multiprocess mode when the variable is set; the app must agree.
    assert Settings.from_env({}).metrics_multiprocess_dir is None
    assert GunicornSettings.from_env({}, cpus=1).metrics_dir == CONTRACT[settings.METRICS_DIR_VARIABLE]["default"]


@pytest.mark.parametrize("env", [{"MAX_BODY_BYTES": "1MB"}, {"MAX_BATCH_SIZE": "0"}, {"MAX_BATCH_SIZE": "-5"}])
def test_app_settings_reject_bad_values(env):
    name = next(iter(env))
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env)


def test_app_settings_built_in_code_are_checked_too():
    with pytest.raises(SettingsError, match="MAX_BATCH_SIZE"):
        Settings(max_batch_size=0)


def test_gunicorn_settings_from_the_environment():
    env = {
        "PORT": "9000", "GUNICORN_WORKERS": "3", "GUNICORN_THREADS": "5", "GUNICORN_TIMEOUT": "11",
        "GUNICORN_GRACEFUL_TIMEOUT": "12", "GUNICORN_KEEPALIVE": "13", "GUNICORN_MAX_REQUESTS": "1000",
        "GUNICORN_MAX_REQUESTS_JITTER": "50", "GUNICORN_PRELOAD": "true", "PROMETHEUS_MULTIPROC_DIR": "/tmp/p",
    }
    gunicorn = GunicornSettings.from_env(env, cpus=2)
    assert gunicorn == GunicornSettings("0.0.0.0:9000", 3, 5, 11, 12, 13, 1000, 50, True, "/tmp/p")
    assert GunicornSettings.from_env({"GUNICORN_BIND": "127.0.0.1:1234", "PORT": "1"}, 2).bind == "127.0.0.1:1234"


@pytest.mark.parametrize(
    "env",
    [
        {"GUNICORN_WORKERS": "0"}, {"GUNICORN_WORKERS": "many"}, {"GUNICORN_THREADS": "1.5"},
        {"GUNICORN_TIMEOUT": "-1"}, {"GUNICORN_PRELOAD": "maybe"}, {"PORT": "70000"}, {"PORT": "http"},
    ],
)
def test_bad_gunicorn_values_name_the_variable(env):
    with pytest.raises(SettingsError, match=next(iter(env))):
        GunicornSettings.from_env(env, cpus=2)


@pytest.mark.parametrize("raw, expected", [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False)])
def test_preload_spellings(raw, expected):
    assert GunicornSettings.from_env({"GUNICORN_PRELOAD": raw}, 2).preload is expected


def test_the_model_role_is_one_of_the_contract_values():
    assert CONTRACT["MODEL_ROLE"]["values"] == ["stable", "candidate"]
    assert Settings.from_env({}).model_role == CONTRACT["MODEL_ROLE"]["default"] == "stable"
    assert Settings.from_env({"MODEL_ROLE": " candidate "}).model_role == "candidate"
    with pytest.raises(SettingsError, match=r"^MODEL_ROLE must be one of stable, candidate, got 'canary'"):
        Settings.from_env({"MODEL_ROLE": "canary"})
    with pytest.raises(SettingsError, match="MODEL_ROLE"):
        Settings(model_role="Stable")
