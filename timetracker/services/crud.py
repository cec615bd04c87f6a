"""The rules every resource with the shared CRUD shape follows, in one class.

A :class:`Resource` lists (the standard filters, the caller's visibility, ``includeReferenced``
maps), gets (404 for an unknown id, 403 for one out of reach), creates, modifies and deletes
named objects, with a free name (400 ``api.error.<kind>_exists``, case-insensitive, within the
parent when there is one). A resource says only how it differs by overriding the hooks:
``visible`` (what the caller may see), ``ensure_can_change`` (who may write),
``prepare_create`` / ``prepare_update`` (its own rules on a body), ``before_delete`` and
``present`` (per-object extras such as ``allowedActions``). ``api/crud.py`` builds the
endpoints from a resource.

Every ``includeReferenced`` map of every listing is made by :meth:`Resource.referenced`: the
objects the caller's own ``GET /<kind>/{id}`` would answer, as it answers them (the resource's
``visible`` condition in the query, its ``present``, and the same schema when dumped); objects
that GET would refuse are left out of the map.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

from sqlalchemy import Connection, Engine, RowMapping

from timetracker.access import Caller
from timetracker.errors import access_denied, already_exists, not_found, object_not_found
from timetracker.services import events
from timetracker.store import entities
from timetracker.store.entities import Entity

# The source of an ``includeReferenced`` map: a function giving the map's objects, as the
# caller's own GET of each would answer them (``Resource.referenced`` makes every one).
Source = Callable[[], list]


def by_id(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Objects keyed by their id as text: an ``includeReferenced`` map."""
    return {str(row["id"]): row for row in rows}


def referenced_maps(wanted: Iterable[str], sources: Mapping[str, Source]) -> dict[str, Any]:
    """The ``includeReferenced`` maps the caller asked for (``wanted``; values that are not
    maps, such as time-track's ``comments``, are left to their listing). Only those maps are
    fetched, one query each however long the answer."""
    return {name: by_id(sources[name]()) for name in wanted if name in sources}


def list_body(
    args: Mapping[str, Any], items: list, sources: Mapping[str, Source]
) -> dict[str, Any]:
    """The list envelope, with the ``includeReferenced`` maps the caller asked for."""
    body: dict[str, Any] = {
        "offset": args.get("offset", 0),
        "limit": args.get("limit", 1000),
        "items": items,
    }
    body.update(referenced_maps(args.get("includeReferenced") or (), sources))
    return body


def ensure_exist(
    conn: Connection, entity: Entity, ids: Iterable[int], field: str, what: str | None = None
) -> None:
    """404 naming ``field`` when a body lists ids of ``entity`` that do not exist."""
    ids = set(ids)
    missing = sorted(ids - entities.existing_ids(conn, entity, ids))
    if missing:
        listed = ", ".join(map(str, missing))
        raise object_not_found(f"{what or field + ':'} {listed} do not exist", field)


def reference(conn: Connection, entity: Entity, object_id: int, field: str) -> RowMapping:
    """An object a request body names (a parent, a setting): 404 naming ``field`` if unknown."""
    row = entities.get_row(conn, entity, object_id)
    if row is None:
        raise object_not_found(f"{field} {object_id} does not exist", field)
    return row


