"""The bad input corpus's figures (tests/test_bad_input.py) in pytest's terminal summary.

``conftest.py`` registers one ``Summary`` in every pytest process. Run serially, the corpus
counts into it and it prints at the end. Run on xdist workers, each worker's corpus counts into
that worker's ``Summary``, which hands its figures to the controller in ``workeroutput``; the
controller's ``Summary`` adds them up and prints them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest

API = "/api/v1"
SUMMARY_PLUGIN = "bad-input-summary"
WORKEROUTPUT_KEY = "bad_input_tally"


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: int = 0
    refused_writes_checked: int = 0
    per_operation: dict[str, Counter] = field(default_factory=dict)

    def as_plain(self) -> dict:
        """The figures as plain dicts, lists and numbers: what xdist can send between processes."""
        return {
            "requests": self.requests,
            "statuses": sorted(self.statuses.items()),
            "server_errors": self.server_errors,
            "refused_writes_checked": self.refused_writes_checked,
            "per_operation": [
                [operation, sorted(counts.items())]
                for operation, counts in self.per_operation.items()
            ],
        }

    def add(self, plain: dict) -> None:
        """Add figures that ``as_plain`` gave (another process's)."""
        self.requests += plain["requests"]
        self.statuses.update(dict(plain["statuses"]))
        self.server_errors += plain["server_errors"]
        self.refused_writes_checked += plain["refused_writes_checked"]
        for operation, counts in plain["per_operation"]:
            self.per_operation.setdefault(operation, Counter()).update(dict(counts))


class Summary:
    """The plugin: the tally of this process, and of the workers that reported to it."""

    def __init__(self):
        self.tally = Tally()
        self.used = False  # the corpus ran here, or a worker where it ran reported

    def take(self) -> Tally:
        """The tally for the corpus to count into."""
        self.used = True
        return self.tally

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        # On the controller, as each worker ends.
        plain = getattr(node, "workeroutput", {}).get(WORKEROUTPUT_KEY)
        if plain is not None:
            self.used = True
            self.tally.add(plain)

    def pytest_sessionfinish(self, session):
        # On a worker, its figures go to the controller.
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None and self.used:
            workeroutput[WORKEROUTPUT_KEY] = self.tally.as_plain()

    def pytest_terminal_summary(self, terminalreporter, config):
        if not self.used or hasattr(config, "workeroutput"):
            return
        tally = self.tally
        write = terminalreporter.write_line
        terminalreporter.section("bad input corpus")
        write(
            f"{tally.requests} requests to {len(tally.per_operation)} operations; "
            f"{tally.server_errors} answered 5xx; "
            f"{tally.refused_writes_checked} refused writes checked against the database"
        )
        classes = Counter()
        for status, count in tally.statuses.items():
            classes[f"{status // 100}xx"] += count
        write("by class: " + ", ".join(f"{k} {n}" for k, n in sorted(classes.items())))
        write(
            "4xx by status: "
            + ", ".join(f"{s} {n}" for s, n in sorted(tally.statuses.items()) if 400 <= s < 500)
        )
        if config.option.verbose > 0:
            for operation, counts in tally.per_operation.items():
                figures = ", ".join(f"{s} {n}" for s, n in sorted(counts.items()))
                write(f"  {operation.replace(API, '')}: {figures}")
