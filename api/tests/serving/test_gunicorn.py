"""The real server: gunicorn with several workers on 127.0.0.1 inside the test container.

Checks what only a multi-process server shows: /metrics counts every worker's requests (also
after workers were recycled by max_requests), chunked bodies are limited, preload works, and a
model that cannot load makes gunicorn exit non-zero with a clear JSON log line.
"""

import hashlib
import hmac
import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import modelserver
from helpers import metric_value
from modelserver.serving.worker import LOG_BUFFER_SECONDS

CONF = Path(modelserver.__file__).resolve().parent.parent / "gunicorn.conf.py"
START_TIMEOUT = 60
ROW = [1.0, 1.0, 1.0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn process started with the image's config; logs go to files under tmp_path."""

    def __init__(self, tmp_path: Path, model_dir: Path, **env):
        self.port = free_port()
        self.stdout_path = tmp_path / "stdout.log"
        self.stderr_path = tmp_path / "stderr.log"
        environment = {
            **os.environ,
            "MODEL_DIR": str(model_dir),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
            **env,
        }
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(CONF)], env=environment, stdout=out, stderr=err
            )

    def request(self, method, path, body=None, headers=None, chunked=False):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            if chunked:
                connection.request(method, path, body=iter([body]), headers=headers or {}, encode_chunked=True)
            else:
                connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def predict(self, rows):
        body = json.dumps({"instances": rows}).encode()
        return self.request("POST", "/predict", body, {"Content-Type": "application/json"})

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.logs()}")
            try:
                if self.request("GET", "/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn not ready after {START_TIMEOUT}s:\n{self.logs()}")

    def metrics(self) -> str:
        status, body = self.request("GET", "/metrics")
        assert status == 200
        return body.decode()

    def logs(self) -> str:
        return self.stdout_path.read_text() + self.stderr_path.read_text()

    def log_lines(self, path: Path):
        return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


@pytest.fixture
def start(tmp_path):
    servers = []

    def starter(model_dir, **env):
        server = Server(tmp_path, model_dir, **env)
        servers.append(server)
        return server

    yield starter
    for server in servers:
        server.stop()


def write_stale_metrics(directory: Path) -> None:
    """Leave a previous run's counter file behind, as a restarted container without tmpfs would."""
    directory.mkdir(parents=True, exist_ok=True)
    code = "from prometheus_client import Counter; Counter('modelserver_predictions', 'Rows predicted.').inc(1000)"
    subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}, check=True
    )
    assert list(directory.glob("counter_*.db"))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_metrics_count_all_workers_across_recycling(start, classifier_dir, tmp_path):
    """150 requests over 3 workers that are recycled every ~10 requests: counters stay exact."""
    metrics_dir = tmp_path / "prometheus"
    write_stale_metrics(metrics_dir)
    server = start(classifier_dir, GUNICORN_WORKERS="3", GUNICORN_MAX_REQUESTS="10", GUNICORN_MAX_REQUESTS_JITTER="2")
    server.wait_ready()
    total, rows_per_request = 150, 2

    def send(_):
        return server.predict([ROW] * rows_per_request)[0]

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(send, range(total), timeout=120))
    bad = [server.predict([[1, 1]])[0] for _ in range(5)]
    assert statuses == [200] * total
    assert bad == [422] * 5

    text = server.metrics()
    requests = "modelserver_http_requests_total"
    assert metric_value(text, requests, method="POST", route="/predict", status="200") == total
    assert metric_value(text, requests, method="POST", route="/predict", status="422") == 5
    assert metric_value(
        text, "modelserver_http_request_duration_seconds_count", method="POST", route="/predict", status="200"
    ) == total
    assert metric_value(text, "modelserver_predictions_total") == total * rows_per_request
    assert metric_value(text, "modelserver_http_requests_in_flight") == 1  # only the /metrics request
    assert metric_value(text, "modelserver_model_load_seconds") > 0

    pids = {
        line["pid"] for line in server.log_lines(server.stdout_path)
        if line.get("event") == "request" and line["route"] == "/predict"
    }
    assert len(pids) >= 6, f"expected recycled workers, saw pids {pids}"

    # child_exit removed the live gauges of every recycled worker: only live processes keep one.
    deadline = time.monotonic() + 10
    while True:
        live_gauge_pids = {int(p.stem.rsplit("_", 1)[1]) for p in metrics_dir.glob("gauge_livesum_*.db")}
        if all(pid_alive(pid) for pid in live_gauge_pids) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert live_gauge_pids and all(pid_alive(pid) for pid in live_gauge_pids), live_gauge_pids
    assert len(live_gauge_pids - {server.process.pid}) <= 3  # the master built the app once, too
    assert server.stop() == 0


