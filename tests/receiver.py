"""A REST hook receiver on loopback: a real HTTP server in a thread that records what it gets
and answers the statuses it is told to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def events(self) -> list[dict]:
        return json.loads(self.body)

    def signed_by(self, secret: str) -> bool:
        """The README's check of a delivery's signature."""
        timestamp = self.headers["X-Timetracker-Timestamp"]
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(self.headers["X-Timetracker-Signature"], "sha256=" + expected)


@dataclass
class Receiver:
    """``statuses``: the answers to give, in order (then 200 for ever)."""

    statuses: list[int] = field(default_factory=list)
    port: int = 0
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.received.append(Received(self.path, dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.arrived.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    @property
    def events(self) -> list[dict]:
        return [e for r in self.received for e in r.events]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
