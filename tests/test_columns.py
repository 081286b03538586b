"""Datetimes come back aware and in UTC whichever way they were written: through the ORM,
by the database's own clock (server defaults), or as text in another shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from showapp.models import Show


def test_written_and_read_back_as_the_same_instant(session: Session, pod: Show) -> None:
    eastern = timezone(timedelta(hours=-5))
    pod.created_at = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=eastern)
    session.commit()
    session.expire_all()
    read = session.scalars(select(Show.created_at).where(Show.id == pod.id)).one()
    assert read == datetime(2026, 3, 4, 10, 6, 7, 890123, tzinfo=UTC)
    assert read.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-03-04 10:11:12", datetime(2026, 3, 4, 10, 11, 12, tzinfo=UTC)),
        ("2026-03-04 10:11:12.5", datetime(2026, 3, 4, 10, 11, 12, 500000, tzinfo=UTC)),
        ("2026-03-04T10:11:12.000001", datetime(2026, 3, 4, 10, 11, 12, 1, tzinfo=UTC)),
        ("2026-03-04", datetime(2026, 3, 4, tzinfo=UTC)),
    ],
)
def test_sqlite_text_in_any_shape_reads_as_utc(
    session: Session, pod: Show, stored: str, expected: datetime
) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("text timestamps are SQLite's storage")
    session.execute(
        text("UPDATE shows SET created_at = :at WHERE id = :id"), {"at": stored, "id": pod.id}
    )
    session.commit()
    read = session.scalars(select(Show.created_at).where(Show.id == pod.id)).one()
    assert read == expected
    assert read.tzinfo is not None


def test_the_database_clock_reads_as_utc(session: Session, pod: Show) -> None:
    session.execute(
        text("UPDATE shows SET created_at = CURRENT_TIMESTAMP WHERE id = :id"), {"id": pod.id}
    )
    session.commit()
    read = session.scalars(select(Show.created_at).where(Show.id == pod.id)).one()
    assert abs(read - datetime.now(UTC)) < timedelta(minutes=1)
