"""Every media request counts exactly once: under concurrent writers on PostgreSQL, and when
retagging renames the file a player is fetching."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp import db
from showapp.media.recorder import get_recorder
from showapp.models import Download, Episode, MediaRequest
from showapp.services.audio import retagging
from showapp.services.stats import recording, rollups
from showapp.storage import LocalStorage
from tests.conftest import BASE_URL, POSTGRES_URL
from tests.factories import APPLE, OVERCAST, make_episode, make_show


def _hit(episode_file: str, address: str, at: datetime | None = None) -> recording.Hit:
    return recording.Hit(
        episode_file, at or datetime.now(UTC), "GET", address, OVERCAST, None, None, None
    )


def _downloads(session: Session, episode: Episode) -> int:
    query = select(func.count(Download.id)).where(Download.episode_id == episode.id)
    return session.scalar(query) or 0


@pytest.mark.postgres_only
@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (SHOWAPP_TEST_DATABASE_URL)")
def test_a_batch_committed_late_with_lower_ids_is_still_counted(
    app: Flask, session: Session, episodes_dir: Path
) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    now = datetime.now(UTC)
    # The day's salts exist already, as they do after the day's first hit: otherwise the
    # second writer would wait on the first one's salt row instead of interleaving.
    for day in (now.date(), now.date() - timedelta(days=1)):
        recording.salt_for(session, day)
    session.commit()
    name = str(episode.audio_file)
    with db.new_session(app) as first, db.new_session(app) as second:
        recording.store_hits(first, [_hit(name, f"192.0.2.{n}", now) for n in range(1, 4)])
        first.flush()  # ids assigned now; the rows stay invisible until the commit
        recording.store_hits(second, [_hit(name, f"198.51.100.{n}", now) for n in range(1, 4)])
        second.commit()
        early = rollups.rollup(session)
        session.commit()
        assert early.requests_read == 3
        first.commit()
    late = rollups.rollup(session)
    session.commit()
    assert late.requests_read == 3
    ids = session.execute(select(MediaRequest.id, MediaRequest.listener_key)).all()
    assert len(ids) == 6
    assert _downloads(session, episode) == 6
    assert session.scalar(select(func.count()).where(~MediaRequest.counted)) == 0
    # The late batch really had the lower ids: an id cursor would have passed over it.
    first_ids = sorted(i for i, _ in ids)[:3]
    counted_late = session.scalars(
        select(Download.request_id).order_by(Download.id.desc()).limit(3)
    ).all()
    assert sorted(counted_late) == first_ids
    assert rollups.rollup(session).requests_read == 0


def test_rollup_reads_each_request_once(app: Flask, session: Session, episodes_dir: Path) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    session.commit()
    recording.store_hits(session, [_hit(str(episode.audio_file), "192.0.2.9")])
    session.commit()
    assert rollups.rollup(session).requests_read == 1
    session.commit()
    recording.store_hits(session, [_hit(str(episode.audio_file), "192.0.2.10")])
    session.commit()
    assert rollups.rollup(session).requests_read == 1
    session.commit()
    assert rollups.rollup(session).requests_read == 0
    assert _downloads(session, episode) == 2


def test_hits_on_the_name_a_retag_replaced_still_count(
    app: Flask, session: Session, episodes_dir: Path
) -> None:
    # Longer than a minute, so a download is one minute of audio, whichever file was fetched
    # (the retagged copy is a little larger than the old one).
    episode = make_episode(session, make_show(session), episodes_dir, seconds=75.0)
    session.commit()
    old_name = str(episode.audio_file)
    recorder = get_recorder(app)
    assert recorder is not None
    # Served and stored before the retag.
    with app.test_client().get(
        f"/media/{old_name}",
        headers={"User-Agent": APPLE},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    ) as response:
        assert response.status_code == 200
    recorder.flush()
    assert session.scalar(select(func.count(MediaRequest.id))) == 1
    with retagging.tag_episode_audio(session, episode, LocalStorage(episodes_dir), BASE_URL):
        session.commit()
    new_name = str(episode.audio_file)
    assert new_name != old_name and not (episodes_dir / old_name).exists()
    # Served from the old name before the rename, stored after it; then one on the new name.
    recorder.record(_hit(old_name, "192.0.2.2"))
    recorder.record(_hit(new_name, "192.0.2.3"))
    recorder.flush()
    stored = session.scalars(select(MediaRequest.episode_id)).all()
    assert stored == [episode.id] * 3
    rollups.rollup(session)
    session.commit()
    assert _downloads(session, episode) == 3
    # A file that was never an episode's is still not counted.
    recorder.record(_hit(f"{old_name}.other.mp3", "192.0.2.4"))
    recorder.flush()
    assert session.scalar(select(func.count(MediaRequest.id))) == 3


def test_the_migration_counts_what_the_old_cursor_had_read(tmp_path: Path) -> None:
    """Upgrading keeps the figures: requests up to the old cursor are marked counted, later
    ones wait for the next rollup."""
    path = tmp_path / "old.sqlite3"
    config = db.alembic_config(f"sqlite:///{path}")
    command.upgrade(config, "0014")
    with sqlite3.connect(path) as connection:  # foreign keys off: no episode rows needed
        connection.executemany(
            "INSERT INTO media_requests (id, episode_id, requested_at, method, listener_key, "
            "previous_key, range_start, range_end, user_agent, source, app, platform, is_bot) "
            "VALUES (?, 1, '2026-12-01 10:00:00', 'GET', 'k', 'p', 0, 99, '', 'feed', '', '', 0)",
            [(1,), (2,), (3,)],
        )
        connection.execute("INSERT INTO stats_cursors (name, last_id) VALUES ('requests', 2)")
    connection.close()
    command.upgrade(config, "head")
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT id, counted FROM media_requests ORDER BY id").fetchall()
    connection.close()
    assert rows == [(1, 1), (2, 1), (3, 0)]
