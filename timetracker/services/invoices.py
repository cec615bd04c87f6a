"""Rules of invoices.

An invoice marks every not yet billed time-track record of a period that holds billable
minutes (of entries marked billable, or following a billable type of work), and those billable
entries, optionally of some customers, projects (which win over customers,
as in ``GET /timetrack``) and users, as billed by it. A billed record refuses changes
(``services.timetrack``) and blocks deleting its task, project or customer
(``services.catalogue``) until the invoice is deleted, which releases its records.

Invoices are not modified: delete one and make it again. Manage Accounts & Permissions bills
everything; Manage Cost & Billing Data bills the records of its assigned team on its scope of
work only, and naming a user, customer or project outside them is refused whole (403).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import access_denied, already_exists
from timetracker.services import crud
from timetracker.services.catalogue import ensure_users_exist
from timetracker.services.entry_settings import rounding_of
from timetracker.services.periods import check_range
from timetracker.services.users import users
from timetracker.store import entities
from timetracker.store import invoices as store
from timetracker.store import settings as settings_store
from timetracker.store.catalogue import CUSTOMERS, PROJECTS
from timetracker.store.invoices import INVOICES
from timetracker.store.timetrack import hold_users


class Invoices(crud.Resource):
    kind, label, exists_key, entity = "invoice", "Invoice", "invoice_exists", INVOICES

    def visible(self, caller: Caller):
        return access.invoice_filter(caller)

    def ensure_can_see(self, conn: Connection, caller: Caller, row: RowMapping) -> None:
        access.ensure_can_bill(caller)
        if not self.can_see(conn, caller, row):
            raise access_denied("The invoice bills time outside your team or scope of work")

    def present(self, conn: Connection, caller: Caller, rows: list) -> list:
        """The users an invoice was made for, those of them the caller may see."""
        named = {user_id for row in rows for user_id in row["user_ids"] or ()}
        if not named:
            return rows
        seen = {user["id"] for user in users.visible_rows(conn, caller, named)}
        return [
            {**row, "user_ids": [u for u in row["user_ids"] if u in seen]}
            if row["user_ids"]
            else row
            for row in rows
        ]

    def ensure_can_change(self, conn: Connection, caller: Caller, row) -> None:
        access.ensure_can_bill(caller)
        if row is not None:
            self.ensure_can_see(conn, caller, row)

    def list(self, conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
        access.ensure_can_bill(caller)
        return super().list(conn, caller, args)

    def create(self, conn: Connection, caller: Caller, values: Mapping[str, Any]) -> Any:
        self.ensure_can_change(conn, caller, None)
        check_range(values["date_from"], values["date_to"])
        values = {**values, **{k: sorted(set(v)) for k, v in values.items() if k.endswith("_ids")}}
        ensure_users_exist(conn, values.get("user_ids") or (), "userIds")
        customers = _rows(conn, CUSTOMERS, values.get("customer_ids"), "customerIds")
        projects = _rows(conn, PROJECTS, values.get("project_ids"), "projectIds")
        access.ensure_can_bill_for(conn, caller, values.get("user_ids"), customers, projects)
        if store.number_is_taken(conn, values["number"]):
            raise already_exists(self.label, self.exists_key, "number")
        reach = access.billing_reach(caller)
        # The users' write locks, as approvals take them: a change of time racing the invoice
        # lands either before it (and is billed as changed) or after it (and is refused).
        hold_users(conn, store.billable_user_ids(conn, values, reach))
        invoice_id = store.create(conn, values, caller.id, reach, rounding_of(conn))
        created = self.one(conn, caller, self.find(conn, invoice_id))
        self.record(conn, caller, "create", created, subjects=self.event_subjects(conn, created))
        return created

    def event_subjects(self, conn: Connection, row) -> list[dict[str, int]]:
        """Every user and task the invoice bills: a reader of its events must reach them all,
        as ``GET /invoices/{id}`` asks."""
        return store.billed_subjects(conn, row["id"])

    def before_delete(self, conn, caller, row, options) -> None:
        store.release(conn, row["id"])


def _rows(conn: Connection, entity, ids, field: str) -> list[RowMapping]:
    """The rows of the ids a body names (404 naming ``field`` for unknown ones)."""
    if not ids:
        return []
    crud.ensure_exist(conn, entity, ids, field)
    return entities.rows_by_ids(conn, entity, ids)


invoices = Invoices()


def document_of(conn: Connection, caller: Caller, invoice_id: int) -> tuple[Any, list, str]:
    """An invoice as :meth:`Invoices.get` answers it (404 unknown, or out of the caller's
    reach), the lines of its document (the minutes it billed per task, with each task's
    customer, project, type of work and that type of work's rate) and the company currency."""
    invoice = invoices.get(conn, caller, invoice_id)
    currency = settings_store.company_settings_map(conn)["currency"]
    return invoice, store.invoice_lines(conn, invoice_id), currency
