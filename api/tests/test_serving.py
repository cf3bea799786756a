"""gunicorn settings: environment parsing, CPU sizing, the metrics directory, the log config."""

import importlib.util
import json
import logging
import logging.config
from pathlib import Path
from types import SimpleNamespace

import pytest

import modelserver
from modelserver import serving
from modelserver.serving import ServingConfigError, ServingSettings, available_cpus

CONF = Path(modelserver.__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_defaults_follow_the_cpu_count():
    settings = ServingSettings.from_env({}, cpus=4)
    assert settings == ServingSettings(
        bind="0.0.0.0:8000", workers=4, threads=1, timeout=30, graceful_timeout=30, keepalive=75,
        max_requests=0, max_requests_jitter=0, preload=False,
    )
    assert ServingSettings.from_env({}, cpus=1).workers == 1
    assert ServingSettings.from_env({}, cpus=64).workers == serving.MAX_DEFAULT_WORKERS


def test_every_setting_comes_from_the_environment():
    env = {
        "PORT": "9000", "GUNICORN_WORKERS": "3", "GUNICORN_THREADS": "5", "GUNICORN_TIMEOUT": "11",
        "GUNICORN_GRACEFUL_TIMEOUT": "12", "GUNICORN_KEEPALIVE": "13", "GUNICORN_MAX_REQUESTS": "1000",
        "GUNICORN_MAX_REQUESTS_JITTER": "50", "GUNICORN_PRELOAD": "true",
    }
    settings = ServingSettings.from_env(env, cpus=2)
    assert settings == ServingSettings("0.0.0.0:9000", 3, 5, 11, 12, 13, 1000, 50, True)
    assert ServingSettings.from_env({"GUNICORN_BIND": "127.0.0.1:1234", "PORT": "1"}, 2).bind == "127.0.0.1:1234"


@pytest.mark.parametrize(
    "env",
    [
        {"GUNICORN_WORKERS": "0"}, {"GUNICORN_WORKERS": "many"}, {"GUNICORN_THREADS": "1.5"},
        {"GUNICORN_TIMEOUT": "-1"}, {"GUNICORN_PRELOAD": "maybe"}, {"PORT": "70000"}, {"PORT": "http"},
    ],
)
def test_bad_values_name_the_variable(env):
    with pytest.raises(ServingConfigError, match=next(iter(env))):
        ServingSettings.from_env(env, cpus=2)


@pytest.mark.parametrize("raw, expected", [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False)])
def test_preload_spellings(raw, expected):
    assert ServingSettings.from_env({"GUNICORN_PRELOAD": raw}, 2).preload is expected


def fake_cgroup(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return str(tmp_path)


@pytest.mark.parametrize(
    "files, expected",
    [
        ({}, 8),
        ({"cpu.max": "max 100000\n"}, 8),
        ({"cpu.max": "150000 100000\n"}, 2),
        ({"cpu.max": "50000 100000\n"}, 1),
        ({"cpu.max": "400000 100000\n"}, 4),
        ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, 8),
    ],
)
def test_cpu_count_honours_cgroup_quota(tmp_path, files, expected):
    assert available_cpus(fake_cgroup(tmp_path, files), affinity=lambda _pid: set(range(8))) == expected


def test_cpu_count_honours_affinity(tmp_path):
    root = fake_cgroup(tmp_path, {"cpu.max": "800000 100000\n"})
    assert available_cpus(root, affinity=lambda _pid: {0, 1}) == 2


def test_reset_metrics_dir_empties_it(tmp_path):
    target = tmp_path / "metrics"
    (target / "nested").mkdir(parents=True)
    (target / "counter_123.db").write_bytes(b"old")
    (target / "nested" / "x").write_text("x")
    serving.reset_metrics_dir(str(target))
    assert target.is_dir() and list(target.iterdir()) == []
    serving.reset_metrics_dir(str(tmp_path / "new"))
    assert (tmp_path / "new").is_dir()


def test_gunicorn_error_log_is_json_on_stderr(capsys):
    logging.config.dictConfig(serving.log_config())
    try:
        logging.getLogger("gunicorn.error").info("Booting worker with pid: %s", 42)
        logging.getLogger("gunicorn.access").info("should not appear")
    finally:
        logging.getLogger("gunicorn.error").handlers.clear()
        logging.getLogger().handlers.clear()
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and captured.out == ""
    assert json.loads(lines[0])["message"] == "Booting worker with pid: 42"


def test_gunicorn_conf_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "100")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS_JITTER", "10")
    monkeypatch.setenv("GUNICORN_PRELOAD", "1")
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prom"))
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert (conf.workers, conf.threads, conf.worker_class) == (3, 4, "gthread")
    assert (conf.max_requests, conf.max_requests_jitter, conf.preload_app) == (100, 10, True)
    assert conf.bind == ["0.0.0.0:8123"]
    assert conf.wsgi_app == "modelserver.app:create_app()"
    assert conf.accesslog is None
    assert (tmp_path / "prom").is_dir()
    (tmp_path / "prom" / "counter_1.db").write_bytes(b"stale")
    conf.on_starting(server=SimpleNamespace(cfg=SimpleNamespace(preload_app=True)))
    assert list((tmp_path / "prom").iterdir()) == []


def test_one_thread_runs_the_sync_worker_with_batched_log_lines(monkeypatch, tmp_path):
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prom"))
    spec = importlib.util.spec_from_file_location("gunicorn_conf_default_threads", CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert (conf.threads, conf.worker_class) == (1, "modelserver.gunicorn_worker.BatchedLogSyncWorker")


def test_check_app_loads_passes_for_a_good_model(monkeypatch, classifier_dir):
    monkeypatch.setenv("MODEL_DIR", str(classifier_dir))
    assert serving.check_app_loads() is None


def test_check_app_loads_exits_4_after_one_json_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MODEL_DIR", str(tmp_path / "missing"))
    with pytest.raises(SystemExit) as exited:
        serving.check_app_loads()
    assert exited.value.code == serving.EXIT_APP_UNUSABLE == 4
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["event"] for line in lines] == ["model_load_failed"]


def test_check_app_loads_exits_4_on_a_bad_setting(monkeypatch, classifier_dir, capsys):
    monkeypatch.setenv("MODEL_DIR", str(classifier_dir))
    monkeypatch.setenv("MAX_BATCH_SIZE", "lots")
    with pytest.raises(SystemExit) as exited:
        serving.check_app_loads()
    assert exited.value.code == 4
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["event"] == "config_invalid" and "MAX_BATCH_SIZE" in lines[-1]["error"]