def test_chunked_bodies_are_limited_too(start, classifier_dir):
    server = start(classifier_dir, GUNICORN_WORKERS="1", MAX_BODY_BYTES="200")
    server.wait_ready()
    headers = {"Content-Type": "application/json"}
    small = json.dumps({"instances": [ROW]}).encode()
    large = json.dumps({"instances": [ROW] * 50}).encode()
    assert server.request("POST", "/predict", small, headers, chunked=True)[0] == 200
    status, body = server.request("POST", "/predict", large, headers, chunked=True)
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"
    status, body = server.request("POST", "/predict", large, headers)
    assert status == 413
    assert server.request("POST", "/predict", small, headers)[0] == 200


def test_preload_serves_and_publishes_model_gauges_from_workers(start, predictor_dir):
    server = start(predictor_dir, GUNICORN_WORKERS="2", GUNICORN_PRELOAD="1")
    server.wait_ready()
    status, body = server.predict([[1, 2], [8, 9]])
    assert status == 200 and json.loads(body)["predictions"] == ["low", "high"]
    text = server.metrics()
    assert metric_value(text, "modelserver_model_info", name="summer", version="2") == 1
    assert metric_value(text, "modelserver_model_load_seconds") > 0
    loaded = [line for line in server.log_lines(server.stdout_path) if line.get("event") == "model_loaded"]
    assert len(loaded) == 1, "with preload the model loads once, in the master"


def broken_model(tmp_path: Path) -> Path:
    model_dir = tmp_path / "broken"
    model_dir.mkdir()
    (model_dir / "model.joblib").write_bytes(b"not a model")
    return model_dir


def wait_exit(server: Server) -> int:
    try:
        return server.process.wait(timeout=START_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"gunicorn kept running with a broken model:\n{server.logs()}")


@pytest.mark.parametrize("workers", ["1", "4"])
def test_unloadable_model_exits_4_with_one_json_log_line(start, tmp_path, workers):
    server = start(broken_model(tmp_path), GUNICORN_WORKERS=workers)
    assert wait_exit(server) == 4
    failed = [line for line in server.log_lines(server.stdout_path) if line.get("event") == "model_load_failed"]
    assert len(failed) == 1 and "model.joblib" in failed[0]["error"]
    stderr = [json.loads(line) for line in server.stderr_path.read_text().splitlines()]  # all JSON
    assert not any("Booting worker" in line["message"] for line in stderr), "no worker may start"


def test_unloadable_model_with_preload_exits_non_zero_with_a_json_log_line(start, tmp_path):
    server = start(broken_model(tmp_path), GUNICORN_WORKERS="2", GUNICORN_PRELOAD="1")
    assert wait_exit(server) != 0
    failed = [line for line in server.log_lines(server.stdout_path) if line.get("event") == "model_load_failed"]
    assert len(failed) == 1 and "model.joblib" in failed[0]["error"]


def test_gunicorn_log_is_json_and_access_log_is_off(start, classifier_dir):
    server = start(classifier_dir, GUNICORN_WORKERS="1")
    server.wait_ready()
    server.request("GET", "/health")
    assert server.stop() == 0
    stderr = [json.loads(line) for line in server.stderr_path.read_text().splitlines()]
    assert any("Booting worker" in line["message"] for line in stderr)
    assert all(line["logger"].startswith("gunicorn") for line in stderr)
    stdout = server.log_lines(server.stdout_path)
    assert [line["path"] for line in stdout if line.get("event") == "request"] == ["/ready", "/health"]
    assert len(server.stdout_path.read_text().splitlines()) == len(stdout)


def raw_exchange(port: int, head: bytes, body: bytes) -> bytes:
    """Send a whole request, then read the answer up to the end of the connection.

    A reset (instead of an orderly close) fails: the server closed with part of the body unread, and a proxy
    still sending that body gets the reset instead of the answer (nginx then reports a 502).
    """
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


