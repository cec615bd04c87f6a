"""Queries on tags and on the tags time entries carry (``time_entry_tags``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import ColumnElement, Connection, delete, insert, select

from timetracker.store.entities import Entity
from timetracker.store.prepared import insert_tuples
from timetracker.store.schema import tags, time_entries, time_entry_tags
from timetracker.store.util import among

TAGS = Entity(
    table=tags,
    base=select(tags),
    sort={"name": tags.c.name_key},
)


def of_entries(conn: Connection, entry_ids: Iterable[int]) -> dict[int, list[int]]:
    """The tag ids of each of these entries, sorted (one query however many entries; an entry
    without tags is left out)."""
    link = time_entry_tags
    return _by_entry(conn, entry_ids, select(link.c.time_entry_id, link.c.tag_id), link.c.tag_id)


def names_of_entries(conn: Connection, entry_ids: Iterable[int]) -> dict[int, list[str]]:
    """The names of each of these entries' tags, by name (an entry without tags is left out)."""
    link = time_entry_tags
    named = select(link.c.time_entry_id, tags.c.name).join(tags, tags.c.id == link.c.tag_id)
    return _by_entry(conn, entry_ids, named, tags.c.name_key)


def _by_entry(conn: Connection, entry_ids: Iterable[int], stmt, order) -> dict[int, list]:
    """``stmt`` ((entry id, value) of each entry's tags) for these entries, as lists of values
    by entry, in ``order``."""
    ids = sorted(set(entry_ids))
    found: dict[int, list] = {}
    if not ids:
        return found
    link = time_entry_tags
    rows = conn.execute(
        stmt.where(among(link.c.time_entry_id, ids)).order_by(link.c.time_entry_id, order)
    )
    for entry_id, value in rows:
        found.setdefault(entry_id, []).append(value)
    return found


def set_of_entry(conn: Connection, entry_id: int, tag_ids: Sequence[int]) -> None:
    """Make the entry carry exactly these tags."""
    link = time_entry_tags
    conn.execute(delete(link).where(link.c.time_entry_id == entry_id))
    if tag_ids:
        rows = [{"time_entry_id": entry_id, "tag_id": t} for t in sorted(set(tag_ids))]
        conn.execute(insert(link), rows)


def carrying_any(tag_ids: Sequence[int], entry_id=time_entries.c.id) -> ColumnElement[bool]:
    """SQL: the entry (``entry_id``) carries at least one of these tags."""
    link = time_entry_tags
    return entry_id.in_(select(link.c.time_entry_id).where(link.c.tag_id.in_(tag_ids)))


def add_to_entries(conn: Connection, links: Iterable[tuple[int, int]]) -> None:
    """Attach tags to new entries: (entry id, tag id) pairs, in one ``executemany``."""
    insert_tuples(conn, time_entry_tags, ("time_entry_id", "tag_id"), sorted(set(links)))


def existing_ids(conn: Connection, tag_ids: Iterable[int]) -> set[int]:
    """Which of these tag ids exist."""
    ids = sorted(set(tag_ids))
    if not ids:
        return set()
    return set(conn.execute(select(tags.c.id).where(tags.c.id.in_(ids))).scalars())


def by_name_keys(conn: Connection, keys: Iterable[str]) -> dict[str, int]:
    """The ids of the tags with these case-folded names, by name key."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    stmt = select(tags.c.name_key, tags.c.id).where(tags.c.name_key.in_(keys))
    return dict(conn.execute(stmt).all())


def rows_of(conn: Connection, tag_ids: Iterable[int]) -> dict[int, Mapping]:
    """The tags with these ids, by id."""
    ids = sorted(set(tag_ids))
    if not ids:
        return {}
    return {
        row["id"]: row for row in conn.execute(select(tags).where(tags.c.id.in_(ids))).mappings()
    }
