"""Values an imported feed leaves out or gets wrong: an item without itunes:explicit is as
explicit as its show, and durations that are not durations are reported, never published."""

from __future__ import annotations

import math
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, Soundbite
from showapp.services.importing.mapping import parse_duration

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel>
  <title>Late Night Talk</title><link>https://late.example/</link>
  <description>Grown-up talk.</description>
  <itunes:explicit>true</itunes:explicit>
  {items}
</channel></rss>"""
ITEM = """<item><title>{guid}</title><guid>{guid}</guid>
  <pubDate>Tue, 05 Mar 2024 10:30:00 GMT</pubDate>
  <enclosure url="https://late.example/{guid}.mp3" length="1000" type="audio/mpeg"/>
  {extra}</item>"""


def _import(runner: FlaskCliRunner, tmp_path: Path, items: dict[str, str]) -> str:
    body = "".join(ITEM.format(guid=guid, extra=extra) for guid, extra in items.items())
    path = tmp_path / "feed.xml"
    path.write_text(FEED.format(items=body))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_item_without_explicit_is_as_explicit_as_its_show(
    runner: FlaskCliRunner, session: Session, app: Flask, tmp_path: Path
) -> None:
    _import(
        runner,
        tmp_path,
        {
            "silent": "",
            "clean": "<itunes:explicit>false</itunes:explicit>",
            "odd": "<itunes:explicit>maybe</itunes:explicit>",
        },
    )
    explicit = dict(session.execute(select(Episode.guid, Episode.explicit)).tuples().all())
    assert explicit == {"silent": True, "clean": False, "odd": True}
    feed = ET.fromstring(app.test_client().get("/late-night-talk/feed.xml").data)
    items = {i.findtext("guid"): i.findtext(f"{ITUNES}explicit") for i in feed.iter("item")}
    assert items == {"silent": "true", "clean": "false", "odd": "true"}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3600", 3600), ("3600.5", 3600.5), ("1:00:00", 3600), ("59:59", 3599),
        ("75:00", 4500), ("0:0:1.5", 1.5),
        ("1:75", None), ("1:-30", None), ("1:60", None), ("-5", None), ("nan", None),
        ("inf", None), ("1e400", None), ("1e9", None), ("1.5:30", None), (":30", None),
        ("", None), ("1:2:3:4", None), ("garbage", None),
    ],
)  # fmt: skip
def test_durations(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


def test_durations_that_are_not_are_reported_and_left_out(
    runner: FlaskCliRunner, session: Session, app: Flask, tmp_path: Path
) -> None:
    output = _import(
        runner,
        tmp_path,
        {
            "typo": "<itunes:duration>1:75</itunes:duration>",
            "years": "<itunes:duration>1e9</itunes:duration>",
            "bite": "<itunes:duration>90</itunes:duration>"
            '<podcast:soundbite startTime="inf" duration="inf">Forever</podcast:soundbite>'
            '<podcast:soundbite startTime="5" duration="12.5">Real</podcast:soundbite>',
        },
    )
    query = select(Episode.guid, Episode.duration_seconds)
    durations = dict(session.execute(query).tuples().all())
    assert durations == {"typo": None, "years": None, "bite": 90}
    bites = session.execute(select(Soundbite.start_seconds, Soundbite.duration_seconds)).all()
    assert [tuple(b) for b in bites] == [(5, 12.5)]
    assert all(math.isfinite(v) for b in bites for v in b)
    assert "soundbite without a start and a duration" in output
    feed = app.test_client().get("/late-night-talk/feed.xml").get_data(as_text=True)
    assert "inf" not in feed and "1000000000" not in feed
