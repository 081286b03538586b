"""The rows that go with an episode or a show in an archive (chapters, advice, listeners'
reports, follow-ups, mentor stories, any part table added later), and the mentor links
between the archive's guests.

Rows refer to each other without ids, which a new install assigns afresh: guests and topics
by slug, episodes by GUID, and other part rows by a `ref` made of their episode's GUID and
their place in it, so the same show gives the same archive on any install.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CursorResult, Table, insert, select
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.models import Episode, Guest, GuestLink, Show, Topic
from showapp.services.importing.archive_checks import clean_links
from showapp.services.importing.archive_format import (
    column_values,
    owner_column,
    parent_table,
    part_reference,
    part_tables,
    referenced_parts,
    slug_reference,
    table_values,
)

Parts = dict[int, dict[str, list[Any]]]
LINKS: Table = GuestLink.__table__  # type: ignore[assignment]


@dataclass
class ExportState:
    """What one export has seen so far: the refs given to part rows, by (table, id), and the
    guests part rows point at (they go in the archive with the credited ones)."""

    guids: dict[int, str]
    refs: dict[tuple[str, int], str] = field(default_factory=dict)
    guest_ids: set[int] = field(default_factory=set)


def export_parts(session: Session, show: Show, owner: str, state: ExportState) -> Parts:
    """{episode or show id: {table name: [row, ...]}} for every table of its parts."""
    found: Parts = defaultdict(dict)
    for table in part_tables(owner):
        rows = session.execute(_owned_rows(table, owner, show)).all()
        slugs = _referenced_slugs(session, table, rows)
        for row in rows:
            mapping = row._mapping
            owner_id = mapping["owner_id"]
            values = table_values(table, mapping)
            _write_references(table, owner, mapping, values, slugs, state)
            kept = found[owner_id].setdefault(table.name, [])
            if table.name in referenced_parts():
                key = state.guids.get(owner_id, "show") if owner == "episodes" else "show"
                values["ref"] = f"{table.name}:{key}:{len(kept)}"
                state.refs[(table.name, mapping[_primary_key(table)])] = values["ref"]
            kept.append(values)
    return found


def _owned_rows(table: Table, owner: str, show: Show) -> Any:
    column = owner_column(table, owner)
    parent = parent_table(table, owner)
    owned_by = owner_column(parent, owner) if parent is not None else column
    query = select(table, owned_by.label("owner_id")).order_by(*table.primary_key.columns)
    if parent is not None:
        target = next(iter(column.foreign_keys)).column
        query = query.join(parent, column == target)
    if owner == "episodes":
        return query.join(Episode, owned_by == Episode.id).where(Episode.show_id == show.id)
    return query.where(owned_by == show.id)


def _write_references(
    table: Table,
    owner: str,
    mapping: Any,
    values: dict[str, Any],
    slugs: dict[int, str],
    state: ExportState,
) -> None:
    direct_owner = owner_column(table, owner).key if parent_table(table, owner) is None else None
    for column in table.columns:
        value = mapping[column.key]
        if value is None or column.key == direct_owner or not column.foreign_keys:
            continue
        target = next(iter(column.foreign_keys)).column.table.name
        if (key := slug_reference(column)) is not None:
            values[key] = slugs[value]
            if target == "guests":
                state.guest_ids.add(value)
        elif (key := part_reference(column)) is not None:
            ref = (
                state.guids.get(value) if target == "episodes" else state.refs.get((target, value))
            )
            if ref is not None:
                values[key] = ref


def _referenced_slugs(session: Session, table: Table, rows: Any) -> dict[int, str]:
    """Slugs of the guests and topics the rows point at, by id (a table added later may)."""
    slugs: dict[int, str] = {}
    for column in table.columns:
        if slug_reference(column) is None:
            continue
        model = Guest if next(iter(column.foreign_keys)).column.table.name == "guests" else Topic
        ids = {row._mapping[column.key] for row in rows} - {None}
        if ids:
            query = select(model.id, model.slug).where(model.id.in_(ids))
            slugs.update({row.id: row.slug for row in session.execute(query)})
    return slugs


def _primary_key(table: Table) -> str:
    return next(iter(table.primary_key.columns)).key


def export_guest_links(session: Session, guests: dict[int, Guest]) -> list[dict[str, Any]]:
    """Who mentored or sponsored whom, among the archive's guests."""
    query = (
        select(GuestLink)
        .where(GuestLink.from_guest_id.in_(guests), GuestLink.to_guest_id.in_(guests))
        .order_by(GuestLink.id)
    )
    return [
        {
            **table_values(LINKS, link.__dict__),
            "from_guest": guests[link.from_guest_id].slug,
            "to_guest": guests[link.to_guest_id].slug,
        }
        for link in session.scalars(query)
    ]


