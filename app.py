"""WSGI entry point: ``waitress-serve app:app`` or ``flask --app app run``."""

from timetracker import create_app

app = create_app()
