"""Several server processes starting at once on one empty database."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from sqlalchemy import func, select

from timetracker.store.db import make_engine
from timetracker.store.schema import users

PROCESSES = 3

START = textwrap.dedent(
    """
    import sys, time
    from timetracker.startup import prepare_database
    start = float(sys.argv[2])
    time.sleep(max(start - time.time(), 0))  # everyone starts at the same instant
    prepare_database(
        {"DATABASE_URL": sys.argv[1], "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    )
    """
)


def test_processes_starting_together_migrate_once(database_url):
    env = {**os.environ, "TIMETRACKER_ADMIN_PASSWORD": "manager"}
    start = time.time() + 3  # time enough for every interpreter to import the package
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", START, database_url, str(start)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    for process in processes:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    engine = make_engine(database_url)
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
        admins = conn.execute(select(func.count()).select_from(users)).scalar_one()
    engine.dispose()
    assert len(version) == 1
    assert admins == 1
