"""How many CPUs this process may use, which sizes gunicorn's default worker count."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Callable, Optional


def available_cpus(
    cgroup_root: str = "/sys/fs/cgroup",
    affinity: Optional[Callable[[], set[int]]] = None,
) -> int:
    """CPUs this process may use: the smaller of its CPU affinity and its cgroup CPU quota."""
    get_affinity = affinity or getattr(os, "sched_getaffinity", None)
    cpus = len(get_affinity(0)) if get_affinity else (os.cpu_count() or 1)
    quota = cgroup_cpu_quota(Path(cgroup_root))
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


def cgroup_cpu_quota(root: Path) -> Optional[float]:
    """The CPU quota in CPUs (cgroup v2 ``cpu.max`` or v1 ``cpu.cfs_quota_us``), None when unlimited."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]  # cgroup v2: "<quota|max> <period>"
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())  # cgroup v1
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return None if quota_us <= 0 or period_us <= 0 else quota_us / period_us
    except (OSError, ValueError):
        return None