@pytest.mark.parametrize("threads", ["1", "2"])  # gunicorn's sync worker, and gthread
def test_an_early_error_reads_the_unread_body_so_the_answer_arrives(start, classifier_dir, threads):
    # An answer made before the body was read (wrong content type, a missing API key, an unknown path) must not
    # close the connection with the body unread: the kernel then resets it, and nginx reports 502 instead.
    salt, key = "salt-of-this-test", "k" * 32
    digest = hmac.new(salt.encode(), key.encode(), hashlib.sha256).hexdigest()
    server = start(
        classifier_dir, GUNICORN_WORKERS="1", GUNICORN_THREADS=threads, MAX_BODY_BYTES="4000000",
        API_KEY_SALT=salt, API_KEY_DIGESTS=digest,
    )
    server.wait_ready()
    authorization = f"Authorization: Bearer {key}\r\n"
    cases = [
        ("/predict", "text/plain", authorization, b"415"),
        ("/nowhere", "application/json", authorization, b"404"),
        ("/predict", "application/json", "", b"401"),
    ]
    for (path, content_type, auth, status), size in itertools.product(cases, [20_000, 200_000, 2_000_000]):
        body = b"[" * size
        head = (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n{auth}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        for attempt in range(5):
            answer = raw_exchange(server.port, head, body)
            assert answer.startswith(b"HTTP/1.1 " + status), (path, size, attempt, answer[:200])
            assert b'"error"' in answer
    rows = json.dumps({"instances": [ROW]}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    assert server.request("POST", "/predict", rows, headers)[0] == 200


def request_lines(server: Server, **fields):
    """The request log lines written so far whose fields include ``fields``."""
    return [
        line for line in server.log_lines(server.stdout_path)
        if line.get("event") == "request" and all(line.get(key) == value for key, value in fields.items())
    ]


def wait_for(condition, seconds=5.0):
    """Poll ``condition`` until it is true or ``seconds`` passed; its last value."""
    deadline = time.monotonic() + seconds
    while not (held := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return held


@pytest.mark.parametrize("threads", ["1", "16"])  # gunicorn's sync worker, and gthread
def test_every_log_line_is_written_once_in_order_while_gunicorn_runs_once_the_worker_goes_idle(
    start, classifier_dir, threads
):
    server = start(classifier_dir, GUNICORN_WORKERS="1", GUNICORN_THREADS=threads)
    server.wait_ready()
    clients, per_client = 8, 25
    body = json.dumps({"instances": [ROW]}).encode()

    def client(number):  # one connection per request, one after the other: each line's id is logged in this order
        ids = [f"client-{number}-{index:03d}" for index in range(per_client)]
        for request_id in ids:
            headers = {"Content-Type": "application/json", "X-Request-ID": request_id}
            assert server.request("POST", "/predict", body, headers)[0] == 200
        return ids

    with ThreadPoolExecutor(max_workers=clients) as pool:
        sent = list(pool.map(client, range(clients), timeout=120))

    def logged_ids():
        return [line["request_id"] for line in request_lines(server, route="/predict")]

    # The worker is idle now: it writes what it held, while gunicorn still runs.
    wait_for(lambda: len(logged_ids()) >= clients * per_client)
    logged = logged_ids()
    assert sorted(logged) == sorted(request_id for ids in sent for request_id in ids)  # each line exactly once
    for ids in sent:
        assert [request_id for request_id in logged if request_id in set(ids)] == ids  # in each client's order
    server.request("POST", "/predict", body, {"Content-Type": "application/json", "X-Request-ID": "alone"})
    answered = time.monotonic()
    assert wait_for(lambda: request_lines(server, request_id="alone"))
    # Written once the worker is idle, within the age bound (gthread's poller otherwise sleeps up to 1 s); the rest
    # is slack for a loaded machine.
    assert time.monotonic() - answered < LOG_BUFFER_SECONDS + 0.5
    assert server.stop() == 0


# Computes (holding the CPU, as a model does) for as many seconds as the first value of the first row; fails for a
# negative one.
BUSY_PREDICTOR = """
import time

import numpy as np


def load(model_dir):
    return None


def predict(model, rows):
    if rows[0][0] < 0:
        raise ValueError("a negative number of seconds")
    deadline = time.monotonic() + float(rows[0][0])
    while time.monotonic() < deadline:
        pass
    return np.zeros(len(rows), dtype=int)
"""


@pytest.fixture
def busy_dir(tmp_path):
    model_dir = tmp_path / "busy"
    model_dir.mkdir()
    (model_dir / "predictor.py").write_text(BUSY_PREDICTOR)
    (model_dir / "model.json").write_text(json.dumps({"name": "busy", "version": "1", "feature_names": ["seconds"]}))
    return model_dir


def health(server: Server, request_id: str) -> None:
    assert server.request("GET", "/health", headers={"X-Request-ID": request_id})[0] == 200


@pytest.mark.parametrize("threads", ["1", "4"])  # gunicorn's sync worker, and gthread
def test_the_line_of_a_request_answered_during_a_graceful_stop_is_written(start, busy_dir, threads):
    # The worker finishes the request after SIGTERM and exits without going idle again: it must write the line it
    # holds; with threads, also the line of a request answered meanwhile (held while the first is in flight).
    server = start(busy_dir, GUNICORN_WORKERS="1", GUNICORN_THREADS=threads)
    server.wait_ready()
    with ThreadPoolExecutor(max_workers=1) as pool:
        in_flight = pool.submit(server.predict, [[2.0]])
        time.sleep(0.5)  # the request computes
        if threads != "1":
            health(server, "meanwhile")
        assert server.stop() == 0
        assert in_flight.result()[0] == 200
    assert [line["status"] for line in request_lines(server, route="/predict")] == [200]
    assert len(request_lines(server, request_id="meanwhile")) == (threads != "1")


def test_gthread_holds_lines_while_a_request_is_in_flight_writes_them_by_age_and_at_once_for_an_error(
    start, busy_dir
):
    server = start(busy_dir, GUNICORN_WORKERS="1", GUNICORN_THREADS="4", BATCH_MAX_ROWS="1")
    server.wait_ready()
    assert wait_for(lambda: request_lines(server, path="/ready"))  # idle: nothing held from before
    with ThreadPoolExecutor(max_workers=1) as pool:
        in_flight = pool.submit(server.predict, [[5.0]])  # keeps the worker busy throughout
        time.sleep(0.3)
        health(server, "first")
        time.sleep(0.3)
        assert not request_lines(server, request_id="first"), "held: a request is in flight"
        health(server, "second")  # the first line is older than the age bound (0.1 s): both are written now
        assert [line["request_id"] for line in request_lines(server, path="/health")[-2:]] == ["first", "second"]
        health(server, "third")
        assert not request_lines(server, request_id="third")
        assert server.predict([[-1.0]])[0] == 500  # an error line: written at once, after the lines held before it
        lines = server.log_lines(server.stdout_path)
        assert [line.get("request_id") or line.get("event") for line in lines[-2:]] == ["third", "prediction_failed"]
        assert not in_flight.done(), "the busy request must outlast the checks above"
        assert in_flight.result()[0] == 200
    # Idle again: the failed request's line and the busy one's are written while gunicorn runs.
    assert wait_for(lambda: len(request_lines(server, route="/predict")) == 2)
    assert server.stop() == 0


def test_lines_held_when_a_gthread_worker_is_aborted_are_written(start, busy_dir):
    # gunicorn's master aborts a worker that missed its timeout with SIGABRT; sent here directly, while the worker
    # holds a line and two requests are in flight. The held line is written as the worker exits (worker_exit), and
    # from then on each line at once: the shorter request's while the longer one still runs (as a stuck one would).
    server = start(busy_dir, GUNICORN_WORKERS="1", GUNICORN_THREADS="4", BATCH_MAX_ROWS="1")
    server.wait_ready()
    assert wait_for(lambda: request_lines(server, path="/ready"))
    worker = request_lines(server, path="/ready")[0]["pid"]

    def predict_lines():
        return request_lines(server, route="/predict", pid=worker)

    with ThreadPoolExecutor(max_workers=2) as pool:
        longer = pool.submit(server.predict, [[5.0]])
        shorter = pool.submit(server.predict, [[2.0]])
        time.sleep(0.3)
        health(server, "held")
        assert not request_lines(server, request_id="held")
        os.kill(worker, signal.SIGABRT)
        assert wait_for(lambda: request_lines(server, request_id="held"), seconds=2.0), server.logs()
        assert not predict_lines(), "written by the exit, not with the next line"
        assert shorter.result()[0] == 200  # the pool threads still answer as the process exits
        assert wait_for(lambda: len(predict_lines()) == 1, seconds=2.0), server.logs()
        assert not longer.done(), "the shorter request's line is written while the longer one runs"
        assert longer.result()[0] == 200
    assert wait_for(lambda: len(predict_lines()) == 2), server.logs()
    assert len(request_lines(server, request_id="held")) == 1


# How long a shadow listener takes at most to say it is ready once gunicorn is.
SHADOW_LISTENER_START_SECONDS = 3


def udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shadow_datagram(rows, request_id: str) -> bytes:
    """A copy as nginx's shadow access log sends it (components/nginx/config.ts)."""
    headers = {"Content-Type": "application/json", "Authorization": "", "X-Request-ID": request_id, "X-Model-Service-Shadow": "1"}
    record = {"method": "POST", "uri": "/predict", "headers": headers, "body": json.dumps({"instances": rows})}
    return b"<190>Dec  6 07:38:28 model_service_shadow: " + json.dumps(record).encode()


def test_a_candidate_replays_every_copy_it_receives_as_a_shadow_request(start, classifier_dir):
    """On a candidate replica the master starts the shadow listener: each datagram becomes one shadow request (bad
    rows and malformed datagrams included, the listener goes on); gunicorn's exit stops it and frees its port."""
    port = udp_port()
    server = start(classifier_dir, GUNICORN_WORKERS="2", MODEL_ROLE="candidate", SHADOW_PORT=str(port))
    server.wait_ready()
    copies = [shadow_datagram([ROW], f"copy-{index}") for index in range(40)]
    copies[7] = shadow_datagram([[1, 1]], "bad-row")  # answered 422, still a shadow request
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        deadline = time.monotonic() + 20
        shadow = 0.0
        sent = 0
        # The listener starts once gunicorn is ready: send until the first copy is counted, then the rest.
        while shadow == 0 and time.monotonic() < deadline:
            sender.sendto(copies[0], ("127.0.0.1", port))
            sent += 1
            time.sleep(0.3)
            shadow = metric_value(server.metrics(), "modelserver_shadow_requests_total") or 0
        assert shadow > 0, server.logs()
        before = metric_value(server.metrics(), "modelserver_shadow_requests_total")
        sender.sendto(b"not a copy", ("127.0.0.1", port))
        for copy in copies[1:]:
            sender.sendto(copy, ("127.0.0.1", port))
            time.sleep(0.005)
        expected = before + len(copies) - 1
        while time.monotonic() < deadline:
            if metric_value(server.metrics(), "modelserver_shadow_requests_total") >= expected:
                break
            time.sleep(0.2)
    text = server.metrics()
    assert metric_value(text, "modelserver_shadow_requests_total") == expected
    # Shadow requests are not live: no live prediction request was made.
    assert not metric_value(text, "modelserver_model_requests_total", version="1", role="candidate", status="200")
    wanted = {f"copy-{index}" for index in range(1, 40) if index != 7} | {"bad-row"}

    def replayed():  # the workers write their lines once idle (within 0.1 s with threads)
        lines = server.log_lines(server.stdout_path)
        return {line.get("request_id") for line in lines if line.get("event") == "shadow_request"}

    assert wait_for(lambda: wanted <= replayed()), replayed()
    lines = server.log_lines(server.stdout_path)
    assert any(line.get("event") == "shadow_listener_ready" and line["port"] == port for line in lines), server.logs()
    assert server.stop() == 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(("0.0.0.0", port))  # the listener has ended with gunicorn


def test_a_replay_that_outlasts_gunicorns_timeout_starts_the_listener_afresh(start, busy_dir):
    """As gunicorn replaces a worker stuck in a request, the listener stuck in a replay starts afresh (same process,
    so the master still stops it) and replays the copies after it."""
    port = udp_port()
    server = start(busy_dir, GUNICORN_WORKERS="1", GUNICORN_TIMEOUT="1", MODEL_ROLE="candidate", SHADOW_PORT=str(port))
    server.wait_ready()

    def events(name):
        return [line for line in server.log_lines(server.stdout_path) if line.get("event") == name]

    assert wait_for(lambda: events("shadow_listener_ready"), seconds=10), server.logs()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(shadow_datagram([[60.0]], "stuck"), ("127.0.0.1", port))
        assert wait_for(lambda: events("shadow_replay_timeout"), seconds=5), server.logs()
        assert wait_for(lambda: len(events("shadow_listener_ready")) == 2, seconds=10), server.logs()
        deadline = time.monotonic() + 10
        while not any(line.get("request_id") == "after" for line in events("shadow_request")):
            assert time.monotonic() < deadline, server.logs()
            sender.sendto(shadow_datagram([[0.0]], "after"), ("127.0.0.1", port))
            time.sleep(0.3)
    assert not any(line.get("request_id") == "stuck" for line in events("shadow_request"))
    assert server.stop() == 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(("0.0.0.0", port))  # the listener started afresh has ended with gunicorn


def test_a_stable_replica_runs_no_shadow_listener(start, classifier_dir):
    port = udp_port()
    server = start(classifier_dir, GUNICORN_WORKERS="1", SHADOW_PORT=str(port))
    server.wait_ready()
    # A candidate's listener says it is ready within about a second of gunicorn's; give a stable one as long.
    deadline = time.monotonic() + SHADOW_LISTENER_START_SECONDS
    while time.monotonic() < deadline:
        assert not any(line.get("event") == "shadow_listener_ready" for line in server.log_lines(server.stdout_path))
        time.sleep(0.2)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("0.0.0.0", port))  # free: nothing listens on it
