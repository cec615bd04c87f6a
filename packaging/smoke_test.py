r"""Smoke test of the one-file binary: run ``dist/timetracker`` as a user would, in an empty
directory, through every command, and print its two figures (file size, start to healthy).

    python packaging/smoke_test.py dist/timetracker
    python packaging/smoke_test.py dist/timetracker --hide-python \
        --db postgresql://postgres@127.0.0.1:5432/smoke \
        --restore-db postgresql://postgres@127.0.0.1:5432/smoke_restored \
        --ratelimit-storage redis://127.0.0.1:6379/11

Standard library only, so it needs nothing but a Python to drive it; the binary gets an
environment without the driver's virtual environment or any ``PYTHON*`` variable, and with
``--hide-python`` (Linux, as root) it runs in a mount namespace where every Python installation
and the system's time zone database are hidden, as on a machine without them. Every check
that fails is printed; the exit status is 1 if any did. The onefile binary unpacks itself under
``$TMPDIR`` on every run, so each run gets a ``TMPDIR`` of its own, which must be empty again when
the run has ended (a clean stop removes what it unpacked).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ADMIN_PASSWORD = "smoke-admin"
# How the server ends, as the installed package's does: on SIGTERM it stops gracefully (in-flight
# requests finish) and on SIGINT (Ctrl+C) at once; the command exits 0 either way.
STOP_STATUSES = {signal.SIGTERM: 0, signal.SIGINT: 0}
STOP_TIMEOUT = 15
START_TIMEOUT = 60

failures: list[str] = []


def check(condition: bool, what: str, detail: object = "") -> bool:
    print(("ok   " if condition else "FAIL ") + what + (f": {detail}" if detail != "" else ""))
    if not condition:
        failures.append(what)
    return condition


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Run by ``sh -c`` inside ``unshare -m``: empty the directories given, make sure no Python
# runs any more, then become the binary (so that signals reach it directly).
HIDE_SCRIPT = """
while [ "$1" != -- ]; do
  if [ -d "$1" ]; then mount -t tmpfs none "$1"; else mount --bind /dev/null "$1"; fi || exit 97
  shift
done
shift
if python3 -c '' 2>/dev/null || python -c '' 2>/dev/null; then
  echo 'a Python still runs in the namespace' >&2; exit 98
fi
exec "$@"
"""


def hidden_paths() -> list[str]:
    """Every Python installation this machine has (the driver's, its venv, the system's) and
    the system's time zone database: what a machine without Python would lack."""
    found = {sys.prefix, sys.base_prefix, os.path.realpath(sys.executable)}
    for pattern in ("lib/python3*", "local/lib/python3*", "bin/python*", "local/bin/python*"):
        found.update(str(p) for p in Path("/usr").glob(pattern))
    found.add("/usr/share/zoneinfo")
    # A prefix of /usr itself is hidden by its lib/python3.X (above), not whole.
    found -= {"/", "/usr", "/usr/local"}
    found = {p for p in found if os.path.exists(p)}
    # What lies inside another hidden directory is hidden with it (and could not be a mount
    # point once that one is).
    return sorted(p for p in found if not any(p.startswith(d + "/") for d in found))


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