class Resource:
    kind: ClassVar[str]  # "customer": the API's name of one object
    label: ClassVar[str]  # "Customer", for messages
    exists_key: ClassVar[str]  # the error key of a duplicate name
    entity: ClassVar[Entity]

    # --- hooks ------------------------------------------------------------------------------

    def references(self) -> Mapping[str, tuple[Resource, str]]:
        """What its list's ``includeReferenced`` offers: map name -> (the resource referenced,
        the key of the items naming it)."""
        return {}

    def visible(self, caller: Caller):
        """The SQL condition (from ``access``) of the objects ``caller`` may see; None: all."""
        return None

    def can_see(self, conn: Connection, caller: Caller, row: RowMapping) -> bool:
        """Whether the existing object meets the caller's visibility condition (in SQL)."""
        condition = self.visible(caller)
        return condition is None or (
            entities.get_row_where(conn, self.entity, row["id"], condition) is not None
        )

    def ensure_can_see(self, conn: Connection, caller: Caller, row: RowMapping) -> None:
        """403 when ``caller`` may not see this existing object."""
        if not self.can_see(conn, caller, row):
            raise access_denied(f"You do not have access to this {self.label.lower()}")

    def ensure_can_change(
        self, conn: Connection, caller: Caller, row: Mapping[str, Any] | None
    ) -> None:
        """403 unless ``caller`` may change ``row`` (None: create one)."""
        raise NotImplementedError

    def list_condition(self, caller: Caller, args: Mapping[str, Any]):
        """The SQL condition a list applies (default: what the caller may see)."""
        return self.visible(caller)

    def list_filters(self, caller: Caller, args: Mapping[str, Any]) -> Mapping[str, Any]:
        """The list arguments as the store reads them (a resource may refuse or rewrite some)."""
        return args

    def prepare_create(
        self, conn: Connection, caller: Caller, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Check a create body against the resource's rules; return the columns to insert."""
        self.ensure_can_change(conn, caller, None)
        return dict(values)

    def prepare_update(
        self, conn: Connection, caller: Caller, row: RowMapping, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Check a change against the resource's rules; return the columns to update."""
        self.ensure_can_change(conn, caller, row)
        return dict(values)

    def before_delete(
        self, conn: Connection, caller: Caller, row: RowMapping, options: Mapping[str, Any]
    ) -> None:
        """Check (and prepare) a deletion, after the permission check."""

    def present(self, conn: Connection, caller: Caller, rows: list) -> list:
        """The rows as the API shows them (a resource may add per-object fields)."""
        return rows

    # --- the shared shape -------------------------------------------------------------------

    def find(self, conn: Connection, object_id) -> RowMapping:
        """The object, or a 404 for an unknown id."""
        row = entities.get_row(conn, self.entity, object_id)
        if row is None:
            raise not_found(self.label, object_id)
        return row

    def reachable(self, conn: Connection, caller: Caller, object_id) -> RowMapping:
        """The object if it exists (404) and ``caller`` may see it (403)."""
        row = self.find(conn, object_id)
        self.ensure_can_see(conn, caller, row)
        return row

    def one(self, conn: Connection, caller: Caller, row: RowMapping):
        return self.present(conn, caller, [row])[0]

    def visible_rows(self, conn: Connection, caller: Caller, ids: Iterable[int | None]) -> list:
        """The stored objects with these ids that ``caller`` may see (:meth:`visible`, applied
        in the query), in id order."""
        wanted = {object_id for object_id in ids if object_id is not None}
        return entities.rows_by_ids(conn, self.entity, wanted, self.visible(caller))

    def referenced(self, conn: Connection, caller: Caller, ids: Iterable[int | None]) -> list:
        """The objects with these ids exactly as the caller's ``GET`` of each answers them;
        those it would refuse are left out. Every ``includeReferenced`` map is made so."""
        return self.present(conn, caller, self.visible_rows(conn, caller, ids))

    def page(self, conn: Connection, caller: Caller, args: Mapping[str, Any]) -> list[RowMapping]:
        """The stored rows of one page of the list, before :meth:`present` (for another face
        that shows them its own way)."""
        return entities.list_rows(
            conn, self.entity, self.list_filters(caller, args), self.list_condition(caller, args)
        )

    def list(self, conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
        items = self.present(conn, caller, self.page(conn, caller, args))
        sources = {
            name: partial(resource.referenced, conn, caller, [item[key] for item in items])
            for name, (resource, key) in self.references().items()
        }
        return list_body(args, items, sources)

    def export(
        self, engine: Engine, caller: Caller, args: Mapping[str, Any], columns: Sequence[str]
    ) -> Iterator[tuple]:
        """Every object a list with ``args`` would page through, as tuples of ``columns``
        (keys of the stored rows), read lazily: a CSV export. The caller's visibility applies as
        in :meth:`list`, and is worked out now, before the first row is read."""
        return entities.export_rows(
            engine,
            self.entity,
            self.list_filters(caller, args),
            self.list_condition(caller, args),
            columns,
        )

    def count(self, conn: Connection, caller: Caller, args: Mapping[str, Any]) -> int:
        """How many objects :meth:`export` gives."""
        return entities.count_matching(
            conn, self.entity, self.list_filters(caller, args), self.list_condition(caller, args)
        )

    def get(self, conn: Connection, caller: Caller, object_id) -> Any:
        return self.one(conn, caller, self.reachable(conn, caller, object_id))

    def check_name(
        self, conn: Connection, name: str, *, scope_id=None, exclude_id: int | None = None
    ) -> None:
        if entities.name_is_taken(
            conn, self.entity, name, scope_id=scope_id, exclude_id=exclude_id
        ):
            raise already_exists(self.label, self.exists_key)

    def _scope_id(self, values: Mapping[str, Any], row: Mapping[str, Any] | None = None):
        """The parent the name must be unique within (None: the whole table)."""
        column = self.entity.name_scope
        if column is None:
            return None
        return values.get(column.key, row[column.key] if row is not None else None)

    def create(self, conn: Connection, caller: Caller, values: Mapping[str, Any]) -> Any:
        columns = self.prepare_create(conn, caller, values)
        self.check_name(conn, columns["name"], scope_id=self._scope_id(columns))
        created = self.one(conn, caller, self.find(conn, self.insert(conn, columns)))
        self.record(conn, caller, "create", created)
        return created

    def record_created(self, conn: Connection, caller: Caller, ids: Iterable[int]) -> None:
        """The create events of objects made in bulk (an import): one write for all."""
        shown = self.present(conn, caller, entities.rows_by_ids(conn, self.entity, ids))
        events.record(
            conn,
            caller,
            *(
                events.event(
                    f"{self.kind}.create",
                    row["id"],
                    events.representation(self.kind, row),
                    **events.about_object(self.kind, row),
                )
                for row in shown
            ),
        )

    def record(
        self,
        conn: Connection,
        caller: Caller,
        action: str,
        shown: Mapping[str, Any],
        before: Mapping[str, Any] | None = None,
        subjects: list[Mapping[str, int]] | None = None,
    ) -> None:
        """The event of a change: the object as shown (``one``), and for an update what it was
        before; ``subjects``: what an object about many records concerns
        (:meth:`event_subjects`)."""
        data = events.representation(self.kind, shown)
        changes = events.diff(events.representation(self.kind, before), data) if before else None
        about = events.about_object(self.kind, shown)
        name = f"{self.kind}.{action}"
        event = events.event(name, shown["id"], data, changes, subjects, **about)
        events.record(conn, caller, event)

    def event_subjects(self, conn: Connection, row: Mapping[str, Any]):
        """The records an object's events concern when it is about many (an invoice: those it
        bills), as ``events.event`` takes them; None: the object's own ids say it."""
        return None

    def insert(self, conn: Connection, columns: Mapping[str, Any]) -> int:
        return entities.insert_row(conn, self.entity, columns)

    def update(self, conn: Connection, caller: Caller, object_id, values: Mapping[str, Any]) -> Any:
        row = self.reachable(conn, caller, object_id)
        columns = self.prepare_update(conn, caller, row, values)
        scope_id = self._scope_id(columns, row)
        moved = self.entity.name_scope is not None and scope_id != row[self.entity.name_scope.key]
        if "name" in columns or moved:
            self.check_name(
                conn, columns.get("name", row["name"]), scope_id=scope_id, exclude_id=row["id"]
            )
        before = self.one(conn, caller, row)
        self.write(conn, row, columns)
        after = self.one(conn, caller, self.find(conn, row["id"]))
        self.record(conn, caller, "move" if moved else "update", after, before)
        return after

    def write(self, conn: Connection, row: RowMapping, columns: Mapping[str, Any]) -> None:
        entities.update_row(conn, self.entity, row["id"], columns)

    def delete(
        self, conn: Connection, caller: Caller, object_id, options: Mapping[str, Any]
    ) -> None:
        row = self.reachable(conn, caller, object_id)
        self.ensure_can_change(conn, caller, row)
        subjects = self.event_subjects(conn, row)  # before before_delete lets go of them
        self.before_delete(conn, caller, row, options)
        shown = self.one(conn, caller, row)
        entities.delete_row(conn, self.entity, row["id"])
        self.record(conn, caller, "delete", shown, subjects=subjects)
