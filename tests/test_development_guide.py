"""The README's Development section names only what exists.

Every backticked path in it is a file or directory (``api/crud.py`` is read in ``timetracker/``;
``tests/``, ``docs/``, ``bench/``, ``.ci/`` and ``packaging/`` paths and top-level files in the
repository), every module and symbol it names (``services/crud.py`` ``Resource``,
``access.catalogue_filter``, ``Resource.prepare_create``) is defined, every ``timetracker``
command it gives is one the command line knows, with its options, and its checklists are there.
Backticked text that is not code (HTTP paths, JSON, header and setting names, prose) is left
alone. A failure names the stale token.
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from timetracker.cli import main

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "timetracker"
README = ROOT / "README.md"
THIS = Path(__file__).resolve()
# First segments of paths read from the repository's root; the rest are read in timetracker/.
ROOT_DIRS = ("timetracker", "tests", "docs", "bench", ".ci", "packaging")
FILE_SUFFIXES = (".py", ".md", ".toml", ".txt", ".json", ".yml", ".yaml", ".cfg", ".spec")
# Dotted names that are not code: error keys.
NOT_CODE = ("api.error.",)
CHECKLISTS = ("### One request, end to end", "### How to add a field", "### How to add a resource")

NAME = r"[A-Za-z_]\w*"
PATH_TOKEN = re.compile(r"[\w.<>/-]+")
DOTTED = re.compile(rf"{NAME}(?:\.{NAME})+")
CALL = re.compile(rf"@?{NAME}(?:\.{NAME})*\(.*\)")
CALLED = re.compile(rf"({NAME}(?:\.{NAME})*)\(")
SETTING = re.compile(r"TIMETRACKER_[A-Z0-9_]+")


# --- the section and its tokens --------------------------------------------------------------


def development_section() -> str:
    text = README.read_text()
    start = text.index("\n## Development\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    # Fenced blocks are examples (shell sessions, JSON), not names of the code.
    return re.sub(r"^```.*?^```", "", section, flags=re.M | re.S)


SECTION = development_section()
TOKENS = re.findall(r"`([^`\n]+)`", SECTION)
# A module followed by one of its symbols: `services/crud.py` `Resource`.
PAIRS = re.findall(r"`([\w./-]+\.py)`\s+`([^`\s]+)`", SECTION)
LINKS = [t for t in re.findall(r"\]\(([^)\s]+)\)", SECTION) if "://" not in t]


def is_path(token: str) -> bool:
    return (
        not token.startswith("/")
        and PATH_TOKEN.fullmatch(token) is not None
        and ("/" in token or token.endswith(FILE_SUFFIXES))
    )


def paths_in(token: str) -> list[str]:
    """The paths a token names: itself, or the repository paths inside a command."""
    if " " not in token:
        return [token] if is_path(token) else []
    return [w for w in token.split() if w.startswith(tuple(d + "/" for d in ROOT_DIRS))]


def names_in(token: str) -> list[str]:
    """The code names a token gives: `Resource`, `access.catalogue_filter`, the functions of
    `crud_blueprint(Crud(...))` and `@payload_schema("<kind>")`."""
    if CALL.fullmatch(token):
        return CALLED.findall(token)
    if " " in token or is_path(token) or SETTING.fullmatch(token):
        return []
    if DOTTED.fullmatch(token) and not token.startswith(NOT_CODE):
        return [token]
    if re.fullmatch(NAME, token):
        return [token]
    return []


def resolve(path: str) -> Path:
    if path.split("/")[0] in ROOT_DIRS or (ROOT / path).exists():
        return ROOT / path
    return PACKAGE / path


# --- finding symbols -------------------------------------------------------------------------


def python_files() -> list[Path]:
    files = [*PACKAGE.rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    return [p for p in files if p.resolve() != THIS]


@cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


@cache
def all_source() -> str:
    return "\n".join(p.read_text() for p in python_files())


def defined(body: list[ast.stmt]) -> set[str]:
    """The names a module or class body defines."""
    names: set[str] = set()
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        names.add(sub.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def has_attribute(module: str, attributes: list[str]) -> bool:
    try:
        value = importlib.import_module(module)
    except ImportError:
        return False
    for attribute in attributes:
        if not hasattr(value, attribute):
            return False
        value = getattr(value, attribute)
    return True


def in_file(path: Path, symbol: str) -> bool:
    """Whether ``symbol`` (``name`` or ``Class.member``) is defined in the file: imported
    when in the package (inherited members count), read otherwise."""
    parts = symbol.split(".")
    if path.is_relative_to(PACKAGE) and has_attribute(module_name(path), parts):
        return True
    return class_member(path, *parts) if len(parts) == 2 else parts[0] in all_defined(path)


def all_defined(path: Path) -> set[str]:
    """Every name defined anywhere in the file, nested classes and functions too."""
    return {
        node.name
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    } | defined(parsed(path).body)


def class_member(path: Path, cls: str, member: str) -> bool:
    return any(
        isinstance(node, ast.ClassDef) and node.name == cls and member in defined(node.body)
        for node in ast.walk(parsed(path))
    )


def name_exists(name: str) -> bool:
    """A dotted name: a module's symbol (``access.catalogue_filter``, ``db.commit_request``)
    or a class's member (``Resource.prepare_create``, ``Corpus.seed``)."""
    parts = name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        head, rest = parts[:split], parts[split:]
        modules = {".".join(head) if head[0] == "timetracker" else "timetracker." + ".".join(head)}
        if split == 1:
            modules |= {module_name(p) for p in PACKAGE.rglob(f"{head[0]}.py")}
        if any(has_attribute(m, rest) for m in modules):
            return True
    return any(in_file(path, name) for path in python_files() if parts[0] in all_defined(path))


