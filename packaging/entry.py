"""The one-file binary's entry point: the ``timetracker`` command, as the installed script runs
it (``timetracker.cli:main``)."""

import warnings

from timetracker.cli import main

# The binary leaves Pillow out (packaging/timetracker.spec): fpdf2 then warns, on its import,
# that it cannot add images, which the documents never do.
warnings.filterwarnings("ignore", message="Pillow could not be imported")

if __name__ == "__main__":
    main(prog_name="timetracker")
