"""The guest directory lists guests from their first listed time (migration 0035's triggers
copy each episode's show and listed time onto its credits, and the earliest onto the guest):
every change that makes a credit live or not must reach the directory and its counts, on
SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, event, select, text, update
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Appearance, Episode, EpisodeStatus, Guest
from showapp.services.catalog import (
    guest_directory,
    guest_trash,
    guests_topics,
    lookups,
    show_trash,
    trash,
    writes,
)
from tests.factories import make_episode, make_listing_states, make_show

ENTRY = re.compile(
    r'<span class="guest-name">([^<]+)</span>.*?<span class="guest-count meta">(\d+) episode',
    re.S,
)


def _directory(client: FlaskClient) -> dict[str, int]:
    response = client.get("/guests/")
    assert response.status_code == 200
    return {name: int(count) for name, count in ENTRY.findall(response.get_data(as_text=True))}


def _public_by_the_episodes(session: Session) -> dict[str, int]:
    """The rule the directory applied before the credits carried it: read off the episodes."""
    rows = session.execute(
        select(Guest.name, Appearance.episode_id)
        .join(Appearance, Appearance.guest_id == Guest.id)
        .join(Episode, Episode.id == Appearance.episode_id)
        .where(Guest.deleted_at.is_(None), lookups.is_live(utc_now()))
        .distinct()
    )
    return dict(Counter(name for name, _ in rows))


def test_every_change_of_a_credit_reaches_the_guest_directory(
    client: FlaskClient, session: Session, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.application.config["SITE_CACHE_SIZE"] = 0  # each check renders the page
    now = utc_now()
    leaders, other, aired, later, draft, elsewhere = make_listing_states(session, episodes_dir)
    ana, bo, cy = (writes.find_or_create_guest(session, name) for name in ("Ana", "Bo", "Cy"))
    writes.credit_guest(session, aired, ana)
    writes.credit_guest(session, aired, ana, role="host")  # two roles, one episode
    writes.credit_guest(session, elsewhere, ana)
    writes.credit_guest(session, later, bo)
    writes.credit_guest(session, draft, cy)
    writes.credit_guest(session, elsewhere, cy)

    def check(expected: dict[str, int]) -> None:
        session.commit()
        assert _public_by_the_episodes(session) == expected
        assert _directory(client) == expected

    check({"Ana": 2, "Cy": 1})
    writes.publish_episode(draft)  # a draft credited first, published afterwards
    check({"Ana": 2, "Cy": 2})
    writes.publish_episode(later, now - timedelta(days=1))  # its schedule brought forward
    check({"Ana": 2, "Bo": 1, "Cy": 2})
    trash.trash_episode(session, aired)
    check({"Ana": 1, "Bo": 1, "Cy": 2})
    show_trash.trash_show(session, other)  # Ana's other episode goes with its show
    check({"Bo": 1, "Cy": 1})
    trash.restore_episode(session, aired)
    show_trash.restore_show(session, other)
    check({"Ana": 2, "Bo": 1, "Cy": 2})
    later.status = EpisodeStatus.UNLISTED
    check({"Ana": 2, "Cy": 2})
    draft.status = EpisodeStatus.DRAFT
    check({"Ana": 2, "Cy": 1})
    guest_trash.trash_guest(session, cy)
    check({"Ana": 2})
    guest_trash.restore_guest(session, cy)
    check({"Ana": 2, "Cy": 1})
    # A merge moves the other guest's credits with one UPDATE: both guests are set again.
    guests_topics.merge_guests(session, ana, cy)
    session.execute(delete(Guest).where(Guest.id == cy.id))
    check({"Ana": 2})
    session.execute(delete(Appearance).where(Appearance.episode_id == aired.id))
    check({"Ana": 1})
    elsewhere.show_id = leaders.id  # moved to another show: the copy follows
    check({"Ana": 1})
    session.delete(elsewhere)  # the credits go with the episode (ON DELETE CASCADE)
    check({})
    soon = make_episode(session, leaders, episodes_dir, title="Soon",
                        published_at=now + timedelta(days=1))  # fmt: skip
    writes.credit_guest(session, soon, bo)
    check({})
    # Bo's time comes with no write at all: the page compares the copied time with its now.
    monkeypatch.setattr(guest_directory, "utc_now", lambda: now + timedelta(days=2))
    assert _directory(client) == {"Bo": 1}


def test_a_credit_moved_to_another_episode_takes_its_listing(
    session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders")
    draft = make_episode(session, show, episodes_dir, title="Draft", published_at=False)
    aired = make_episode(session, show, episodes_dir, title="Aired")
    guest = writes.find_or_create_guest(session, "Ana")
    credit = writes.credit_guest(session, draft, guest)
    session.commit()
    assert session.scalar(select(Guest.listed_since).where(Guest.id == guest.id)) is None
    session.execute(
        update(Appearance).where(Appearance.id == credit.id).values(episode_id=aired.id)
    )
    session.commit()
    listed = session.scalar(select(Guest.listed_since).where(Guest.id == guest.id))
    assert listed == session.scalar(select(Episode.published_at).where(Episode.id == aired.id))


def test_every_page_of_the_directory_seeks_its_index_on_sqlite(
    session: Session, episodes_dir: Path
) -> None:
    """The first page, a page after and before a guest and a letter's page: each statement
    that reads guests walks ix_guests_directory (a seek where the page has a start), never the
    whole table, the listed-time index or a sort."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's plan")
    talk = make_episode(session, make_show(session, slug="leaders"), episodes_dir)
    guests = [writes.find_or_create_guest(session, f"G {number:03}") for number in range(200)]
    for guest in guests:
        writes.credit_guest(session, talk, guest)
    session.commit()
    session.execute(text("ANALYZE"))  # as db._gather_statistics does for a grown database
    ran: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def note(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        ran.append((statement, params))

    event.listen(engine, "before_cursor_execute", note)
    try:
        middle = guests[100].id
        for asked in ({}, {"after": middle}, {"before": middle}, {"letter": "g"}):
            assert guest_directory.public_guests(session, **asked) is not None
    finally:
        event.remove(engine, "before_cursor_execute", note)
    connection = session.connection().connection.driver_connection
    assert connection is not None
    read_guests = [(sql, params) for sql, params in ran if "FROM guests" in sql]
    assert len(read_guests) >= 8
    for sql, params in read_guests:
        plan = " ".join(row[-1] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        if "guests.id = ?" in sql and "lower" not in sql.split("WHERE")[1]:
            continue  # a page's start: the guest by id
        assert "ix_guests_directory" in plan and "TEMP B-TREE" not in plan, (sql, plan)
        assert "ix_guests_listed_since" not in plan, (sql, plan)
        if "lower(guests.name) >=" in sql or "lower(guests.name) <=" in sql:
            assert "SEARCH guests USING INDEX ix_guests_directory" in plan, (sql, plan)


def test_a_credit_that_leaves_the_first_listed_time_does_not_write_the_guest(
    session: Session, episodes_dir: Path
) -> None:
    """On PostgreSQL an UPDATE locks its row: two hosts crediting the same guest would wait on
    each other (or deadlock) if every credit rewrote the guest. Only a new first time does."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's row versions")
    show = make_show(session, slug="leaders")
    now = utc_now()
    first = make_episode(session, show, episodes_dir, title="First",
                         published_at=now - timedelta(days=9))  # fmt: skip
    later = make_episode(session, show, episodes_dir, title="Later",
                         published_at=now - timedelta(days=1))  # fmt: skip
    guest = writes.find_or_create_guest(session, "Ana")
    writes.credit_guest(session, first, guest)
    session.commit()
    version = text("SELECT xmin::text FROM guests WHERE id = :id")
    before = session.scalar(version, {"id": guest.id})
    writes.credit_guest(session, later, guest)  # later than her first: nothing to change
    later.title = "Later, retitled"
    writes.publish_episode(later, now - timedelta(days=2))
    session.commit()
    assert session.scalar(version, {"id": guest.id}) == before
    writes.publish_episode(later, now - timedelta(days=20))  # now her first
    session.commit()
    assert session.scalar(version, {"id": guest.id}) != before
