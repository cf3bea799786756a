"""Docker HEALTHCHECK: exit 0 when GET http://127.0.0.1:$PORT/ready answers 200, else 1."""

import http.client
import os
import sys


def main() -> int:
    port = os.environ.get("PORT", "8000")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=3)
        connection.request("GET", "/ready", headers={"X-Request-ID": "healthcheck"})
        status = connection.getresponse().status
    except (OSError, ValueError, http.client.HTTPException) as error:
        print(f"not ready: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"not ready: /ready answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
