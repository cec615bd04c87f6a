"""How `timetracker serve` starts its server: the address is checked and the app built once,
in the first process, its heap left out of the garbage collector's rounds, and its database
connections dropped before granian starts the workers (``timetracker.granian_server``).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from timetracker import granian_server, serving


def test_freeze_heap_leaves_what_exists_out_of_the_collector():
    # In a process of its own: frozen objects stay frozen for the process's life.
    code = (
        "import gc; from timetracker.serving import freeze_heap; "
        "before = gc.get_freeze_count(); freeze_heap(); print(before, gc.get_freeze_count())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after = map(int, out.stdout.split())
    assert before == 0
    assert after > 10_000  # the modules and what they built


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_freezes_the_heap_once_the_app_is_built(monkeypatch, workers):
    steps: list[str] = []

    class FakeEngine:
        def dispose(self, close=True):
            steps.append("dispose" if close else "forget")

    class FakeApp:
        config = {"CONNECTION_LIMIT": 10, "HEADER_TIMEOUT": 5}
        extensions = {"timetracker": {"engine": FakeEngine()}}

    def build_app():
        steps.append("build")
        return FakeApp()

    class FakeServer:
        def __init__(self, _target, **options):
            assert (options["workers"], options["blocking_threads"]) == (workers, 4)
            assert options["backpressure"] == 10
            assert options["http1_settings"].header_read_timeout == 5000

        def serve(self, target_loader):
            steps.append("granian")
            # In a forked worker: the inherited app, its connections forgotten.
            monkeypatch.setattr(granian_server, "_WorkerWatch", lambda _d: FakeWatch())
            monkeypatch.setattr(
                "timetracker.services.hook_delivery.start_for", lambda _app: "deliverer"
            )
            assert isinstance(target_loader("timetracker"), FakeApp)

    class FakeWatch:
        def start(self):
            steps.append("deliverer")

    monkeypatch.setattr(granian_server, "freeze_heap", lambda: steps.append("freeze"))
    monkeypatch.setattr(granian_server, "_prepare_metrics", lambda: None)
    monkeypatch.setattr(serving, "check_address", lambda *_: steps.append("check"))
    monkeypatch.setattr("granian.server.Server", FakeServer)
    serving.serve(build_app, "127.0.0.1", 0, 4, workers, lambda: steps.append("listen"))
    # Frozen after the connections are gone, before the workers are started.
    assert steps == [
        "check", "build", "dispose", "freeze", "listen", "granian", "forget", "deliverer"
    ]  # fmt: skip
