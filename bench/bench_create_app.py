"""What building an app costs once a process has built one: ``create_app`` against a bare Flask
app given the same URL rules (werkzeug's own rule class), measured in the same run.

A server builds one app; the test suite builds one per test (some 1,900 per run), so the figure
that matters there is the cost of the later apps. Printed: CPU milliseconds per app (the best of
several rounds, so that other work on a shared machine counts as little as it can) and the
ratio. Run: ``python bench/bench_create_app.py``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from flask import Flask

from timetracker import create_app

ROUNDS = 5
APPS_PER_ROUND = 40


def best_ms(build) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(APPS_PER_ROUND):
            build()
        best = min(best, (time.process_time() - started) / APPS_PER_ROUND * 1000)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = {
            "DATABASE_URL": str(Path(tmp) / "unused.db"),
            "AUTO_MIGRATE": False,
            "ADMIN_PASSWORD": "manager",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # as the tests: no scrypt per app
        }
        started = time.process_time()
        first = create_app(settings)
        first_ms = (time.process_time() - started) * 1000
        rules = [
            (rule.rule, rule.endpoint, sorted(rule.methods or ()))
            for rule in first.url_map.iter_rules()
        ]
        converters = dict(first.url_map.converters)

        views = {endpoint: (lambda: "") for _, endpoint, _ in rules}

        def bare_app():
            app = Flask(__name__, static_folder=None)
            app.url_map.converters.update(converters)
            for path, endpoint, methods in rules:
                app.add_url_rule(path, endpoint, views[endpoint], methods=methods)
            return app

        bare = best_ms(bare_app)
        later = best_ms(lambda: create_app(settings))
    print(f"{len(rules)} URL rules")
    print(f"first create_app in a process: {first_ms:.1f} ms CPU (imports the views)")
    print(f"bare Flask app, the same rules: {bare:.1f} ms CPU per app")
    print(f"later create_app:               {later:.1f} ms CPU per app")
    print(f"ratio later create_app / bare Flask app: {later / bare:.2f}")


if __name__ == "__main__":
    main()
