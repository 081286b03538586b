"""Download figures for the dashboard, their CSV and SVG forms, and the stats commands."""

from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.media.recorder import get_recorder
from showapp.models import DailyDownloads, Episode, MediaRequest, Show
from showapp.services.stats import charts, recording, rollups, useragents
from showapp.services.stats.launches import episode_launches, launches_csv
from tests.factories import APPLE, OVERCAST, add_guest, add_topic, make_episode, make_show

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def show(session: Session, episodes_dir: Path) -> Show:
    show = make_show(session, slug="figures")
    first = make_episode(session, show, episodes_dir, title="First talk")
    second = make_episode(session, show, episodes_dir, title="Second talk")
    add_topic(session, first, "Hiring")
    add_topic(session, second, "Hiring")
    add_topic(session, second, "=Pricing")
    add_guest(session, first, "Grace <b>Hopper</b>")
    session.commit()
    return show


def _listen(app: Flask, episode: Episode, address: str, agent: str, **headers: str) -> None:
    client = app.test_client()
    with client.get(
        f"/media/{episode.audio_file}",
        headers={"User-Agent": agent, **headers},
        environ_base={"REMOTE_ADDR": address},
    ) as response:
        assert response.status_code in {200, 206}


def _episodes(session: Session, show: Show) -> list[Episode]:
    return list(session.scalars(select(Episode).where(Episode.show_id == show.id).order_by("id")))


@pytest.fixture
def listened(app: Flask, session: Session, show: Show) -> Show:
    first, second = _episodes(session, show)
    _listen(app, first, "192.0.2.1", APPLE)
    _listen(app, first, "192.0.2.1", APPLE)  # the same listener again: not counted twice
    _listen(app, first, "192.0.2.2", OVERCAST)
    _listen(app, first, "192.0.2.3", APPLE, Range="bytes=0-1")  # a probe
    _listen(app, second, "192.0.2.1", APPLE)
    _listen(app, second, "192.0.2.4", CHROME, Referer="https://elsewhere.example/embed/x")
    _listen(app, second, "192.0.2.5", "Googlebot/2.1 (+http://www.google.com/bot.html)")
    recorder = get_recorder(app)
    assert recorder is not None and recorder.flush() == 7
    rollups.rollup(session)
    session.commit()
    return show


def test_dashboard_figures(session: Session, listened: Show) -> None:
    today = datetime.now(UTC).date()
    series = rollups.downloads_per_day(session, listened.id, today - timedelta(days=29), today)
    assert len(series) == 30 and series[-1] == (today, 4) and sum(n for _, n in series) == 4
    assert rollups.totals(session, listened.id, today) == {7: 4, 30: 4, 90: 4}
    launches = episode_launches(session, listened.id)
    assert {(e.title, e.first_7_days, e.first_30_days) for e in launches} == {
        ("First talk", 2, 2),
        ("Second talk", 2, 2),
    }
    period = (today - timedelta(days=6), today)
    assert rollups.by_topic(session, listened.id, *period) == [("Hiring", 4), ("=Pricing", 2)]
    assert rollups.by_guest(session, listened.id, *period) == [("Grace <b>Hopper</b>", 2)]
    assert rollups.by_app(session, listened.id, *period) == [
        ("Apple Podcasts", 2),
        ("Chrome", 1),
        ("Overcast", 1),
    ]
    assert dict(rollups.by_source(session, listened.id, *period)) == {"feed": 3, "embed": 1}
    platforms = dict(rollups.by_platform(session, listened.id, *period))
    assert sum(platforms.values()) == 4 and platforms["Windows Computer"] == 1


def test_every_table_exports_as_csv(session: Session, listened: Show) -> None:
    today = datetime.now(UTC).date()
    period = (today - timedelta(days=6), today)
    topics = list(
        csv.reader(
            io.StringIO(
                rollups.ranked_csv("topic", rollups.by_topic(session, listened.id, *period))
            )
        )
    )
    # A topic that starts with "=" would run as a formula in a spreadsheet.
    assert topics == [["topic", "downloads"], ["Hiring", "4"], ["'=Pricing", "2"]]
    launches = list(
        csv.DictReader(io.StringIO(launches_csv(episode_launches(session, listened.id))))
    )
    assert {row["episode"]: row["first_7_days"] for row in launches} == {
        "First talk": "2",
        "Second talk": "2",
    }
    days = list(
        csv.reader(
            io.StringIO(
                rollups.per_day_csv(rollups.downloads_per_day(session, listened.id, today, today))
            )
        )
    )
    assert days == [["day", "downloads"], [today.isoformat(), "4"]]
    assert rollups.totals_csv({7: 4, 30: 4, 90: 4}).splitlines() == [
        "days,downloads",
        "7,4",
        "30,4",
        "90,4",
    ]