@dataclass
class RestoreState:
    """What one restore has made so far: guests and topics by slug, and the new ids of part
    rows by their archive ref."""

    guests: dict[str, Guest]
    topics: dict[str, Topic]
    show_id: int
    refs: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def restore_parts(
    session: Session, owner: str, owner_id: int, where: str, parts: Any, state: RestoreState
) -> None:
    """The rows of a new episode's (or show's) part tables."""
    tables = {table.name: table for table in part_tables(owner)}
    for name, rows in parts.items():
        table = tables.get(name)
        if table is None or not isinstance(rows, list):
            state.problems.append(f"{where}: this install keeps no {name!r}; skipped")
            continue
        for row in rows:
            if not isinstance(row, dict):
                raise InvalidInput(f"The archive's {where} has a {name} row that is no object.")
            values = _row_values(session, table, owner, owner_id, where, row, state)
            if values is None or _present(session, table, values):
                continue
            result = session.execute(insert(table).values(**values))
            if isinstance(row.get("ref"), str):
                state.refs[row["ref"]] = _new_id(result)


def _new_id(result: Any) -> Any:
    inserted: CursorResult[Any] = result
    key = inserted.inserted_primary_key
    return key[0] if key else None


def _row_values(
    session: Session,
    table: Table,
    owner: str,
    owner_id: int,
    where: str,
    row: dict[str, Any],
    state: RestoreState,
) -> dict[str, Any] | None:
    clean_links(table, row, f"{where} {table.name}", state.problems)
    values = column_values(table, row)
    if parent_table(table, owner) is None:
        values[owner_column(table, owner).key] = owner_id
    for column in table.columns:
        if (key := slug_reference(column)) is not None and row.get(key) is not None:
            known = state.guests if key.endswith("guest") else state.topics
            values[column.key] = _slug_id(session, table, column, row[key], known)
        elif (key := part_reference(column)) is not None and row.get(key) is not None:
            values[column.key] = _part_id(session, column, row[key], state)
    missing = [
        c.key for c in table.columns if not c.nullable and c.foreign_keys and c.key not in values
    ]
    if missing:
        state.problems.append(f"{where}: a {table.name} row refers to nothing here; skipped")
        return None
    return values


def _part_id(session: Session, column: Any, ref: Any, state: RestoreState) -> Any:
    if next(iter(column.foreign_keys)).column.table.name == "episodes":
        query = select(Episode.id).where(Episode.guid == ref, Episode.show_id == state.show_id)
        return session.scalar(query)
    return state.refs.get(ref) if isinstance(ref, str) else None


def _slug_id(session: Session, table: Table, column: Any, slug: str, known: dict[str, Any]) -> Any:
    if slug in known:
        return known[slug].id
    model = Guest if next(iter(column.foreign_keys)).column.table.name == "guests" else Topic
    found = session.scalar(select(model.id).where(model.slug == slug))
    if found is None:
        raise InvalidInput(f"The archive's {table.name} row names '{slug}', which it lacks.")
    return found


def _present(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """A row keyed by its content (an old audio name) that this install has already."""
    keys = list(table.primary_key.columns)
    if not all(column.key in values for column in keys):
        return False
    query = select(*keys).where(*(column == values[column.key] for column in keys))
    return session.execute(query).first() is not None


def restore_guest_links(session: Session, links: Any, state: RestoreState) -> None:
    """The archive's mentor links, between guests it brought, that this install lacks."""
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict):
            raise InvalidInput("The archive has a guest link that is no object.")
        mentor = state.guests.get(str(link.get("from_guest")))
        other = state.guests.get(str(link.get("to_guest")))
        if mentor is None or other is None:
            state.problems.append("a mentor link names a guest the archive lacks; skipped")
            continue
        values = column_values(LINKS, link)
        query = select(GuestLink.id).where(
            GuestLink.from_guest_id == mentor.id,
            GuestLink.to_guest_id == other.id,
            GuestLink.kind == values.get("kind"),
        )
        if session.scalar(query) is None:
            values.update(from_guest_id=mentor.id, to_guest_id=other.id)
            session.execute(insert(LINKS).values(**values))
