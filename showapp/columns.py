"""Column types shared by the models."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import DateTime, func
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware.

    SQLite keeps no time zone, so a naive value read back is UTC by construction; a naive
    value written in is a bug, and is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(
        self, dialect: Dialect, coltype: Any
    ) -> Callable[[Any], datetime | None] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        general = super().result_processor(dialect, coltype)
        assert general is not None
        return _sqlite_reader(general)


def _sqlite_reader(general: Callable[[Any], datetime | None]) -> Callable[[Any], datetime | None]:
    """SQLite's text as an aware datetime in one parse: the general path (a regex, then
    `replace(tzinfo=...)`) costs 3.7 µs a value and a list page reads 40 to 60 of them,
    `fromisoformat` with the offset appended 0.3 µs. Text in any other shape takes the
    general path."""

    def read(value: Any) -> datetime | None:
        # A date alone with an offset appended parses as a naive midnight.
        if isinstance(value, str) and len(value) > 10:
            try:
                return datetime.fromisoformat(value + "+00:00")
            except ValueError:
                pass
        return general(value)

    return read


def utc_now() -> datetime:
    return datetime.now(UTC)


created_at = Annotated[
    datetime, mapped_column(UTCDateTime(), default=utc_now, server_default=func.now())
]
updated_at = Annotated[
    datetime,
    mapped_column(UTCDateTime(), default=utc_now, onupdate=utc_now, server_default=func.now()),
]
