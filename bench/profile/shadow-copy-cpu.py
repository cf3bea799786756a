"""CPU a candidate replica spends per shadow copy at a steady rate: two api trees side by side, alternating.

For each tree (a folder with modelserver/ and gunicorn.conf.py, e.g. api/ of two commits: `git archive REV api`),
start a candidate replica of IMAGE with that code mounted over the image's (MODEL_ROLE=candidate, the model as
its own reference, SHADOW_PORT published on 127.0.0.1 only), send shadow copies as nginx sends them (one UDP
datagram each, bounded in count and time) at RATE a second for SECONDS, and print the container's CPU per copy
(its cgroup's cpuacct.usage, cgroup v1) and each process's share, then the medians per tree.

Usage: python3 bench/profile/shadow-copy-cpu.py IMAGE TREE_A TREE_B [--rate 100] [--seconds 20] [--reps 3]
       [--model DIR --features N]   (another model mounted at /opt/model, rows of N features; default: the image's)
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

API_PORT, SHADOW_PORT = 18000, 18001
NAME = "ms-shadow-copy-cpu"
IRIS_ROW = [5.1, 3.5, 1.4, 0.2]


def datagram(index: int, row: list[float]) -> bytes:
    headers = {"Content-Type": "application/json", "Authorization": "", "X-Request-ID": f"copy-{index}", "X-Model-Service-Shadow": "1"}
    record = {"method": "POST", "uri": "/predict", "headers": headers, "body": json.dumps({"instances": [row]})}
    return b"<190>Dec  7 02:00:00 model_service_shadow: " + json.dumps(record).encode()


def container_cpu_ns(container: str) -> int:
    return int(Path(f"/sys/fs/cgroup/cpuacct/docker/{container}/cpuacct.usage").read_text())


def process_ticks(container: str) -> dict[str, tuple[int, str]]:
    """utime + stime (clock ticks) and command line of each process of the container."""
    top = subprocess.run(["docker", "top", container, "-o", "pid"], check=True, capture_output=True, text=True).stdout
    ticks = {}
    for pid in top.split()[1:]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[:64]
        except OSError:
            continue
        ticks[pid] = (int(fields[11]) + int(fields[12]), command)
    return ticks


def wait_ready(seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{API_PORT}/ready", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the candidate did not get ready")


def shadow_count() -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{API_PORT}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("modelserver_shadow_requests_total{"))


def measure(image: str, tree: Path, args: argparse.Namespace) -> float:
    subprocess.run(["docker", "rm", "-f", NAME], capture_output=True)
    command = [
        "docker", "run", "-d", "--name", NAME, "--read-only", "--tmpfs", "/tmp",
        "-e", "MODEL_ROLE=candidate", "-e", "REFERENCE_MODEL_DIR=/opt/model", "-e", "SHADOW_PORT=8001",
        "-p", f"127.0.0.1:{API_PORT}:8000", "-p", f"127.0.0.1:{SHADOW_PORT}:8001/udp",
        "-v", f"{tree.resolve()}/modelserver:/app/modelserver:ro",
        "-v", f"{tree.resolve()}/gunicorn.conf.py:/app/gunicorn.conf.py:ro",
    ]
    if args.model:
        command += ["-v", f"{Path(args.model).resolve()}:/opt/model:ro"]
    container = subprocess.run([*command, image], check=True, capture_output=True, text=True).stdout.strip()
    try:
        wait_ready()
        row = [0.5] * args.features if args.features else IRIS_ROW
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            target = ("127.0.0.1", SHADOW_PORT)
            deadline = time.monotonic() + 30
            while shadow_count() == 0:  # the listener starts after gunicorn is ready
                if time.monotonic() > deadline:
                    raise SystemExit("the shadow listener counted no copy")
                sender.sendto(datagram(0, row), target)
                time.sleep(0.2)
            for index in range(50):  # warm-up
                sender.sendto(datagram(index, row), target)
                time.sleep(0.01)
            time.sleep(1)
            counted_before = shadow_count()
            cpu_before, ticks_before, started = container_cpu_ns(container), process_ticks(container), time.monotonic()
            copies = int(args.rate * args.seconds)
            for index in range(copies):
                pause = started + index / args.rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                sender.sendto(datagram(index, row), target)
        time.sleep(1)
        counted = shadow_count() - counted_before
        cpu_ms = (container_cpu_ns(container) - cpu_before) / copies / 1e6
        print(f"{tree}: {cpu_ms:.3f} ms of CPU per copy ({copies} sent, {counted:.0f} counted)")
        for pid, (ticks, process) in process_ticks(container).items():
            if pid in ticks_before:
                print(f"    {process:64s} {(ticks - ticks_before[pid][0]) * 10 / copies:.3f} ms")
        return cpu_ms
    finally:
        subprocess.run(["docker", "rm", "-f", NAME], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image")
    parser.add_argument("trees", nargs=2, type=Path)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--model")
    parser.add_argument("--features", type=int, default=0)
    args = parser.parse_args()
    figures: dict[Path, list[float]] = {tree: [] for tree in args.trees}
    for _ in range(args.reps):
        for tree in args.trees:
            figures[tree].append(measure(args.image, tree, args))
    for tree, values in figures.items():
        print(f"median {tree}: {statistics.median(values):.3f} ms per copy ({', '.join(f'{v:.3f}' for v in values)})")


if __name__ == "__main__":
    main()
