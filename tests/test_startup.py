"""Several server processes starting at once on one empty database."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from sqlalchemy import func, select

from timetracker.store.db import make_engine
from timetracker.store.schema import users

PROCESSES = 3

# Each process imports the package, says it is ready, and starts when told: every one of them
# then starts at the same instant.
START = textwrap.dedent(
    """
    import sys
    from timetracker.startup import prepare_database
    print("ready", flush=True)
    sys.stdin.readline()
    prepare_database(
        {"DATABASE_URL": sys.argv[1], "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    )
    """
)


def test_processes_starting_together_migrate_once(database_url):
    env = {**os.environ, "TIMETRACKER_ADMIN_PASSWORD": "manager"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", START, database_url],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    for process in processes:
        assert process.stdout.readline() == "ready\n", process.stderr.read()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
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
