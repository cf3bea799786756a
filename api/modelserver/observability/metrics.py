"""Prometheus metrics, correct across gunicorn workers.

With ``PROMETHEUS_MULTIPROC_DIR`` set (the image sets it; gunicorn.conf.py wipes the directory at
start and marks dead workers), prometheus_client writes every worker's values to files in that
directory and ``render`` aggregates all of them, so any worker answers for the whole replica.
Without it (tests, a single process) the app's own registry is rendered.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import values as prometheus_values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from ..model.loaded_model import ModelInfo
from .process_id import current_pid
from .udp_socket import read_udp_socket

BATCH_ROWS_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 100000)
BATCH_REQUESTS_BUCKETS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
QUEUE_WAIT_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# The per-version latency: the http buckets plus finer ones from 1 ms to 100 ms, where a small model's requests
# fall. The canary gate interpolates p99 inside a bucket; with the http buckets alone a p99 of 2 ms and one of
# 6 ms can each be off by a factor close to 2, too coarse to tell a 3x slower candidate from a stable one.
MODEL_LATENCY_BUCKETS = tuple(sorted(set(LATENCY_BUCKETS) | {
    0.0015, 0.002, 0.003, 0.004, 0.006, 0.008, 0.0125, 0.015, 0.02, 0.03, 0.04, 0.06, 0.08,
}))
# Outcome label of a prediction request, by HTTP status.
OUTCOME_OK, OUTCOME_CLIENT_ERROR, OUTCOME_SERVER_ERROR = "ok", "client_error", "server_error"

if prometheus_values.ValueClass is not prometheus_values.MutexValue:  # PROMETHEUS_MULTIPROC_DIR is set
    prometheus_values.ValueClass = prometheus_values.MultiProcessValue(process_identifier=current_pid)


class Metrics:
    """The server's metrics: requests, latency, in-flight requests, predictions, batches, the model."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, multiprocess_dir: Optional[str] = None, shadow_port: Optional[int] = None):
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        # A candidate replica's shadow listener socket, read by the kernel's figures at each render.
        self._shadow_socket = ShadowSocketCollector(shadow_port) if shadow_port is not None else None
        if self._shadow_socket is not None:
            self.registry.register(self._shadow_socket)
        labels = ("method", "route", "status")
        self.requests = Counter(
            "modelserver_http_requests_total", "HTTP requests answered, by route template and status.",
            labels, registry=self.registry,
        )
        self.latency = Histogram(
            "modelserver_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and status.",
            labels, buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.in_flight = Gauge(
            "modelserver_http_requests_in_flight", "HTTP requests being answered right now (all live workers).",
            registry=self.registry, multiprocess_mode="livesum",
        )
        self.predictions = Counter(
            "modelserver_predictions_total", "Rows predicted.", registry=self.registry,
        )
        self.batch_rows = Histogram(
            "modelserver_batch_rows", "Rows per model call (adaptive batching: the rows of every request it answered).",
            buckets=BATCH_ROWS_BUCKETS, registry=self.registry,
        )
        self.batch_requests = Histogram(
            "modelserver_batch_requests", "Requests answered per model call (adaptive batching).",
            buckets=BATCH_REQUESTS_BUCKETS, registry=self.registry,
        )
        self.batch_queue_wait = Histogram(
            "modelserver_batch_queue_wait_seconds",
            "Time a request waited for its model call to start (adaptive batching).",
            buckets=QUEUE_WAIT_BUCKETS, registry=self.registry,
        )
        self.model_load_seconds = Gauge(
            "modelserver_model_load_seconds", "Seconds the model took to load and warm up (slowest worker).",
            registry=self.registry, multiprocess_mode="max",
        )
        self.model_info = Gauge(
            "modelserver_model_info", "The served model (always 1).", ("name", "version", "digest"),
            registry=self.registry, multiprocess_mode="max",
        )
        model_labels = ("version", "role")
        self.model_requests = Counter(
            "modelserver_model_requests_total",
            "Live prediction requests (/predict and V2 infer; shadow requests are not counted), by model version, "
            "role (stable or candidate) and outcome (ok, client_error for 4xx, server_error for 5xx).",
            (*model_labels, "outcome"), registry=self.registry,
        )
        self.model_latency = Histogram(
            "modelserver_model_request_duration_seconds",
            "Time to answer a live prediction request (shadow requests are not counted), by model version and role.",
            model_labels, buckets=MODEL_LATENCY_BUCKETS, registry=self.registry,
        )
        self.shadow_requests = Counter(
            "modelserver_shadow_requests_total",
            "Shadow prediction requests (X-Model-Service-Shadow: 1, mirrored by the proxy; their answers are discarded).",
            ("version",), registry=self.registry,
        )
        self.shadow_agreements = Counter(
            "modelserver_shadow_agreements_total",
            "Shadow prediction requests whose every prediction equals the reference (stable) model's; "
            "divided by modelserver_shadow_requests_total: the prediction agreement with stable.",
            ("version",), registry=self.registry,
        )
        self._model: Optional[tuple[ModelInfo, float]] = None
        self._model_children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        # (method, route, status) -> the labelled counter and histogram children. Looking the children up
        # with labels() on every request cost 50 us a request under gunicorn, the cached ones 8 us (bench/README.md).
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._published_in_pid: Optional[int] = None

    def record_model(self, info: ModelInfo, load_seconds: float) -> None:
        """Remember the loaded model and publish its gauges in this process."""
        self._model = (info, load_seconds)
        self._published_in_pid = None
        self.publish_model()

    def publish_model(self) -> None:
        """(Re)publish the model gauges once per process.

        With gunicorn's preload the model is loaded in the master, before gunicorn wipes the
        metrics directory and forks; each worker publishes the gauges again on its first request.
        """
        pid = current_pid()
        if self._model is None or self._published_in_pid == pid:
            return
        info, load_seconds = self._model
        self.model_load_seconds.set(load_seconds)
        self.model_info.labels(info.name, info.version, info.digest).set(1)
        self._published_in_pid = pid

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:
            status_text = str(status)
            children = (self.requests.labels(method, route, status_text), self.latency.labels(method, route, status_text))
            self._request_children[key] = children
        requests, latency = children
        requests.inc()
        latency.observe(seconds)

    def observe_model_request(self, version: str, role: str, status: int, seconds: float) -> None:
        """One live prediction request of the model ``version`` serving as ``role``, answered with ``status``."""
        key = (version, role, outcome_of(status))
        children = self._model_children.get(key)
        if children is None:
            children = (self.model_requests.labels(*key), self.model_latency.labels(version, role))
            self._model_children[key] = children
        requests, latency = children
        requests.inc()
        latency.observe(seconds)

    def observe_shadow_request(self, version: str, agreed: bool) -> None:
        """One shadow prediction request; ``agreed``: every prediction equalled the reference model's."""
        self.shadow_requests.labels(version).inc()
        if agreed:
            self.shadow_agreements.labels(version).inc()

    def observe_batch(self, rows: int, requests: int, waits: Sequence[float]) -> None:
        """One model call of the batcher: its rows, its requests and how long each request waited for it."""
        self.batch_rows.observe(rows)
        self.batch_requests.observe(requests)
        for wait in waits:
            self.batch_queue_wait.observe(wait)

    def render(self) -> bytes:
        """The Prometheus text exposition of all workers (multiprocess) or of this app."""
        if self.multiprocess_dir:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=self.multiprocess_dir)
            if self._shadow_socket is not None:
                registry.register(self._shadow_socket)
            return generate_latest(registry)
        return generate_latest(self.registry)


class ShadowSocketCollector:
    """The kernel's figures of the shadow listener's UDP socket (observability/udp_socket.py): the copies it dropped
    with a full receive buffer, and the bytes waiting to be read. Nothing while no socket is bound to the port."""

    def __init__(self, port: int) -> None:
        self.port = port

    def collect(self) -> Iterator[Any]:
        stats = read_udp_socket(self.port)
        if stats is None:
            return
        yield CounterMetricFamily(
            "modelserver_shadow_dropped",
            "Copies of mirrored requests the kernel dropped before the shadow listener read them (its receive buffer "
            "was full: the candidate fell behind); with modelserver_shadow_requests_total, every mirrored request.",
            value=stats.drops,
        )
        yield GaugeMetricFamily(
            "modelserver_shadow_queue_bytes",
            "Kernel memory held by copies of mirrored requests waiting for the shadow listener (0: it keeps up).",
            value=stats.queued_bytes,
        )


def outcome_of(status: int) -> str:
    """The outcome label of an HTTP status: ok below 400, client_error for 4xx, server_error for 5xx."""
    if status >= 500:
        return OUTCOME_SERVER_ERROR
    return OUTCOME_CLIENT_ERROR if status >= 400 else OUTCOME_OK
