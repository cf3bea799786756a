"""A candidate's /metrics shows its shadow listener's socket as the kernel sees it: the copies dropped with a full
receive buffer (modelserver_shadow_dropped_total) and the bytes waiting (modelserver_shadow_queue_bytes). The socket
here is a real one on loopback, filled past a small buffer by real datagrams."""

import socket

import pytest

from helpers import metric_value
from modelserver.observability.udp_socket import UdpSocketStats, parse_table, read_udp_socket
from modelserver.settings import Settings

DROPPED = "modelserver_shadow_dropped_total"
QUEUED = "modelserver_shadow_queue_bytes"
TABLE = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  120: 00000000:1F41 00000000:0000 07 00000000:00000A00 00:00000000 00000000     0        0 91 2 0000000000000000 17
  121: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 92 2 0000000000000000 3
"""


@pytest.fixture
def listener():
    """An unread UDP socket on loopback with the smallest receive buffer, and a sender of datagrams to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)  # the kernel raises it to its minimum
    sock.bind(("127.0.0.1", 0))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(count: int) -> None:
        for _ in range(count):
            sender.sendto(b"x" * 1_000, sock.getsockname())

    yield sock, send
    sender.close()
    sock.close()


def test_a_table_line_gives_the_receive_queue_and_drops_of_its_port():
    assert parse_table(TABLE, 8001) == UdpSocketStats(queued_bytes=0xA00, drops=17)
    assert parse_table(TABLE, 53) == UdpSocketStats(queued_bytes=0, drops=3)
    assert parse_table(TABLE, 8002) is None


def test_the_kernel_counts_what_a_full_buffer_dropped_and_what_waits(listener):
    sock, send = listener
    port = sock.getsockname()[1]
    assert read_udp_socket(port) == UdpSocketStats(0, 0)
    send(1)
    assert read_udp_socket(port).queued_bytes > 0
    send(200)
    stats = read_udp_socket(port)
    assert stats.drops > 0
    sock.setblocking(False)
    read = 0
    while True:
        try:
            sock.recv(65_535)
        except BlockingIOError:
            break
        read += 1
    # Every datagram was either read or dropped; once read, nothing waits.
    assert read + stats.drops == 201
    assert read_udp_socket(port) == UdpSocketStats(0, stats.drops)


def test_no_socket_on_the_port_reads_as_none(listener):
    sock, _ = listener
    port = sock.getsockname()[1]
    sock.close()
    assert read_udp_socket(port) is None


def test_a_candidates_metrics_show_its_listener_sockets_drops_and_queue(make_app, predictor_dir, listener):
    sock, send = listener
    port = sock.getsockname()[1]
    client = make_app(predictor_dir, model_role="candidate", shadow_port=port).test_client()
    text = client.get("/metrics").get_data(as_text=True)
    assert f"{DROPPED} 0.0" in text and f"{QUEUED} 0.0" in text
    send(200)
    text = client.get("/metrics").get_data(as_text=True)
    assert metric_value(text, DROPPED) == read_udp_socket(port).drops > 0
    assert metric_value(text, QUEUED) > 0


def test_stable_replicas_and_a_candidate_without_its_socket_show_neither(make_app, predictor_dir, listener):
    sock, _ = listener
    port = sock.getsockname()[1]
    stable = make_app(predictor_dir).test_client().get("/metrics").get_data(as_text=True)
    assert DROPPED not in stable and QUEUED not in stable
    sock.close()
    candidate = make_app(predictor_dir, model_role="candidate", shadow_port=port).test_client().get("/metrics").get_data(as_text=True)
    assert DROPPED not in candidate


def test_settings_give_the_shadow_port_to_candidates_only():
    assert Settings.from_env({"MODEL_ROLE": "candidate", "SHADOW_PORT": "8123"}).shadow_port == 8123
    assert Settings.from_env({"MODEL_ROLE": "candidate"}).shadow_port == 8001
    assert Settings.from_env({"MODEL_ROLE": "stable", "SHADOW_PORT": "8123"}).shadow_port is None