def word_exists(word: str) -> bool:
    if word.startswith("test_"):
        return (ROOT / "tests" / f"{word}.py").exists() or f"def {word}(" in all_source()
    return re.search(rf"\b{re.escape(word)}\b", all_source()) is not None


def command_problem(token: str) -> str | None:
    """Why the command line does not know ``timetracker <command> [--options]``, or None."""
    words = token.split()
    for stop in (">", "|", "<"):
        if stop in words:
            words = words[: words.index(stop)]
    path, command = [], main
    for word in words[1:]:
        if not isinstance(command, click.Group) or word.startswith("-"):
            break
        if word not in command.commands:
            return f"no command {' '.join(['timetracker', *path, word])!r}"
        path.append(word)
        command = command.commands[word]
    result = CliRunner().invoke(main, [*path, "--help"])
    if result.exit_code != 0:
        return f"`timetracker {' '.join(path)} --help` exited {result.exit_code}"
    options = [w.split("=")[0] for w in words if w.startswith("--")]
    unknown = [o for o in options if not re.search(rf"{re.escape(o)}\b", result.output)]
    return f"unknown options {unknown}" if unknown else None


# --- the tests -------------------------------------------------------------------------------


def report(problems: list[str]) -> str:
    return "the Development section of README.md names what does not exist:\n" + "\n".join(problems)


def test_every_path_exists():
    paths = [p for t in TOKENS for p in paths_in(t)] + LINKS
    assert len(paths) > 30  # the section is read, not skipped
    problems = []
    for path in paths:
        fixed = path.split("<")[0].rsplit("/", 1)[0] if "<" in path else path
        if fixed and not resolve(fixed).exists():
            problems.append(f"`{path}`: no {resolve(fixed).relative_to(ROOT)}")
    assert not problems, report(problems)


def test_every_module_symbol_pair_exists():
    assert len(PAIRS) > 10
    problems = []
    for path, symbol in PAIRS:
        for name in names_in(symbol) or [symbol]:
            if not resolve(path).exists() or not in_file(resolve(path), name):
                problems.append(f"`{path}` `{symbol}`: {path} defines no {name}")
    assert not problems, report(problems)


def test_every_dotted_name_exists():
    dotted = [n for t in TOKENS for n in names_in(t) if "." in n]
    assert len(dotted) > 10
    problems = [
        f"`{n}`: no such module symbol or class member" for n in dotted if not name_exists(n)
    ]
    assert not problems, report(problems)


def test_every_plain_name_is_in_the_code():
    words = [n for t in TOKENS for n in names_in(t) if "." not in n]
    assert len(words) > 20
    problems = [f"`{w}`: in no file of timetracker/ or tests/" for w in words if not word_exists(w)]
    assert not problems, report(problems)


def test_every_command_is_known():
    commands = [t for t in TOKENS if t.startswith("timetracker ")]
    assert commands
    found = {t: command_problem(t) for t in commands}
    problems = [f"`{t}`: {problem}" for t, problem in found.items() if problem]
    assert not problems, report(problems)


@pytest.mark.parametrize("heading", CHECKLISTS)
def test_the_checklists_are_there_and_their_tests_exist(heading):
    assert f"\n{heading}\n" in SECTION, f"README.md's Development section lost {heading!r}"
    body = SECTION.split(f"\n{heading}\n", 1)[1].split("\n### ", 1)[0]
    steps = re.findall(r"^\d+\. ", body, re.M)
    assert len(steps) >= 4, f"{heading!r} has {len(steps)} numbered steps"
    if heading != CHECKLISTS[0]:
        cited = re.findall(r"`(tests/[\w/]+\.py)`", body)
        assert cited, f"{heading!r} names no test that guards it"
        missing = [t for t in cited if not (ROOT / t).exists()]
        assert not missing, f"{heading!r} cites tests that do not exist: {missing}"
