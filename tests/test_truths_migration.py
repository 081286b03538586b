"""Migration 0023 on an install that already has shows: every show gains empty directory
links and accent colour, and the network table starts empty (the configured name applies)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Boolean, DateTime, Integer, MetaData, Table, insert, select

from showapp import db


def _filler(column: Any) -> Any:
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, Integer):
        return 0
    if isinstance(column.type, DateTime):
        from datetime import UTC, datetime

        return datetime(2026, 1, 1, tzinfo=UTC)
    return "x" if column.name != "slug" else "old-show"


def test_0023_upgrades_an_install_with_shows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = db.alembic_config(url)
    command.upgrade(config, "0018")
    engine = db.make_engine(url)
    with engine.begin() as connection:
        shows = Table("shows", MetaData(), autoload_with=connection)
        required = {
            c.name: _filler(c)
            for c in shows.columns
            if not c.nullable and c.server_default is None and not c.primary_key
        }
        connection.execute(insert(shows).values(**required))
    command.upgrade(config, "heads")
    with engine.connect() as connection:
        shows = Table("shows", MetaData(), autoload_with=connection)
        row = connection.execute(select(shows)).mappings().one()
        network = Table("network_settings", MetaData(), autoload_with=connection)
        assert connection.execute(select(network)).all() == []
    engine.dispose()
    assert row["slug"] == "old-show"
    for name in ("youtube_music_url", "castbox_url", "podcast_addict_url", "podcast_index_url",
                 "fountain_url", "amazon_music_url", "accent_color"):  # fmt: skip
        assert row[name] == ""
    command.downgrade(config, "0018")  # and back, for an install that has to
