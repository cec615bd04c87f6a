"""The list conventions every collection shares: envelope, paging, sort with a tie-breaker,
ids, name, words, archived."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from timetracker.store.schema import customers


@pytest.fixture
def many_customers(admin):
    names = ["delta", "Alpha", "charlie", "Bravo", "echo 50% off", "alpha_beta", "Foxtrot"]
    return [admin.ok("post", "/customers", {"name": n, "archived": n == "Foxtrot"}) for n in names]


def names(body):
    return [item["name"] for item in body["items"]]


def test_envelope_defaults(admin, many_customers):
    body = admin.ok("get", "/customers")
    assert (body["offset"], body["limit"]) == (0, 1000)
    assert [c["id"] for c in body["items"]] == sorted(c["id"] for c in many_customers)


def test_paging(admin, many_customers):
    body = admin.ok("get", "/customers?offset=2&limit=3")
    assert (body["offset"], body["limit"]) == (2, 3)
    assert [c["id"] for c in body["items"]] == [c["id"] for c in many_customers[2:5]]
    assert admin.ok("get", "/customers?offset=100")["items"] == []
    assert admin.ok("get", "/customers?limit=0")["items"] == []


@pytest.mark.parametrize(
    "query",
    [
        "limit=1001",
        "limit=-1",
        "offset=-1",
        "limit=ten",
        "ids=1,x",
        "archived=perhaps",
        "sort=+colour",
        "sort=name;drop",
    ],
)
def test_bad_list_arguments_are_400(admin, query):
    response = admin.get(f"/customers?{query}")
    assert response.status_code == 400, query
    assert response.get_json()["key"] == "api.error.invalid_argument"


def test_sort_is_case_insensitive_and_accepts_unencoded_plus(admin, many_customers):
    expected = ["alpha_beta", "Alpha", "Bravo", "charlie", "delta", "echo 50% off", "Foxtrot"]
    expected = sorted(expected, key=str.lower)
    assert names(admin.ok("get", "/customers?sort=%2Bname")) == expected
    assert names(admin.ok("get", "/customers?sort=+name")) == expected  # '+' decodes to ' '
    assert names(admin.ok("get", "/customers?sort=name")) == expected
    assert names(admin.ok("get", "/customers?sort=-name")) == expected[::-1]


def test_sort_ties_are_broken_by_id_so_pages_never_repeat(app, admin, many_customers):
    # Give every customer the same creation time: only the tie-breaker orders them.
    with app.extensions["timetracker"]["engine"].begin() as conn:
        conn.execute(update(customers).values(created=1_600_000_000_000))
    seen = []
    for offset in range(0, len(many_customers), 2):
        page = admin.ok("get", f"/customers?sort=-created&offset={offset}&limit=2")
        seen.extend(c["id"] for c in page["items"])
    assert seen == sorted(c["id"] for c in many_customers)


def test_multiple_sort_fields(admin, catalogue):
    body = admin.ok("get", "/tasks?sort=%2Bstatus,%2Bname")
    assert names(body) == ["Release", "Build", "Design", "Migrate data"]
    body = admin.ok("get", "/tasks?sort=-status,-name")
    assert names(body) == ["Migrate data", "Design", "Build", "Release"]


def test_ids_name_and_words_filters(admin, many_customers):
    ids = f"{many_customers[0]['id']},{many_customers[3]['id']}"
    assert names(admin.ok("get", f"/customers?ids={ids}")) == ["delta", "Bravo"]
    assert names(admin.ok("get", "/customers?name=ALPHA")) == ["Alpha"]
    assert names(admin.ok("get", "/customers?name=alp")) == []
    assert names(admin.ok("get", "/customers?words=alpha")) == ["Alpha", "alpha_beta"]
    assert names(admin.ok("get", "/customers?words=BETA%20alpha")) == ["alpha_beta"]
    # LIKE wildcards in the words are matched literally.
    assert names(admin.ok("get", "/customers?words=50%25")) == ["echo 50% off"]
    assert names(admin.ok("get", "/customers?words=a_b")) == ["alpha_beta"]


def test_empty_words_do_not_filter(admin, many_customers):
    assert len(admin.ok("get", "/customers?words=%20")["items"]) == len(many_customers)


def test_archived_filter(admin, many_customers):
    assert names(admin.ok("get", "/customers?archived=true")) == ["Foxtrot"]
    assert "Foxtrot" not in names(admin.ok("get", "/customers?archived=false"))
    assert len(admin.ok("get", "/customers")["items"]) == len(many_customers)
