"""HTTP for REST hooks: signing a delivery, and POSTing it over keep-alive connections."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``X-Timetracker-Signature``: an HMAC-SHA256 of ``"<timestamp>.<body>"``, so a
    receiver that checks the timestamp's age also refuses a replayed delivery."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


@dataclass
class Attempt:
    status: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Connections:
    """Keep-alive connections to the receivers, by scheme, host and port: a busy subscription
    gets several requests a second, and a new connection for each would cost both sides more
    than the request. Redirects are not followed (they could lead past the allowed hosts)."""

    MAX_IDLE = 8  # per receiver

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._idle: dict[tuple, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Attempt:
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname, parts.port)
        path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        started = time.monotonic()
        with self._lock:
            idle = self._idle.get(key)
            connection = idle.pop() if idle else None
        reused = connection is not None
        while True:
            if connection is None:
                connection_class = (
                    http.client.HTTPSConnection
                    if parts.scheme == "https"
                    else http.client.HTTPConnection
                )
                connection = connection_class(parts.hostname, parts.port, timeout=self.timeout)
            try:
                connection.request("POST", path, body=body, headers=dict(headers))
                response = connection.getresponse()
                response.read(65536)
            except (http.client.RemoteDisconnected, ConnectionError) as exc:
                connection.close()
                if reused:  # the receiver closed an idle connection: once more, on a new one
                    connection, reused = None, False
                    continue
                return self._failed(exc, started)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                connection.close()
                return self._failed(exc, started)
            break
        if response.isclosed() and not response.will_close:
            with self._lock:
                idle = self._idle.setdefault(key, [])
                if len(idle) < self.MAX_IDLE:
                    idle.append(connection)
                    connection = None
        if connection is not None:
            connection.close()
        status = response.status
        error = None if 200 <= status < 300 else f"HTTP {status} {response.reason}"[:500]
        return Attempt(status, error, int((time.monotonic() - started) * 1000))

    @staticmethod
    def _failed(exc: Exception, started: float) -> Attempt:
        error = f"{type(exc).__name__}: {exc}"[:500]
        return Attempt(None, error, int((time.monotonic() - started) * 1000))

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connection in (c for group in idle.values() for c in group):
            connection.close()
