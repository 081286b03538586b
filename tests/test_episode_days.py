"""episode_days, the per-episode daily sums the studio home reads: filled by migration 0032
from the daily rows already there, and kept equal to them by every rollup."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from showapp import db
from showapp.media.recorder import get_recorder
from showapp.models import DailyDownloads, EpisodeDay
from showapp.services.stats import rollups
from tests.factories import APPLE, OVERCAST, make_episode, make_show
from tests.test_stats import _listen
from tests.test_stats_geo import EPISODE_COLUMNS, _insert_show


def test_0032_sums_the_daily_rows_already_there(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = db.alembic_config(url)
    command.upgrade(config, "0031")
    engine = db.make_engine(url)
    with engine.begin() as connection:
        show_id = _insert_show(connection, "old", "UTC")
        connection.execute(
            text(
                f"INSERT INTO episodes ({EPISODE_COLUMNS.replace(' ', ', ')}) VALUES "
                "(:show, 'g1', 'e1', 'E', '', '', 'published', 'full', 0, 1)"
            ),
            {"show": show_id},
        )
        episode_id = connection.execute(text("SELECT max(id) FROM episodes")).scalar()
        for app, day, downloads in (("Overcast", "2026-03-01", 2), ("Castro", "2026-03-01", 3),
                                    ("Overcast", "2026-03-02", 4)):  # fmt: skip
            connection.execute(
                text(
                    "INSERT INTO daily_downloads (day, episode_id, app, platform, source, "
                    "country, downloads) VALUES (:day, :episode, :app, '', 'feed', '', :n)"
                ),
                {"day": day, "episode": episode_id, "app": app, "n": downloads},
            )
    command.upgrade(config, "0032")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT day, show_id, downloads FROM episode_days ORDER BY day")
        ).all()
    assert [(str(day), show, n) for day, show, n in rows] == [
        ("2026-03-01", show_id, 5),
        ("2026-03-02", show_id, 4),
    ]
    command.downgrade(config, "0031")
    engine.dispose()


def test_a_rollup_writes_the_episode_days_of_the_days_it_rebuilds(
    app: Flask, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="rolled")
    first = make_episode(session, show, episodes_dir, seconds=0.5)
    second = make_episode(session, show, episodes_dir, seconds=0.5)
    session.commit()
    for episode, address, agent in ((first, "192.0.2.1", APPLE), (first, "192.0.2.2", OVERCAST),
                                    (second, "192.0.2.1", APPLE)):  # fmt: skip
        _listen(app, episode, address, agent)
    recorder = get_recorder(app)
    assert recorder is not None and recorder.flush() == 3

    rollups.rollup(session)
    session.commit()

    daily = session.execute(
        select(DailyDownloads.episode_id, func.sum(DailyDownloads.downloads))
        .group_by(DailyDownloads.episode_id)
        .order_by(DailyDownloads.episode_id)
    ).all()
    days = session.execute(
        select(EpisodeDay.episode_id, EpisodeDay.show_id, EpisodeDay.downloads).order_by(
            EpisodeDay.episode_id
        )
    ).all()
    assert daily == [(first.id, 2), (second.id, 1)]
    assert days == [(first.id, show.id, 2), (second.id, show.id, 1)]
