"""The endpoints of the shared CRUD shape, built from a description of a resource.

``GET /x`` (the list conventions), ``POST /x``, ``GET /x/{id}``, ``PATCH /x/{id}`` and
``DELETE /x/{id}`` (a resource may go without PATCH or DELETE): each view parses its arguments,
calls the resource's service (:class:`timetracker.services.crud.Resource`) with the caller, and
dumps the answer. What differs
between resources is data here (schemas, documentation, the path parameter) and hooks in the
service. The ``Crud(...)`` declarations in the resource modules therefore look alike by design,
and each names its two paths literally (``path="/customers"``,
``item_path="/customers/<int32:id>"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask.views import MethodView
from marshmallow import Schema

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, doc
from timetracker.api.documents import document_response, documented, export_format
from timetracker.services.crud import Resource
from timetracker.store.db import get_db, get_engine

# Errors each operation documents (authenticated operations add 400, 401, 403 and 429).
ERRORS = {
    "list": (),
    "create": (413, 415),
    "get": (404,),
    "update": (404, 413, 415),
    "delete": (404,),
}


TOTAL_HEADER = {
    "X-Total-Count": {
        "description": "Every matching object, counted (with withTotal=true)",
        "schema": {"type": "integer"},
    }
}


@dataclass(frozen=True)
class Crud:
    service: Resource
    path: str  # the collection's path under /api/v1 ("/customers"); its name is the tag's
    item_path: str  # one object's path ("/customers/<int32:id>"), its parameter last
    description: str
    schema: type[Schema]
    list_schema: type[Schema]
    list_args: type[Schema]
    # None: the resource module declares its own POST (time entries take an array too)
    create_schema: type[Schema] | None
    # None: objects are not modified (no PATCH)
    update_schema: type[Schema] | None
    # operation ("list", "create", "get", "update", "delete") -> its summary and description
    docs: Mapping[str, str]
    delete_args: type[Schema] | None = None
    deletable: bool = True
    # Extra documented error statuses per operation.
    errors: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # Applied to a create or update body before the service sees it (outside the transaction).
    prepare_body: Callable[[dict], dict] | None = None
    # Routes to register between the collection and the item (their order in the document).
    extra_routes: Callable[[Blueprint], None] | None = None
    # The list answers CSV and Excel too (``format=csv|xlsx`` or the Accept header): its columns
    # as (header, row key), and the document's CSV example. The list arguments then include
    # ExportArgs.
    csv: Sequence[tuple[str, str]] | None = None
    csv_example: str = ""
    # The list counts every match into X-Total-Count when asked (``withTotal=true``).
    counted: bool = False
    # One object answers a document too: the GET's query arguments, the view's answer to
    # them (the object's id after them; None: the JSON answer) and, given the blueprint, the
    # decorator that documents the document.
    item_document: tuple[type[Schema], Callable[..., Any], Callable] | None = None

    @property
    def collection(self) -> str:
        """The collection's name: the blueprint's and the document's tag."""
        return self.path.lstrip("/")

    @property
    def param(self) -> str:
        """The name of the item path's parameter, which names the object."""
        return _LAST_PARAMETER.search(self.item_path).group(1)


_LAST_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>$")


def crud_blueprint(spec: Crud) -> Blueprint:
    blp = Blueprint(spec.collection, __name__, url_prefix="/api/v1", description=spec.description)
    service, param = spec.service, spec.param
    prepare = spec.prepare_body or (lambda body: body)

    def errors(operation: str):
        return blp.errors(*ERRORS[operation], *spec.errors.get(operation, ()))

    csv = spec.csv
    also_documents = documented(blp, spec.csv_example) if csv else (lambda view: view)
    list_headers = TOTAL_HEADER if spec.counted else None

    @blp.route(spec.path)
    class Collection(MethodView):
        @blp.arguments(spec.list_args, location="query")
        @blp.response(200, spec.list_schema, headers=list_headers)
        @also_documents
        @errors("list")
        @doc(spec.docs["list"])
        def get(self, args):
            chosen = export_format(args) if csv else None
            if chosen:
                rows = service.export(get_engine(), current_caller(), args, [k for _, k in csv])
                header = [h for h, _ in csv]
                return document_response(chosen, header, rows, spec.collection, [spec.schema])
            body = service.list(get_db(), current_caller(), args)
            if spec.counted and args.get("with_total"):
                total = service.count(get_db(), current_caller(), args)
                return body, 200, {"X-Total-Count": str(total)}
            return body

        if spec.create_schema is not None:

            @blp.arguments(spec.create_schema)
            @blp.response(200, spec.schema)
            @errors("create")
            @doc(spec.docs["create"])
            def post(self, body):
                body = prepare(body)
                return service.create(get_db(), current_caller(), body)

    if spec.extra_routes is not None:
        spec.extra_routes(blp)

    if spec.item_document is not None:
        item_args, answer_document, document_doc = spec.item_document

        @blp.arguments(item_args, location="query")
        @blp.response(200, spec.schema)
        @document_doc(blp)
        @errors("get")
        @doc(spec.docs["get"])
        def get_or_document(self, args, **path):
            document = answer_document(args, path[param])
            if document is not None:
                return document
            return service.get(get_db(), current_caller(), path[param])

    class Item(MethodView):
        @blp.response(200, spec.schema)
        @errors("get")
        @doc(spec.docs["get"])
        def get(self, **path):
            return service.get(get_db(), current_caller(), path[param])

        if spec.item_document is not None:
            get = get_or_document  # the same answer, or a document of it when asked

        if spec.update_schema is not None:

            @blp.arguments(spec.update_schema)
            @blp.response(200, spec.schema)
            @errors("update")
            @doc(spec.docs["update"])
            def patch(self, body, **path):
                body = prepare(body)
                return service.update(get_db(), current_caller(), path[param], body)

        if spec.deletable:
            if spec.delete_args is not None:

                @blp.arguments(spec.delete_args, location="query")
                @blp.response(204)
                @errors("delete")
                @doc(spec.docs["delete"])
                def delete(self, args, **path):
                    service.delete(get_db(), current_caller(), path[param], args)

            else:

                @blp.response(204)
                @errors("delete")
                @doc(spec.docs["delete"])
                def delete(self, **path):
                    service.delete(get_db(), current_caller(), path[param], {})

    blp.route(spec.item_path)(Item)
    return blp
