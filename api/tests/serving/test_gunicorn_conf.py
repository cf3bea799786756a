"""What gunicorn runs the app with: CPU sizing, the metrics directory, the log config, gunicorn.conf.py, the
start-up check."""

import importlib.util
import json
import logging
import logging.config
from pathlib import Path
from types import SimpleNamespace

import pytest

import modelserver
from modelserver.serving import startup
from modelserver.serving.cpus import available_cpus
from modelserver.serving.logger import log_config

CONF = Path(modelserver.__file__).resolve().parent.parent / "gunicorn.conf.py"


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
    startup.reset_metrics_dir(str(target))
    assert target.is_dir() and list(target.iterdir()) == []
    startup.reset_metrics_dir(str(tmp_path / "new"))
    assert (tmp_path / "new").is_dir()


def test_gunicorn_error_log_is_json_on_stderr(capsys):
    logging.config.dictConfig(log_config())
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
    assert (conf.workers, conf.threads, conf.worker_class) == (3, 4, "modelserver.serving.worker.BatchedLogThreadWorker")
    assert (conf.max_requests, conf.max_requests_jitter, conf.preload_app) == (100, 10, True)
    assert conf.bind == ["0.0.0.0:8123"]
    assert conf.wsgi_app == "modelserver.http.app:create_app()"
    assert conf.accesslog is None
    assert (tmp_path / "prom").is_dir()
    (tmp_path / "prom" / "counter_1.db").write_bytes(b"stale")
    conf.on_starting(server=SimpleNamespace(cfg=SimpleNamespace(preload_app=True)))
    assert list((tmp_path / "prom").iterdir()) == []


def test_one_thread_runs_the_sync_worker_with_batched_log_lines(monkeypatch, tmp_path):
    monkeypatch.setenv("GUNICORN_THREADS", "1")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prom"))
    spec = importlib.util.spec_from_file_location("gunicorn_conf_one_thread", CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert (conf.threads, conf.worker_class) == (1, "modelserver.serving.worker.BatchedLogSyncWorker")


def test_the_default_thread_count_runs_gthread_with_batched_log_lines(monkeypatch, tmp_path):
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prom"))
    spec = importlib.util.spec_from_file_location("gunicorn_conf_default_threads", CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert (conf.threads, conf.worker_class) == (2, "modelserver.serving.worker.BatchedLogThreadWorker")


def test_check_app_loads_passes_for_a_good_model(monkeypatch, classifier_dir):
    monkeypatch.setenv("MODEL_DIR", str(classifier_dir))
    assert startup.check_app_loads() is None


def test_check_app_loads_exits_4_after_one_json_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MODEL_DIR", str(tmp_path / "missing"))
    with pytest.raises(SystemExit) as exited:
        startup.check_app_loads()
    assert exited.value.code == startup.EXIT_APP_UNUSABLE == 4
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["event"] for line in lines] == ["model_load_failed"]


def test_check_app_loads_exits_4_on_a_bad_setting(monkeypatch, classifier_dir, capsys):
    monkeypatch.setenv("MODEL_DIR", str(classifier_dir))
    monkeypatch.setenv("MAX_BATCH_SIZE", "lots")
    with pytest.raises(SystemExit) as exited:
        startup.check_app_loads()
    assert exited.value.code == 4
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["event"] == "config_invalid" and "MAX_BATCH_SIZE" in lines[-1]["error"]