def test_charts_are_accessible_responsive_svg(session: Session, listened: Show) -> None:
    today = datetime.now(UTC).date()
    series = rollups.downloads_per_day(session, listened.id, today - timedelta(days=29), today)
    svg = charts.line_chart([(d.isoformat(), n) for d, n in series], title="Downloads per day")
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("width") == "100%"
    assert root.get("viewBox") == "0 0 640 240"
    assert root.findtext(f"{SVG}title") == "Downloads per day"
    assert "total 4" in (root.findtext(f"{SVG}desc") or "")
    assert len(root.findall(f"{SVG}circle")) == 30
    assert len(root.findall(f"{SVG}polyline")) == 1

    guests = rollups.by_guest(session, listened.id, today, today)
    bars = charts.bar_chart(guests, title="By <guest>")
    assert "<b>" not in bars and "&lt;b&gt;Hopper" in bars
    root = ET.fromstring(bars)
    assert root.findtext(f"{SVG}title") == "By <guest>"
    assert len(root.findall(f".//{SVG}rect")) == 1


def test_empty_charts_still_render() -> None:
    assert (
        ET.fromstring(charts.line_chart([], title="Nothing")).findtext(f"{SVG}desc") == "No data."
    )
    assert ET.fromstring(charts.bar_chart([], title="Nothing")).findtext(f"{SVG}desc") == "No data."
    assert charts.nice_max(0) == 1 and charts.nice_max(7) == 10 and charts.nice_max(130) == 200


def test_rollup_command_is_idempotent(
    app: Flask, runner: FlaskCliRunner, session: Session, show: Show
) -> None:
    first, _ = _episodes(session, show)
    _listen(app, first, "192.0.2.9", OVERCAST)
    result = runner.invoke(args=["stats", "rollup"])
    assert result.exit_code == 0, result.output
    assert "Read 1 new request; rebuilt 1 day" in result.output
    again = runner.invoke(args=["stats", "rollup"])
    assert "Read 0 new requests; rebuilt 0 days" in again.output
    total = session.scalar(select(func.sum(DailyDownloads.downloads)))
    assert total == 1


def test_classification_follows_the_opawg_order() -> None:
    assert useragents.classify("Overcast/1.0 Podcast Sync (+http://overcast.fm/)").is_bot
    overcast = useragents.classify(OVERCAST)
    assert (overcast.app, overcast.kind, overcast.is_bot) == ("Overcast", "apps", False)
    assert useragents.classify(CHROME).kind == "browsers"
    assert useragents.classify("Python/3.10 aiohttp/3.9.3").kind == "libraries"
    assert useragents.classify("").app == ""


def test_refresh_useragents_replaces_lists_only_when_all_are_valid(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    current = tmp_path / "current"
    shutil.copytree(useragents.DATA_DIR, current)
    newer = tmp_path / "newer"
    shutil.copytree(useragents.DATA_DIR, newer)
    bots = json.loads((newer / "bots.json").read_text())
    bots["entries"].insert(0, {"name": "Test Fetcher", "pattern": "^TestFetcher/"})
    (newer / "bots.json").write_text(json.dumps(bots))
    result = runner.invoke(
        args=["stats", "refresh-useragents", "--from", str(newer), "--to", str(current)]
    )
    assert result.exit_code == 0, result.output
    assert useragents.classify("TestFetcher/2", current).is_bot

    (newer / "apps.json").write_text('{"entries": [{"name": "x", "pattern": "("}]}')
    broken = runner.invoke(
        args=["stats", "refresh-useragents", "--from", str(newer), "--to", str(current)]
    )
    assert broken.exit_code != 0 and "apps.json is not a valid OPAWG list" in broken.output
    assert json.loads((current / "apps.json").read_text())["entries"][0]["pattern"] != "("


def test_rollup_deletes_old_counted_requests_but_keeps_figures(
    app: Flask, session: Session, show: Show
) -> None:
    first, _ = _episodes(session, show)
    _listen(app, first, "192.0.2.20", OVERCAST)
    recorder = get_recorder(app)
    assert recorder is not None and recorder.flush() == 1
    rollups.rollup(session)
    session.commit()
    # A week later only the new request is kept, and yesterday's figures remain.
    later = datetime.now(UTC) + timedelta(days=8)
    recorder.record(
        recording.Hit(str(first.audio_file), later, "GET", "192.0.2.21", OVERCAST, None, None, None)
    )
    recorder.flush()
    rollups.rollup(session, keep_requests_days=7)
    session.commit()
    assert session.scalar(select(func.count()).select_from(MediaRequest)) == 1
    assert session.scalar(select(func.sum(DailyDownloads.downloads))) == 2
