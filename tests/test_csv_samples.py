"""The document's CSV examples of customers, projects and tasks are built from their schemas: a
field added to a schema gets a sample of its kind, and the example's header is the header of
the CSV the list answers."""

from __future__ import annotations

import csv
import io

import pytest
from marshmallow import fields, validate

from timetracker.api.catalogue import NOT_IN_CSV
from timetracker.api.csv_stream import csv_columns, csv_example
from timetracker.schemas.catalogue import TaskSchema


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_new_field_gets_a_sample_of_its_kind():
    class Unknown(fields.Field):
        pass

    class ExtendedTask(TaskSchema):  # a subclass: TaskSchema itself stays as it is
        priority = fields.Integer()
        rating = fields.Float()
        billable = fields.Boolean()
        due = fields.Date()
        label = fields.String()
        size = fields.String(validate=validate.OneOf(("small", "large")))
        code = fields.String(metadata={"sample": "=SUM(A1)"})
        other = Unknown()

    columns = csv_columns(ExtendedTask, NOT_IN_CSV)
    header, row = parsed(csv_example(ExtendedTask, columns))
    assert header == [name for name, _ in columns]
    sample = dict(zip(header, row, strict=True))
    assert sample["projectName"] == "Website"  # the declared fields keep theirs
    assert sample["priority"] == "1"
    assert sample["rating"] == "1.5"
    assert sample["billable"] == "false"
    assert sample["due"] == "2026-03-31"
    assert sample["label"] == "Text"
    assert sample["size"] == "small"
    assert sample["code"] == "'=SUM(A1)"  # written as an answer is
    assert sample["other"] == ""
    assert "priority" not in TaskSchema().fields


@pytest.mark.parametrize("collection", ["customers", "projects", "tasks"])
def test_the_documented_example_has_the_answers_header(admin, catalogue, collection):
    document = admin.ok("get", "/openapi.json")
    content = document["paths"][f"/api/v1/{collection}"]["get"]["responses"]["200"]["content"]
    example = parsed(content["text/csv"]["example"])
    answer = admin.get(f"/{collection}?format=csv")
    assert answer.status_code == 200
    rows = parsed(answer.get_data(as_text=True))
    assert example[0] == rows[0]
    assert len(example) == 2
    assert len(example[1]) == len(rows[1]) == len(rows[0])
