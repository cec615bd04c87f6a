"""The one-file binary's entry point: the ``timetracker`` command, as the installed script runs
it (``timetracker.cli:main``), and the start of a server worker process."""

import multiprocessing
import warnings

from timetracker.cli import main

# The binary leaves Pillow out (packaging/timetracker.spec): fpdf2 then warns, on its import,
# that it cannot add images, which the documents never do.
warnings.filterwarnings("ignore", message="Pillow could not be imported")

if __name__ == "__main__":
    # The server's workers are child processes (multiprocessing): where they are spawned rather
    # than forked, each starts this binary again, and this makes that start a worker.
    multiprocessing.freeze_support()
    main(prog_name="timetracker")
