"""The index of the server's routes: each method and path, the view that answers it, and the
service functions that view calls (``timetracker routes``; ``docs/routes.md`` is its Markdown).

The service functions are read from the view's own code, so nothing has to be declared for a
new view to be indexed: every function of ``timetracker.services`` that the view's body calls
or hands on (``_per_object(args, totals.user_list, ...)``) is named, whether it is a module's
function (``totals.of_object``), a service object's method (``service.list``, where ``service``
is the resource the view was built for, such as ``timetracker.services.catalogue.customers``)
or a function imported by name. A view that uses no service (the health check, the document)
has none.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from flask import Flask

SERVICES = "timetracker.services"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")  # HEAD and OPTIONS are Flask's own


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    view: str  # the dotted name of the function that answers
    services: tuple[str, ...]  # the dotted names of the service functions it calls


def routes(app: Flask) -> list[Route]:
    """Every route of ``app``, in the order they were registered (the document's)."""
    objects = _service_objects()
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in (m for m in METHODS if m in (rule.methods or ())):
            if view_class is not None:
                function = getattr(view_class, method.lower())
                name = f"{view_class.__module__}.{view_class.__qualname__}.{method.lower()}"
            else:
                function = view
                name = f"{view.__module__}.{view.__qualname__}"
            found.append(Route(method, rule.rule, name, _services_called(function, objects)))
    return found


def _service_objects() -> dict[int, str]:
    """The service objects (``customers``, ``users``, ...) by id, each with the dotted name
    under which the module of its class holds it."""
    named: dict[int, str] = {}
    for module_name, module in sorted(sys.modules.items()):
        if not module_name.startswith(SERVICES + ".") or module is None:
            continue
        for name, value in vars(module).items():
            if name.startswith("_") or _is_definition(value):
                continue
            if type(value).__module__ == module_name or id(value) not in named:
                named[id(value)] = f"{module_name}.{name}"
    return named


def _is_function(value: Any) -> bool:
    """A function or method (not a class: making a service's value is not calling it)."""
    return callable(value) and not inspect.isclass(value)


def _is_definition(value: Any) -> bool:
    return inspect.ismodule(value) or inspect.isclass(value) or callable(value)


def _services_called(function: Callable, objects: dict[int, str]) -> tuple[str, ...]:
    """The service functions ``function``'s body calls or hands on, in the order they
    appear."""
    original = inspect.unwrap(function)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(original)))
    except (OSError, TypeError):  # no source (a library's view compiled elsewhere)
        return ()
    names = inspect.getclosurevars(original)
    scope = {**names.builtins, **names.globals, **names.nonlocals}
    definition = tree.body[0]
    body = definition.body if isinstance(definition, ast.FunctionDef) else []  # no decorators
    references = sorted(
        (
            node
            for statement in body
            for node in ast.walk(statement)
            if isinstance(node, (ast.Name, ast.Attribute))
        ),
        key=lambda node: (node.lineno, node.col_offset),
    )
    called: dict[str, None] = {}
    for node in references:
        target = _service_target(node, scope, objects)
        if target is not None:
            called[target] = None
    return tuple(called)


def _service_target(func: ast.expr, scope: dict[str, Any], objects: dict[int, str]) -> str | None:
    """The dotted name of ``name`` or ``name.attribute``, when it is a service's function."""
    if isinstance(func, ast.Name):
        value = scope.get(func.id)
        if _is_function(value) and getattr(value, "__module__", "").startswith(SERVICES + "."):
            return f"{value.__module__}.{value.__qualname__}"
        return None
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    holder = scope.get(func.value.id)
    if isinstance(holder, ModuleType):
        if not holder.__name__.startswith(SERVICES + "."):
            return None
        value = getattr(holder, func.attr, None)
        if inspect.isfunction(value):  # where it is defined, if imported into that module
            return f"{value.__module__}.{value.__qualname__}"
        return f"{holder.__name__}.{func.attr}" if _is_function(value) else None
    if id(holder) in objects and _is_function(getattr(holder, func.attr, None)):
        return f"{objects[id(holder)]}.{func.attr}"
    return None


def text_table(found: list[Route]) -> Iterator[str]:
    """The index as aligned columns."""
    rows = [("METHOD", "PATH", "VIEW", "SERVICE")] + [
        (r.method, r.path, r.view, ", ".join(r.services)) for r in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for *cells, services in rows:
        line = "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        yield f"{line}  {services}".rstrip()


def markdown(found: list[Route]) -> Iterator[str]:
    """The index as a Markdown page (``docs/routes.md``)."""
    yield "# Routes"
    yield ""
    yield (
        "Every route of the server (`/api/v1/metrics` only with `TIMETRACKER_METRICS`), the view "
        "that answers it and the service functions the view calls. Generated: after changing a "
        "route, run `timetracker routes --markdown > docs/routes.md`."
    )
    yield ""
    yield "| Method | Path | View | Service |"
    yield "| --- | --- | --- | --- |"
    for r in found:
        services = "<br>".join(f"`{s}`" for s in r.services)
        yield f"| {r.method} | `{r.path}` | `{r.view}` | {services} |"