class Binary:
    """The binary under test, run in ``workdir`` with an environment of its own (and, when
    ``prefix`` is given, through it: the namespace that hides Python)."""

    def __init__(self, path: Path, workdir: Path, scratch: Path, env: dict[str, str], prefix):
        self.path, self.workdir, self.scratch, self.env = path, workdir, scratch, env
        self.command = [*prefix, str(path)]

    def _env(self) -> dict[str, str]:
        return {**self.env, "TMPDIR": tempfile.mkdtemp(prefix="tmp-", dir=self.scratch)}

    def unpacked_left(self) -> list[str]:
        """What ended runs left under their TMPDIR (nothing, when they stopped cleanly)."""
        return sorted(str(p.relative_to(self.scratch)) for p in self.scratch.glob("tmp-*/*"))

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        started = time.monotonic()
        result = subprocess.run(
            [*self.command, *args],
            cwd=self.workdir,
            env=self._env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        took = time.monotonic() - started
        check(
            result.returncode == 0,
            f"timetracker {' '.join(args)} ({took:.2f} s)",
            "" if result.returncode == 0 else f"exit {result.returncode}: {result.stderr[-2000:]}",
        )
        return result

    def serve(self, port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [*self.command, "serve", "--port", str(port)],
            cwd=self.workdir,
            env=self._env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def request(port, path, method="GET", body=None, auth=None):
    """One request; returns (status, headers, body bytes)."""
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_healthy(process: subprocess.Popen, port: int, started: float) -> float | None:
    """Seconds from ``started`` to the first 200 of ``GET /api/v1/health``; None if the server
    exited or never answered."""
    while time.monotonic() - started < START_TIMEOUT:
        if process.poll() is not None:
            return None
        try:
            status, _, _ = request(port, "/api/v1/health")
        except OSError:
            status = None
        if status == 200:
            return time.monotonic() - started
        time.sleep(0.01)
    return None


def stop(process: subprocess.Popen, how: signal.Signals) -> None:
    """Stop the server with ``how``; it must exit by itself within STOP_TIMEOUT seconds."""
    process.send_signal(how)
    try:
        _, err = process.communicate(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        check(False, f"server stops on {how.name}", f"still running after {STOP_TIMEOUT} s")
        return
    check(
        process.returncode == STOP_STATUSES[how],
        f"server stops on {how.name} (exit code {process.returncode})",
        "" if process.returncode == STOP_STATUSES[how] else err[-2000:],
    )


def check_docs(port: int) -> None:
    """The Swagger UI page, every script and style sheet it links to, and the document."""
    status, _, page = request(port, "/api/v1/swagger/")
    html = page.decode("utf-8", "replace")
    check(status == 200 and "SwaggerUIBundle" in html, "GET /api/v1/swagger/ (Swagger UI)", status)
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    check(len(assets) >= 3, "the Swagger UI page links its JS and CSS", assets)
    for asset in assets:
        status, headers, body = request(port, asset)
        kind = "javascript" if asset.endswith(".js") else "css"
        check(
            status == 200 and body and kind in headers.get("Content-Type", ""),
            f"GET {asset}",
            f"{status}, {len(body)} bytes, {headers.get('Content-Type')}",
        )
    status, _, body = request(port, "/api/v1/swagger.json")
    check(status == 200 and json.loads(body).get("openapi", "").startswith("3."), "OpenAPI", status)


def first_start(binary: Binary, port: int, sqlite: bool) -> float | None:
    """An empty directory: the server creates the database and admin, and answers."""
    process = binary.serve(port)
    started = time.monotonic()
    healthy = wait_healthy(process, port, started)
    if not check(healthy is not None, "first start answers GET /api/v1/health"):
        process.kill()
        print(process.communicate()[1][-3000:])
        return None
    if sqlite:
        check((binary.workdir / "data" / "timetracker.db").is_file(), "data/timetracker.db made")
    admin = ("admin", ADMIN_PASSWORD)
    status, _, body = request(port, "/api/v1/users/me", auth=admin)
    check(status == 200 and json.loads(body)["username"] == "admin", "GET /users/me as admin")
    status, _, _ = request(port, "/api/v1/users/me")
    check(status == 401, "GET /users/me without credentials is 401", status)
    check_docs(port)
    stop(process, signal.SIGTERM)
    return healthy


def start_to_healthy(binary: Binary, port: int) -> float | None:
    """Only the figure: seconds from start to a healthy server on an empty directory."""
    process = binary.serve(port)
    healthy = wait_healthy(process, port, time.monotonic())
    process.terminate()
    process.communicate(timeout=STOP_TIMEOUT)
    return healthy


def measure_starts(binary: Binary, args) -> dict[str, list[float]]:
    """Start to healthy, ``args.starts`` times, each on a new empty directory (on SQLite: a
    new database each time), for the binary and, taking turns with it, the installed command
    of ``--compare-with``."""
    subjects = {"binary": binary}
    if args.compare_with:
        subjects["installed package"] = Binary(
            args.compare_with.resolve(), binary.workdir, binary.scratch, binary.env, []
        )
    seconds: dict[str, list[float]] = {name: [] for name in subjects}
    for n in range(args.starts):
        for name, subject in subjects.items():
            subject.workdir = binary.scratch / f"start-{name.replace(' ', '-')}-{n}"
            subject.workdir.mkdir()
            healthy = start_to_healthy(subject, free_port())
            if check(healthy is not None, f"{name} start {n + 1} answers"):
                seconds[name].append(healthy)
    return {name: values for name, values in seconds.items() if values}


def with_demo(binary: Binary, port: int) -> None:
    """The demo company loaded by the command line, then changed and read over HTTP."""
    process = binary.serve(port)
    if not check(wait_healthy(process, port, time.monotonic()) is not None, "second start"):
        process.kill()
        print(process.communicate()[1][-3000:])
        return
    admin, jsmith = ("admin", "manager"), ("jsmith", "jsmith")
    status, _, body = request(port, "/api/v1/customers", auth=admin)
    check(status == 200 and len(json.loads(body)["items"]) == 3, "demo customers", status)
    record = "/api/v1/timetrack/jsmith/2026-01-05/1"
    status, _, body = request(
        port, record, "PATCH", {"time": 120, "comment": "smoke test"}, auth=jsmith
    )
    check(status == 200, f"PATCH {record}", body[:300])
    status, _, body = request(port, record, auth=jsmith)
    written = json.loads(body) if status == 200 else {}
    check(written.get("time") == 120, f"GET {record} reads the write back", written)
    status, _, _ = request(port, "/api/v1/users/me", auth=("smoke", "smoke-pass"))
    check(status == 200, "the user made by create-user logs in", status)
    stop(process, signal.SIGINT)


def commands(binary: Binary, args) -> None:
    """The commands that work on files: import, export, backup, restore, migrate."""
    work = binary.workdir
    (work / "users.csv").write_text(
        "username,password,firstName,lastName\nmjones,s3cret,Mary,Jones\n", encoding="utf-8"
    )
    binary.run("import", "users", "users.csv")
    (work / "tasks.csv").write_text(
        "customer,project,task\nSmoke Customer,Smoke Project,Smoke Task\n", encoding="utf-8"
    )
    binary.run("import", "tasks", "tasks.csv")
    (work / "timetrack.csv").write_text(
        "username,date,customer,project,task,minutes,comment\n"
        "mjones,2026-01-06,Smoke Customer,Smoke Project,Smoke Task,30,imported\n",
        encoding="utf-8",
    )
    binary.run("import", "timetrack", "--assign", "timetrack.csv")
    binary.run("export", "detailed", "--date-from", "2026-01-01", "-o", "detailed.csv")
    detailed = text_of(work / "detailed.csv")
    check(
        "smoke test" in detailed and "imported" in detailed,
        "the export holds the HTTP write and the imported line",
        f"{len(detailed.splitlines())} lines",
    )
    binary.run("export", "customers", "-o", "customers.csv")
    check("Smoke Customer" in text_of(work / "customers.csv"), "customers.csv")
    documents(binary)
    backup = work / ("backup.dump" if args.db else "backup.db")
    binary.run("backup", backup.name)
    check(backup.is_file() and backup.stat().st_size > 0, f"{backup.name} written")
    restored = args.restore_db or "restored.db"
    if args.db and not args.restore_db:
        print("skip restore: --restore-db (an empty database) not given")
        return
    binary.run("restore", backup.name, "--db", restored)
    binary.run("migrate", "--db", restored)
    binary.run("export", "customers", "-o", "restored.csv", "--db", restored)
    check(
        text_of(work / "restored.csv") == text_of(work / "customers.csv") != "",
        "the restored database holds the same customers",
    )


def documents(binary: Binary) -> None:
    """The detailed report as Excel and as PDF (fonts, fpdf2 and HarfBuzz in the binary)."""
    work = binary.workdir
    dates = ("--date-from", "2026-01-01")
    binary.run("export", "detailed", *dates, "--format", "xlsx", "-o", "detailed.xlsx")
    with zipfile.ZipFile(work / "detailed.xlsx") as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    check("Smoke Customer" in sheet, "detailed.xlsx holds the imported line")
    binary.run("export", "detailed", *dates, "--format", "pdf", "-o", "detailed.pdf")
    pdf = (work / "detailed.pdf").read_bytes()
    check(
        pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and b"/FontFile2" in pdf,
        "detailed.pdf is a PDF with its fonts embedded",
        f"{len(pdf)} bytes",
    )
    if shutil.which("pdftotext"):  # poppler-utils, which CI installs
        shown = subprocess.run(
            ["pdftotext", str(work / "detailed.pdf"), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        check("Smoke Customer" in shown and "Detailed report" in shown, "detailed.pdf's text")


def binary_env(args) -> dict[str, str]:
    """The caller's environment without Python's or the server's settings, nor a venv on PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TIMETRACKER_", "PYTHON", "VIRTUAL_ENV", "LD_LIBRARY_PATH"))
    }
    venv = os.environ.get("VIRTUAL_ENV")
    path = [p for p in env.get("PATH", os.defpath).split(os.pathsep) if not venv or venv not in p]
    env["PATH"] = os.pathsep.join(path)
    env["TIMETRACKER_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    env["TIMETRACKER_RATELIMIT_STORAGE"] = args.ratelimit_storage
    env["TIMETRACKER_RATELIMIT_KEY_PREFIX"] = f"smoke-{os.getpid()}-{time.time_ns()}"
    if args.db:
        env["TIMETRACKER_DATABASE_URL"] = args.db
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", type=Path, help="the built binary, e.g. dist/timetracker")
    parser.add_argument("--db", help="an empty database URL instead of a new SQLite file")
    parser.add_argument("--restore-db", help="an empty database to restore the backup into")
    parser.add_argument("--ratelimit-storage", default="memory://")
    parser.add_argument(
        "--hide-python",
        action="store_true",
        help="run the binary where no Python and no time zone database can be found "
        "(needs unshare and root)",
    )
    parser.add_argument(
        "--max-size-mb",
        type=float,
        default=60,
        help="the largest the file may be (default: 60 MB), so that what bloats it is noticed",
    )
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="COMMAND",
        help="with --starts: an installed timetracker command (e.g. .venv/bin/timetracker) "
        "whose start to healthy is measured too, in turns with the binary's",
    )
    parser.add_argument(
        "--starts",
        type=int,
        default=0,
        metavar="N",
        help="after the checks, measure start to healthy N more times and print the median",
    )
    args = parser.parse_args()
    # A job started in the background of a shell without job control ignores SIGINT, and its
    # children would inherit that; a handler of our own is reset to the default by exec.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    path = args.binary.resolve()
    if not path.is_file():
        print(f"No binary at {path}", file=sys.stderr)
        return 1
    size_mb = path.stat().st_size / 1_000_000
    check(size_mb <= args.max_size_mb, f"size at most {args.max_size_mb:g} MB", f"{size_mb:.1f} MB")
    scratch = Path(tempfile.mkdtemp(prefix="timetracker-smoke-"))
    healthy, starts = None, {}
    try:
        workdir = scratch / "work"
        workdir.mkdir()
        prefix = []
        if args.hide_python:
            hidden = hidden_paths()
            print("hidden from the binary: " + " ".join(hidden))
            prefix = ["unshare", "-m", "sh", "-c", HIDE_SCRIPT, "sh", *hidden, "--"]
        binary = Binary(path, workdir, scratch, binary_env(args), prefix)
        version = binary.run("--version").stdout.strip()
        check(re.fullmatch(r"timetracker, version \S+", version) is not None, "--version", version)
        healthy = first_start(binary, free_port(), sqlite=not args.db)
        binary.run("demo")
        binary.run("set-password", "admin", "--password", "manager")
        binary.run(
            "create-user", "smoke", "--password", "smoke-pass", "--permission", "enterTimeTrack"
        )
        with_demo(binary, free_port())
        commands(binary, args)
        left = binary.unpacked_left()
        check(not left, "every run removed what it unpacked", left)
        starts = measure_starts(binary, args) if args.starts > 0 else {}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"size: {size_mb:.1f} MB")
    print(f"start to healthy: {healthy:.2f} s" if healthy else "start to healthy: never")
    for name, seconds in starts.items():
        print(
            f"{name}: start to healthy, median of {len(seconds)}: "
            f"{statistics.median(seconds):.2f} s ({min(seconds):.2f} to {max(seconds):.2f})"
        )
    if len(starts) == 2:
        binary_s, installed_s = (statistics.median(v) for v in starts.values())
        print(f"the binary takes {binary_s / installed_s:.2f}x the installed package's time")
    if failures:
        print(f"{len(failures)} check(s) failed: " + "; ".join(failures), file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
