"""The REST hook deliverer's sending threads, shared out fairly.

A receiver that answers slowly holds a thread for as long as a delivery's deadline allows, and
a user who points many hooks at slow receivers would hold every thread while everyone else's
events waited. So the sends of one owner run on at most :attr:`Senders.owner_share` threads at
once, and those to one receiver (host and port) on at most :attr:`Senders.receiver_share`; a
free thread takes the waiting send whose owner has the fewest running (the oldest among
equals). A send whose owner or receiver has its share waits, without holding a thread.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Generic, Protocol, TypeVar

log = logging.getLogger(__name__)


class Job(Protocol):
    @property
    def owner(self) -> int: ...

    @property
    def receiver(self) -> tuple[str, int]: ...


J = TypeVar("J", bound=Job)


class Senders(Generic[J]):
    """``workers`` threads running ``run(job)`` for the jobs submitted, within the shares."""

    def __init__(self, workers: int, run: Callable[[J], None]):
        self.workers = workers
        self.owner_share = max(1, workers // 4)
        self.receiver_share = max(1, workers // 2)
        self._run = run
        # Guards what follows. ``_startable``: a job may have become startable (one thread is
        # woken at a time, and wakes the next if jobs are left: no herd on every change);
        # ``_finished``: a job is done.
        self._lock = threading.Lock()
        self._startable = threading.Condition(self._lock)
        self._finished = threading.Condition(self._lock)
        self._waiting: list[J] = []
        self._unfinished: set[int] = set()  # id() of the jobs waiting or running
        self._owners: Counter[int] = Counter()  # jobs running, by owner
        self._receivers: Counter[tuple[str, int]] = Counter()  # and by receiver
        self._closing = False
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._work, name=f"hook-delivery-{n}", daemon=True)
            for n in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()

    def running(self) -> tuple[Counter[int], Counter[tuple[str, int]]]:
        """How many jobs run now, by owner and by receiver."""
        with self._lock:
            return self._owners.copy(), self._receivers.copy()

    def within_shares(
        self,
        owner: int,
        receiver: tuple[str, int],
        owners: Counter[int],
        receivers: Counter[tuple[str, int]],
    ) -> bool:
        """Whether a job of ``owner`` to ``receiver`` may run beside those counted."""
        return owners[owner] < self.owner_share and receivers[receiver] < self.receiver_share

    def submit(self, jobs: Iterable[J]) -> None:
        with self._lock:
            for job in jobs:
                self._waiting.append(job)
                self._unfinished.add(id(job))
            self._startable.notify()

    def wait(self, jobs: Iterable[J], timeout: float) -> None:
        """Wait until ``jobs`` are done, at most ``timeout`` seconds."""
        ids = {id(job) for job in jobs}
        with self._lock:
            self._finished.wait_for(lambda: not ids & self._unfinished, timeout=timeout)

    def close(self) -> list[J]:
        """Stop: every thread ends once its job is done (that is waited for); the jobs that
        were never started are returned."""
        with self._lock:
            self._closing = True
            left, self._waiting = self._waiting, []
            self._unfinished.difference_update(id(job) for job in left)
            self._startable.notify_all()
            self._finished.notify_all()
        for thread in self._threads:
            thread.join()
        return left

    def _next(self) -> J | None:
        """Take the job to run next, if any may run."""
        best: int | None = None
        for n, job in enumerate(self._waiting):
            if not self.within_shares(job.owner, job.receiver, self._owners, self._receivers):
                continue
            if best is None or self._owners[job.owner] < self._owners[self._waiting[best].owner]:
                best = n
                if self._owners[job.owner] == 0:
                    break
        return None if best is None else self._waiting.pop(best)

    def _work(self) -> None:
        while True:
            with self._lock:
                job = self._next()
                while job is None and not self._closing:
                    self._startable.wait()
                    job = self._next()
                if job is None:
                    return
                self._owners[job.owner] += 1
                self._receivers[job.receiver] += 1
                if self._waiting:
                    self._startable.notify()  # another thread looks at the rest
            try:
                self._run(job)
            except Exception:  # a thread must outlive any one job
                log.exception("hook delivery: a send failed")
            finally:
                with self._lock:
                    self._owners[job.owner] -= 1
                    self._receivers[job.receiver] -= 1
                    self._unfinished.discard(id(job))
                    if self._waiting:
                        self._startable.notify()  # a share came free
                    self._finished.notify_all()
