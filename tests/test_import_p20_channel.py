"""Podcasting 2.0 details an import once dropped: the channel's podcast:person (the show's hosts
and credits), podcast:season's name, and podcast:episode's display and decimal values. Each
is imported from a real feed text, republished in our own feed, and carried by an archive."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import podcastparser
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from lxml import etree
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from showapp import db
from showapp.models import Episode, Show, User, show_hosts
from showapp.services.importing.mapping import parse_decimal, shorten
from tests.conftest import fresh_app
from tests.studio_helpers import csrf_token, login, make_user

FEEDS = Path("/work/shared/feeds")
PODCAST = "https://podcastindex.org/namespace/1.0"
NS = {
    "p": "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
}
CHANNEL_PERSONS = (
    '<podcast:person href="https://ada.example/" img="https://ada.example/ada.jpg">'
    "Ada Host</podcast:person>"
    '<podcast:person role="Producer" group="Crew" img="/art/kim.png" href="javascript:alert(1)">'
    "Kim &amp; Co</podcast:person>"
    '<podcast:person role="guest" img="ftp://files.example/x.png">  Bo   Guest </podcast:person>'
    "<podcast:person>   </podcast:person>"
)
ITEMS = {
    # Named season and episode, both numbers whole: itunes and podcast tags agree.
    "named": "<itunes:season>1</itunes:season><itunes:episode>54</itunes:episode>"
    '<podcast:season name="Breakfasts with Dr. Tim">1</podcast:season>'
    '<podcast:episode display="Social Media">54</podcast:episode>',
    # A decimal podcast:episode alone: no itunes:episode can say 12.5.
    "half": "<podcast:episode>12.5</podcast:episode>",
    # Both, disagreeing: each tag keeps its own.
    "both": "<podcast:episode>012.50</podcast:episode><itunes:episode>12</itunes:episode>",
    "whole": "<podcast:episode>7.0</podcast:episode>",
    "junk": '<podcast:episode display="Oops">twelve</podcast:episode>',
    # A name without a season to name is nothing to write.
    "nameless": '<podcast:season name="Lost">none</podcast:season>',
}


def _feed(channel_extra: str = CHANNEL_PERSONS, items: dict[str, str] = ITEMS) -> str:
    body = "".join(
        f"<item><title>{guid}</title><guid>{guid}</guid>"
        "<pubDate>Tue, 05 Mar 2024 10:30:00 GMT</pubDate>"
        f'<enclosure url="https://cdn.example/{guid}.mp3" length="1000" type="audio/mpeg"/>'
        f"{extra}</item>"
        for guid, extra in items.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        f'xmlns:podcast="{PODCAST}"><channel><title>Numbers Show</title>'
        "<link>https://numbers.example/</link><description>Counting.</description>"
        f"{channel_extra}{body}</channel></rss>"
    )


def _import(runner: FlaskCliRunner, path: Path | str) -> tuple[str, str]:
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    found = re.search(r"Show '([^']+)'", result.output)
    assert found is not None, result.output
    return found.group(1), result.output


def _import_text(runner: FlaskCliRunner, tmp_path: Path, text: str) -> tuple[str, str]:
    path = tmp_path / "feed.xml"
    path.write_text(text)
    return _import(runner, path)


def _republished(app: Flask, slug: str) -> bytes:
    with app.test_client().get(f"/{slug}/feed.xml") as response:
        assert response.status_code == 200
        return response.data


def _channel(data: bytes) -> Any:
    return etree.fromstring(data).find("channel")


def _persons(parent: Any) -> list[tuple[str, dict[str, str]]]:
    return [(p.text, dict(p.attrib)) for p in parent.findall("p:person", NS)]


def _numbers(data: bytes) -> dict[str, dict[str, Any]]:
    """Per guid: podcast:season and podcast:episode (text and attributes), itunes:episode."""
    found = {}
    for item in _channel(data).iter("item"):
        season, episode = item.find("p:season", NS), item.find("p:episode", NS)
        found[item.findtext("guid")] = {
            "season": None if season is None else (season.text, dict(season.attrib)),
            "episode": None if episode is None else (episode.text, dict(episode.attrib)),
            "itunes": item.findtext("itunes:episode", namespaces=NS),
        }
    return found


def test_channel_persons_are_kept_and_republished_at_channel_level(
    runner: FlaskCliRunner, app: Flask, tmp_path: Path
) -> None:
    slug, output = _import_text(
        runner, tmp_path, _feed(items={"one": "<itunes:episode>1</itunes:episode>"})
    )
    # Links that are not http(s) are named and dropped; the person stays.
    assert (
        "channel podcast:person href of 'Kim & Co' 'javascript:alert(1)' is not an http(s) "
        "URL; not stored"
    ) in output
    assert "channel podcast:person img of 'Bo Guest' 'ftp://files.example/x.png'" in output
    channel = _channel(_republished(app, slug))
    assert _persons(channel) == [
        ("Ada Host", {"role": "host", "group": "cast", "img": "https://ada.example/ada.jpg",
                      "href": "https://ada.example/"}),
        # A relative img is resolved against the feed's link, as an item's is.
        ("Kim & Co", {"role": "producer", "group": "crew",
                      "img": "https://numbers.example/art/kim.png"}),
        ("Bo Guest", {"role": "guest", "group": "cast"}),
    ]  # fmt: skip
    # Channel level only: the item, which named nobody, lists nobody (apps inherit the channel).
    [item] = channel.findall("item")
    assert _persons(item) == []
    # Before the trailers and medium, where the feed writes its people.
    tags = [etree.QName(child).localname for child in channel]
    assert tags.index("person") < tags.index("medium")


def test_a_re_import_replaces_the_channel_persons_without_adding_any(
    runner: FlaskCliRunner, app: Flask, session: Session, tmp_path: Path
) -> None:
    items = {"one": ""}
    _import_text(runner, tmp_path, _feed(items=items))
    slug, _output = _import_text(
        runner,
        tmp_path,
        _feed('<podcast:person href="https://ada.example/">Ada Host</podcast:person>', items),
    )
    assert [name for name, _ in _persons(_channel(_republished(app, slug)))] == ["Ada Host"]
    extras = session.scalars(select(Show.podcast_extras).where(Show.slug == slug)).one()
    assert extras == [
        {"tag": "person", "attrs": {"role": "host", "group": "cast",
                                    "href": "https://ada.example/"}, "text": "Ada Host"}
    ]  # fmt: skip


def test_a_channel_person_who_hosts_in_the_studio_is_listed_once_with_the_feeds_links(
    runner: FlaskCliRunner, app: Flask, session: Session, tmp_path: Path
) -> None:
    slug, _output = _import_text(runner, tmp_path, _feed(items={"one": ""}))
    show = session.scalars(select(Show).where(Show.slug == slug)).one()
    for email, name in (("ada@example.com", "Ada  HOST"), ("sam@example.com", "Sam Co")):
        user = User(email=email, name=name)
        session.add(user)
        session.flush()
        session.execute(insert(show_hosts).values(show_id=show.id, user_id=user.id))
    session.commit()
    channel = _channel(_republished(app, slug))
    people = _persons(channel)
    assert [(name, attributes["role"]) for name, attributes in people] == [
        ("Ada Host", "host"), ("Sam Co", "host"), ("Kim & Co", "producer"), ("Bo Guest", "guest"),
    ]  # fmt: skip
    assert people[0][1]["href"] == "https://ada.example/"


def test_feeds_that_span_shows_borrow_no_shows_channel_persons(
    runner: FlaskCliRunner, app: Flask, tmp_path: Path
) -> None:
    _import_text(runner, tmp_path, _feed(items={"one": ""}))
    network = _channel(app.test_client().get("/feed.xml").data)
    assert _persons(network) == []


def test_season_names_episode_displays_and_decimal_episodes_are_kept(
    runner: FlaskCliRunner, app: Flask, session: Session, tmp_path: Path
) -> None:
    slug, output = _import_text(runner, tmp_path, _feed(channel_extra=""))
    assert "'junk': podcast:episode 'twelve' is not a positive number; left out" in output
    stored = {
        e.guid: (e.season, e.season_name, e.number, e.podcast_episode, e.episode_display)
        for e in session.scalars(select(Episode))
    }
    assert stored == {
        "named": (1, "Breakfasts with Dr. Tim", 54, "", "Social Media"),
        "half": (None, "", None, "12.5", ""),
        "both": (None, "", 12, "12.5", ""),
        "whole": (None, "", 7, "", ""),
        "junk": (None, "", None, "", ""),
        "nameless": (None, "", None, "", ""),
    }
    data = _republished(app, slug)
    assert _numbers(data) == {
        "named": {"season": ("1", {"name": "Breakfasts with Dr. Tim"}),
                  "episode": ("54", {"display": "Social Media"}), "itunes": "54"},
        "half": {"season": None, "episode": ("12.5", {}), "itunes": None},
        "both": {"season": None, "episode": ("12.5", {}), "itunes": "12"},
        "whole": {"season": None, "episode": ("7", {}), "itunes": "7"},
        "junk": {"season": None, "episode": None, "itunes": None},
        "nameless": {"season": None, "episode": None, "itunes": None},
    }  # fmt: skip
    # Apple's whole numbers, as a podcast app reads them.
    parsed = podcastparser.parse(f"/{slug}/feed.xml", io.BytesIO(data))
    numbers = {e["guid"]: e.get("number") for e in parsed["episodes"]}
    assert numbers == {"named": 54, "half": None, "both": 12, "whole": 7, "junk": None,
                       "nameless": None}  # fmt: skip


def test_a_real_feeds_season_names_and_episode_displays_come_back(
    runner: FlaskCliRunner, app: Flask
) -> None:
    source = etree.parse(str(FEEDS / "themnshow.xml")).getroot()
    slug, output = _import(runner, FEEDS / "themnshow.xml")
    again = _numbers(_republished(app, slug))
    source_ns = {"p": source.nsmap["podcast"]}
    checked = 0
    for item in source.iter("item"):
        season, episode = item.find("p:season", source_ns), item.find("p:episode", source_ns)
        if season is None or episode is None:
            continue
        ours = again[item.findtext("guid").strip()]
        assert ours["season"] == (season.text.strip(), {"name": season.get("name")})
        display = episode.get("display")
        # The namespace allows 32 characters: a longer display is shortened, and said so.
        if len(display) > 32:
            assert "podcast:episode display is longer than 32 characters; shortened to " in output
            display = shorten(display, 32)
        assert ours["episode"] == (episode.text.strip(), {"display": display})
        checked += 1
    assert checked > 50
    channel_names = [p.text for p in source.find("channel").findall("p:person", source_ns)]
    assert channel_names == ["Mike Neumann"]
    assert [name for name, _ in _persons(_channel(_republished(app, slug)))] == channel_names


def test_an_archive_carries_them_to_another_install(
    runner: FlaskCliRunner, app: Flask, session: Session, tmp_path: Path, migrated_database: str
) -> None:
    slug, _output = _import_text(runner, tmp_path, _feed())
    before = _republished(app, slug)
    archive = tmp_path / "show.zip"
    result = runner.invoke(args=["export", slug, str(archive)])
    assert result.exit_code == 0, result.output
    manifest = json.loads(zipfile.ZipFile(archive).read("manifest.json"))
    half = next(e for e in manifest["episodes"] if e["guid"] == "half")
    assert (half["podcast_episode"], half["number"]) == ("12.5", None)
    session.close()

    fresh = fresh_app(app, tmp_path, migrated_database)
    try:
        restored = fresh.test_cli_runner().invoke(args=["import", str(archive)])
        assert restored.exit_code == 0, restored.output
        after = _republished(fresh, slug)
    finally:
        db.get_engine(fresh).dispose()
    assert _numbers(after) == _numbers(before)
    assert _persons(_channel(after)) == _persons(_channel(before))


def test_an_archives_channel_person_links_get_the_imports_check_again(
    runner: FlaskCliRunner, app: Flask, session: Session, tmp_path: Path, migrated_database: str
) -> None:
    """An archive can carry a person the import never screened: a link in another scheme
    than http(s) is dropped and named, and the person stays."""
    slug, _output = _import_text(runner, tmp_path, _feed(items={"one": ""}))
    archive = tmp_path / "show.zip"
    assert runner.invoke(args=["export", slug, str(archive)]).exit_code == 0
    session.close()
    with zipfile.ZipFile(archive) as old:
        manifest = json.loads(old.read("manifest.json"))
        manifest["show"]["podcast_extras"] = [
            {"tag": "person", "attrs": {"role": "host", "img": "ipfs://QmFace",
                                        "href": "javascript:alert(1)"}, "text": "Ada Host"},
        ]  # fmt: skip
        rewritten = tmp_path / "rewritten.zip"
        with zipfile.ZipFile(rewritten, "w") as new:
            new.writestr("manifest.json", json.dumps(manifest))
            for info in old.infolist():
                if info.filename != "manifest.json":
                    new.writestr(info, old.read(info))

    fresh = fresh_app(app, tmp_path, migrated_database)
    try:
        restored = fresh.test_cli_runner().invoke(args=["import", str(rewritten)])
        assert restored.exit_code == 0, restored.output
        after = _republished(fresh, slug)
    finally:
        db.get_engine(fresh).dispose()
    assert "podcast element link 'ipfs://QmFace' is not safe; not stored" in restored.output
    assert "podcast element link 'javascript:alert(1)' is not safe" in restored.output
    assert _persons(_channel(after)) == [("Ada Host", {"role": "host", "group": "cast"})]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("12.5", "12.5"), (" 012.50 ", "12.5"), ("7.0", "7"), ("0.5", "0.5"), ("100", "100"),
        ("0", None), ("0.0", None), ("-1", None), ("1e3", None), ("12.", None), (".5", None),
        ("1,5", None), ("NaN", None), ("", None), ("1" * 16, None),
    ],
)  # fmt: skip
def test_podcast_episode_numbers(text: str, kept: str | None) -> None:
    assert parse_decimal(text) == kept


def test_long_names_are_shortened_at_a_word() -> None:
    assert shorten("Episode 5: From Sayre to Paris and Back", 32) == (
        "Episode 5: From Sayre to Paris…"
    )
    assert shorten("Supercalifragilisticexpialidocious-ly", 10) == "Supercali…"
    assert shorten("Short", 32) == "Short"


def test_a_channel_credits_at_most_fifty_people(
    runner: FlaskCliRunner, app: Flask, tmp_path: Path
) -> None:
    people = "".join(f"<podcast:person>Person {n}</podcast:person>" for n in range(60))
    slug, output = _import_text(runner, tmp_path, _feed(people, {"one": ""}))
    assert "channel has 60 podcast:person elements; the first 50 are kept" in output
    names = [name for name, _ in _persons(_channel(_republished(app, slug)))]
    assert names == [f"Person {n}" for n in range(50)]


def test_the_editor_keeps_renames_or_refuses_a_season_name_and_keeps_the_decimal_it_shows(
    runner: FlaskCliRunner, app: Flask, session: Session, tmp_path: Path
) -> None:
    slug, _output = _import_text(runner, tmp_path, _feed(channel_extra=""))
    both = session.scalars(select(Episode).where(Episode.guid == "both")).one()
    named = session.scalars(select(Episode).where(Episode.guid == "named")).one()
    show = session.get(Show, both.show_id)
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    client = app.test_client()
    login(client, "host@example.com")

    def save(episode: Episode, status: int = 303, **fields: str) -> list[str]:
        session.refresh(episode)
        url = f"/studio/shows/{slug}/episodes/{episode.id}"
        page = client.get(url).get_data(as_text=True)
        version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
        form = {"csrf_token": csrf_token(client, url), "version": version,
                "title": episode.title, "status": "published", "episode_type": "full",
                "season": "" if episode.season is None else str(episode.season),
                "season_name": episode.season_name,  # as the editor fills it in
                "number": "" if episode.number is None else str(episode.number),
                "podcast_episode": episode.podcast_episode,
                "episode_display": episode.episode_display}  # fmt: skip
        form.update(fields)
        response = client.post(url, data=form)
        alerts = re.findall(r"(?s)role=.alert.[^>]*>(.{0,300})", response.get_data(as_text=True))
        assert response.status_code == status, alerts
        return alerts

    editor = client.get(f"/studio/shows/{slug}/episodes/{named.id}").get_data(as_text=True)
    assert 'name="season_name" type="text" value="Breakfasts with Dr. Tim"' in editor
    assert 'name="episode_display" type="text" value="Social Media"' in editor
    editor = client.get(f"/studio/shows/{slug}/episodes/{both.id}").get_data(as_text=True)
    assert 'name="podcast_episode" type="text" value="12.5"' in editor
    # Published with its audio still on the old host (audio_url): saving it keeps it live.
    save(named, title="named, retitled")  # same numbers: the imported ones stay
    save(both, number="13")  # the host sees the decimal beside it: it stays
    save(named, season="2", season_name=" Sponsors, not mentors ")
    # A name needs its season; nothing of the refused save is stored.
    refused = save(both, status=400, season_name="Lost", title="not saved")
    assert any("A season name goes with a season number" in alert for alert in refused)
    data = _republished(app, slug)
    titles = [item.findtext("title") for item in _channel(data).iter("item")]
    assert "named, retitled" in titles and "not saved" not in titles
    numbers = _numbers(data)
    assert numbers["both"] == {"season": None, "episode": ("12.5", {}), "itunes": "13"}
    assert numbers["named"] == {"season": ("2", {"name": "Sponsors, not mentors"}),
                                "episode": ("54", {"display": "Social Media"}),
                                "itunes": "54"}  # fmt: skip
    save(named, season_name="")
    assert _numbers(_republished(app, slug))["named"]["season"] == ("2", {})
