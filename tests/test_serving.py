"""How `timetracker serve` runs the app in its process: the heap it starts with is left out of
the garbage collector's rounds, and waitress's threads share the requests
(``SpilloverDispatcher``): quick ones run one after the other on the thread already running,
slow ones side by side.

The tasks here stand for waitress's connections: each one's ``service()`` answers a request.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from timetracker import serving, waitress_server
from timetracker.waitress_server import SpilloverDispatcher

WAIT = 30  # seconds any step may take on a slow machine before the test fails


class Task:
    """A request that records the thread answering it, and runs until ``finish`` is set."""

    def __init__(self, finish: threading.Event | None = None, fail: bool = False):
        self.finish = finish
        self.fail = fail
        self.started = threading.Event()
        self.done = threading.Event()
        self.cancelled = False
        self.thread: int | None = None

    def service(self) -> None:
        self.thread = threading.get_ident()
        self.started.set()
        try:
            if self.finish is not None:
                assert self.finish.wait(WAIT)
            if self.fail:
                raise RuntimeError("the request failed")
        finally:
            self.done.set()

    def cancel(self) -> None:
        self.cancelled = True


@pytest.fixture
def dispatcher():
    made: list[SpilloverDispatcher] = []

    def make(spill_seconds: float, threads: int = 4) -> SpilloverDispatcher:
        d = SpilloverDispatcher(spill_seconds)
        d.set_thread_count(threads)
        made.append(d)
        return d

    yield make
    for d in made:
        d.shutdown(timeout=WAIT)
        assert not d.threads


def test_requests_arriving_while_one_runs_wait_for_its_thread(dispatcher):
    d = dispatcher(spill_seconds=WAIT)  # nothing turns slow within the test
    release = threading.Event()
    first = Task(release)
    d.add_task(first)
    assert first.started.wait(WAIT)
    later = [Task() for _ in range(5)]
    for task in later:
        d.add_task(task)
    # None starts on one of the three idle threads while the first runs ...
    assert not any(task.started.wait(0.2) for task in later)
    release.set()
    # ... and the thread that ran it answers them all, one after the other.
    assert all(task.done.wait(WAIT) for task in later)
    assert {task.thread for task in later} == {first.thread}


def test_a_slow_request_lets_the_next_one_run_on_another_thread(dispatcher):
    d = dispatcher(spill_seconds=0.05)
    release = threading.Event()
    slow = Task(release)
    d.add_task(slow)
    assert slow.started.wait(WAIT)
    quick = Task()
    d.add_task(quick)
    assert quick.done.wait(WAIT)  # answered while the slow one still runs
    assert not slow.done.is_set()
    assert quick.thread != slow.thread
    release.set()
    assert slow.done.wait(WAIT)


def test_slow_requests_run_side_by_side_on_every_thread(dispatcher):
    d = dispatcher(spill_seconds=0.05, threads=3)
    release = threading.Event()
    slow = [Task(release) for _ in range(3)]
    for task in slow:
        d.add_task(task)  # all queued at once: each waits for the others to turn slow
    assert all(task.started.wait(WAIT) for task in slow)
    assert len({task.thread for task in slow}) == 3
    waiting = Task()
    d.add_task(waiting)  # no thread is left: it waits for one
    assert not waiting.started.wait(0.2)
    release.set()
    assert waiting.done.wait(WAIT)


def test_a_failing_request_does_not_cost_its_thread(dispatcher):
    d = dispatcher(spill_seconds=WAIT, threads=1)
    failing, after = Task(fail=True), Task()
    d.add_task(failing)
    d.add_task(after)
    assert after.done.wait(WAIT)
    assert after.thread == failing.thread


def test_shutdown_ends_every_thread_and_cancels_what_waits(dispatcher):
    d = dispatcher(spill_seconds=WAIT, threads=2)
    release = threading.Event()
    running = Task(release)
    d.add_task(running)
    assert running.started.wait(WAIT)
    waiting = Task()
    d.add_task(waiting)  # behind the running one; the other thread stands by
    stopper = threading.Thread(target=d.shutdown, kwargs={"timeout": WAIT})
    stopper.start()
    release.set()  # the running request is answered in full
    stopper.join(WAIT)
    assert not stopper.is_alive()
    assert running.done.is_set()
    assert not d.threads
    # What was still queued was either answered before the threads ended or cancelled.
    assert waiting.done.is_set() != waiting.cancelled


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
        def dispose(self):
            steps.append("dispose")

    class FakeApp:
        extensions = {"timetracker": {"engine": FakeEngine()}}

    def build_app():
        steps.append("build")
        return FakeApp()

    monkeypatch.setattr(serving, "freeze_heap", lambda: steps.append("freeze"))
    monkeypatch.setattr(waitress_server, "run_waitress", lambda *_: steps.append("waitress"))
    if workers > 1:
        pytest.importorskip("gunicorn")
        from timetracker import gunicorn_server

        monkeypatch.setattr(gunicorn_server, "prepare_metrics", lambda: None)
        monkeypatch.setattr(serving, "check_address", lambda *_: None)

        class FakeGunicorn:
            def __init__(self, app, **_options):
                pass

            def run(self):
                steps.append("gunicorn")

        monkeypatch.setattr(gunicorn_server, "GunicornServer", FakeGunicorn)
    serving.serve(build_app, "127.0.0.1", 0, 4, workers, lambda: steps.append("listen"))
    if workers == 1:
        assert steps == ["build", "freeze", "waitress"]
    else:  # frozen after the connections are gone, before the workers are forked
        assert steps == ["build", "dispose", "freeze", "listen", "gunicorn"]
