"""Optional API keys, checked before any other work is done for a request.

The server never sees the keys themselves: it gets a per-service salt and the comma-separated hex
HMAC-SHA256(salt, key) of every accepted key (``API_KEY_SALT`` and ``API_KEY_DIGESTS``, read by
:mod:`modelserver.settings`). A request presents its key as ``Authorization: Bearer <key>`` or
``X-API-Key: <key>``; the HMAC of what it presents is compared with every digest in constant time. Health endpoints stay open so probes need no key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Mapping, Optional

from flask import Flask, Response, request

from .errors import error_response

OPEN_PATHS = frozenset({"/health", "/ready", "/v2/health/live", "/v2/health/ready"})
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_MAX_KEY_LENGTH = 1024


@dataclass(frozen=True)
class ApiKeys:
    """The accepted keys, as digests under ``salt``."""

    salt: bytes
    digests: tuple[bytes, ...]

    @classmethod
    def parse(cls, salt: str, digests: str) -> "ApiKeys":
        """The keys of a salt and comma-separated digests; ValueError naming the entry when a digest is bad."""
        parsed = []
        for index, digest in enumerate(digests.split(",")):
            if not _DIGEST.match(digest.strip()):
                raise ValueError(f"entry {index} must be 64 lowercase hex digits (HMAC-SHA256)")
            parsed.append(bytes.fromhex(digest.strip()))
        return cls(salt=salt.encode("utf-8"), digests=tuple(parsed))

    def accepts(self, key: str) -> bool:
        """Whether ``key`` is one of the accepted keys; every digest is compared, so timing tells nothing."""
        presented = hmac.new(self.salt, key.encode("utf-8", "surrogateescape"), hashlib.sha256).digest()
        matched = False
        for digest in self.digests:
            matched |= hmac.compare_digest(presented, digest)
        return matched


def presented_key(headers: Mapping[str, str]) -> Optional[str]:
    """The key of ``Authorization: Bearer <key>``, else of ``X-API-Key``; None when neither carries one."""
    authorization = headers.get("Authorization", "")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()[:_MAX_KEY_LENGTH]
    api_key = headers.get("X-API-Key", "").strip()
    return api_key[:_MAX_KEY_LENGTH] or None


def install_api_key_check(app: Flask, keys: Optional[ApiKeys]) -> None:
    """Answer 401 to every request outside ``OPEN_PATHS`` without an accepted key; nothing when ``keys`` is None."""
    if keys is None:
        return

    @app.before_request
    def _require_api_key() -> Optional[Response]:
        if request.path in OPEN_PATHS:
            return None
        key = presented_key(request.headers)
        if key is not None and keys.accepts(key):
            return None
        message = "an API key is required" if key is None else "the API key is not valid"
        response = error_response(401, "unauthorized", f"{message}: send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
        response.headers["WWW-Authenticate"] = 'Bearer realm="model-service"'
        return response
