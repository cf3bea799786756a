"""Shadow traffic: requests the proxy mirrors to a candidate and whose answers nobody reads.

nginx marks each mirrored request with ``X-Model-Service-Shadow: 1``. The api answers it like any other, but counts
it apart from live traffic (``modelserver_shadow_requests_total``), so a candidate's error rate and latency are
those of live requests only.
"""

from __future__ import annotations

from typing import Mapping

SHADOW_HEADER = "X-Model-Service-Shadow"


def is_shadow(headers: Mapping[str, str]) -> bool:
    """Whether a request carries ``X-Model-Service-Shadow: 1``."""
    return headers.get(SHADOW_HEADER, "").strip() == "1"
