"""The one-file binary's entry point: the ``timetracker`` command, as the installed script runs
it (``timetracker.cli:main``)."""

from timetracker.cli import main

if __name__ == "__main__":
    main(prog_name="timetracker")
