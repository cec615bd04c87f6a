"""Invoices."""

from __future__ import annotations

from timetracker.api.crud import Crud, crud_blueprint
from timetracker.schemas import invoices as s
from timetracker.services.invoices import invoices

blp = crud_blueprint(
    Crud(
        service=invoices,
        path="/invoices",
        item_path="/invoices/<int32:id>",
        description="Invoices: the billable time of a period marked as billed: the time "
        "entries marked billable, or without a mark on tasks whose type of work is billable, "
        "and the time-track records holding them (`billedMinutes`: the billed entries' minutes; "
        "entries not billable stay unbilled). A billed record takes no change "
        "(403 api.error.timetrack_billed) and its task, project and customer cannot be deleted "
        "(400 api.error.billed_time) until its invoice is deleted. Invoices are not modified: "
        "delete one (its records become unbilled) and create it again. Reading, creating and "
        "deleting need Manage Accounts & Permissions (every record) or Manage Cost & Billing "
        "Data (the records of your assigned team on your scope of work: you see the invoices "
        "with no record outside them).",
        schema=s.InvoiceSchema,
        list_schema=s.InvoiceListSchema,
        list_args=s.InvoiceListArgs,
        create_schema=s.InvoiceCreateSchema,
        update_schema=None,
        docs={
            "list": "List invoices",
            "create": """Create an invoice

            Marks every not yet billed record from `dateFrom` to `dateTo` that holds billable
            minutes, and its billable entries, as billed by the new invoice: only records of
            `userIds`, and on tasks of `projectIds` (or, without projectIds, of
            `customerIds`), when given. With Manage Cost & Billing Data
            only the records of your assigned team on your scope of work are billed, and
            naming a user, customer or project outside them is refused (403). An invoice
            billing no record is made all the same. `number` is unique case-insensitively
            (400 api.error.invoice_exists).
            """,
            "get": "Get an invoice",
            "delete": """Delete an invoice

            Its records become unbilled again: they take changes and can be billed anew.
            """,
        },
    )
)

blueprints = [blp]
