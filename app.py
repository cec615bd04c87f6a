"""WSGI entry point: ``granian --interface wsgi app:app`` or ``flask --app app run``.

A start as ``timetracker serve`` makes it: the database readied (migrated, the first
administrator created), then the app built."""

from timetracker import create_app
from timetracker.startup import prepare_database

prepare_database()
app = create_app()
