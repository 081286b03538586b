"""Countries and local days in the download figures, and migration 0020 that brings them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from showapp import db
from showapp.services.stats import geo

SHOW_COLUMNS = [
    "slug",
    "title",
    "subtitle",
    "description",
    "author",
    "owner_name",
    "owner_email",
    "language",
    "category",
    "subcategory",
    "explicit",
    "show_type",
    "copyright",
    "website",
    "funding_url",
    "funding_text",
    "timezone",
    "podcast_guid",
]
EPISODE_COLUMNS = "show_id guid slug title summary notes_md status episode_type explicit version"


def test_countries_come_from_the_registries_data() -> None:
    assert geo.country_of("8.8.8.8") == "US"
    assert geo.country_of("1.0.16.1") == "JP"
    assert geo.country_of("2001:67c:2e8::1") == "NL"
    # Documentation, private and loopback addresses, and anything not an address: unknown.
    for address in ("192.0.2.7", "2001:db8::1", "10.0.0.1", "127.0.0.1", "", "not an ip"):
        assert geo.country_of(address) == ""


def _insert_show(connection: object, slug: str, zone: str) -> int:
    values = {name: "" for name in SHOW_COLUMNS}
    values.update(slug=slug, title=slug, explicit=False, timezone=zone, podcast_guid=slug)
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    connection.execute(text(f"INSERT INTO shows ({names}) VALUES ({marks})"), values)  # type: ignore[attr-defined]
    return int(connection.execute(text("SELECT max(id) FROM shows")).scalar())  # type: ignore[attr-defined]


def test_0020_moves_existing_downloads_to_the_show_day_and_downgrades(tmp_path: Path) -> None:
    """A download counted at 20:00 UTC on 1 March fell on 1 March; for a Sydney show it is
    2 March (07:00 local). A UTC show's download stays where it was."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = db.alembic_config(url)
    command.upgrade(config, "0018")
    engine = db.make_engine(url)
    with engine.begin() as connection:
        for n, zone in enumerate(("Australia/Sydney", "UTC")):
            show_id = _insert_show(connection, f"show{n}", zone)
            connection.execute(
                text(
                    f"INSERT INTO episodes ({EPISODE_COLUMNS.replace(' ', ', ')}) VALUES "
                    "(:show, :guid, :slug, 'E', '', '', 'published', 'full', 0, 1)"
                ),
                {"show": show_id, "guid": f"g{n}", "slug": f"e{n}"},
            )
            episode_id = connection.execute(text("SELECT max(id) FROM episodes")).scalar()
            connection.execute(
                text(
                    "INSERT INTO downloads (request_id, episode_id, counted_at, day, app, "
                    "platform, source) VALUES (:request, :episode, '2026-03-01 20:00:00.000000', "
                    "'2026-03-01', 'Overcast', '', 'feed')"
                ),
                {"request": n + 1, "episode": episode_id},
            )
            connection.execute(
                text(
                    "INSERT INTO daily_downloads (day, episode_id, app, platform, source, "
                    "downloads) VALUES ('2026-03-01', :episode, 'Overcast', '', 'feed', 1)"
                ),
                {"episode": episode_id},
            )
    command.upgrade(config, "0020")
    with engine.connect() as connection:
        days = connection.execute(
            text("SELECT day, country, downloads FROM daily_downloads ORDER BY day")
        ).all()
        assert [(str(day), country, n) for day, country, n in days] == [
            (str(date(2026, 3, 1)), "", 1),
            (str(date(2026, 3, 2)), "", 1),
        ]
        columns = {c["name"] for c in inspect(connection).get_columns("media_requests")}
        assert {"bytes_sent", "country"} <= columns
    command.downgrade(config, "0018")
    with engine.connect() as connection:
        total = connection.execute(text("SELECT sum(downloads) FROM daily_downloads")).scalar()
        assert total == 2
        columns = {c["name"] for c in inspect(connection).get_columns("daily_downloads")}
        assert "country" not in columns
    engine.dispose()
