"""Readying the database before the server (or a command) builds its app: what a start does
once, before :func:`timetracker.create_app`, which only builds.

Every way in calls :func:`prepare_database` first: ``timetracker serve`` (once, in the first
process, before any worker starts), the WSGI entry ``app.py``, the one-file binary (which runs
the ``timetracker`` command) and the commands that work on the data (``demo``,
``create-user``, ``set-password``, ``import``, ``export``). So a first start on an empty
database migrates it, creates the administrator and says where the data lives, whichever way
it is started; the tests' template database is made by the same call.
"""

from __future__ import annotations

import sys
from typing import Any


def prepare_database(test_config: dict[str, Any] | None = None) -> bool:
    """With ``TIMETRACKER_AUTO_MIGRATE`` on (the default): upgrade the database's schema, create
    the administrator when there is no user yet, and on that first start print where the
    database is (and the administrator's password when one was made up) on standard error.

    Takes the same settings as :func:`timetracker.create_app`; returns whether this call
    created the administrator. Raises :class:`timetracker.config.SettingError` for a bad
    setting, as ``create_app`` would."""
    from timetracker.config import load_config
    from timetracker.services.accounts import ADMIN_USERNAME, ensure_admin
    from timetracker.store import db, migrate

    config = load_config(test_config)
    if not config["AUTO_MIGRATE"]:
        return False
    engine = db.make_engine(config["DATABASE_URL"])
    try:
        migrate.upgrade(engine)
        created, generated = ensure_admin(
            engine, config["ADMIN_PASSWORD"], config["PASSWORD_HASH_METHOD"]
        )
    finally:
        engine.dispose()
    if created:  # the first start: say where the data lives
        print(f"Database: {db.location(config['DATABASE_URL'])}", file=sys.stderr, flush=True)
    if generated:
        print(
            f"Created the administrator account '{ADMIN_USERNAME}' with password: "
            f"{generated}\n(shown only now; set TIMETRACKER_ADMIN_PASSWORD to choose it)",
            file=sys.stderr,
            flush=True,
        )
    return created
