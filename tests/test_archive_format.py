"""The export format follows the schema: every column of every carried table is written, a table
added later comes along (its links screened like the rest), version 1 archives still restore,
and hostile rows are cleaned or refused with a message, leaving nothing behind."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Column, ForeignKey, Integer, String, Table, func, insert, select

from showapp import db
from showapp.models import (
    Appearance,
    Base,
    Chapter,
    Episode,
    Guest,
    Show,
    SlugRedirect,
    Soundbite,
    Topic,
    Transcript,
    User,
)
from showapp.services import images
from showapp.services.importing import archive
from showapp.services.importing.archive_format import skipped
from tests.test_archive_roundtrip import SLUG, build_show, install, migrate_sqlite, read_manifest


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> str:
    return migrate_sqlite(tmp_path_factory.mktemp("format") / "template.sqlite3")


@pytest.fixture
def pair(tmp_path: Path, template: str) -> Iterator[tuple[Flask, Flask]]:
    """A source install with the every-feature show, and an empty SQLite install."""
    source, target = install(tmp_path, "source", template), install(tmp_path, "target", template)
    build_show(source)
    yield source, target
    for app in (source, target):
        db.get_engine(app).dispose()


def _export(app: Flask, path: Path, *args: str) -> dict[str, Any]:
    result = app.test_cli_runner().invoke(args=["export", SLUG, str(path), *args])
    assert result.exit_code == 0, result.output
    return read_manifest(path)


def _import(app: Flask, path: Path) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    return result.exit_code, result.output


def _rewrite(source: Path, target: Path, manifest: dict[str, Any]) -> Path:
    """The same archive with another manifest."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        new.writestr("manifest.json", json.dumps(manifest))
        for info in old.infolist():
            if info.filename != "manifest.json":
                new.writestr(info, old.read(info))
    return target


def _own_columns(table: Any) -> set[str]:
    return {column.key for column in table.columns if not skipped(column)}


def test_every_column_of_every_carried_table_is_in_the_manifest(
    pair: tuple[Flask, Flask], tmp_path: Path
) -> None:
    manifest = _export(pair[0], tmp_path / "a.zip", "--with-review")
    assert manifest["version"] == archive.VERSION == 2
    assert set(manifest["show"]) == _own_columns(Show.__table__)
    assert set(manifest["hosts"][0]) == _own_columns(User.__table__)
    assert set(manifest["guests"][0]) == _own_columns(Guest.__table__)
    assert set(manifest["topics"][0]) == _own_columns(Topic.__table__)
    assert {"guest"} | _own_columns(SlugRedirect.__table__) == set(manifest["redirects"][0])
    episode = next(e for e in manifest["episodes"] if e["slug"] == "all-of-it")
    rest = {"topics", "appearances", "parts", "review"}
    assert set(episode) - rest == _own_columns(Episode.__table__)
    assert set(episode["appearances"][0]) == {"guest"} | _own_columns(Appearance.__table__)
    for model in (Chapter, Transcript, Soundbite):
        table = model.__table__
        assert set(episode["parts"][table.name][0]) == _own_columns(table)
    carried = {t.name for t in archive.part_tables("episodes") + archive.part_tables("shows")}
    referring = {
        table.name
        for table in Base.metadata.sorted_tables
        if any(fk.column.table.name in {"episodes", "shows"} for fk in table.foreign_keys)
    }
    # Every table that refers to an episode or a show is carried, or left out for a stated
    # reason; so are the rows that belong to one of those (a listener's report on advice).
    assert carried - {"advice_reports"} == referring - set(archive.LEFT_OUT)
    assert {"chapters", "transcripts", "soundbites", "daily_downloads", "advice"} <= carried
    assert {"advice_reports"} <= {t.name for t in archive.part_tables("episodes")}
    assert {"follow_ups", "mentor_stories"} <= {t.name for t in archive.part_tables("shows")}


@pytest.fixture
def later_table(pair: tuple[Flask, Flask]) -> Iterator[Table]:
    """A table of episode parts as a later migration might add it, with a guest reference,
    link columns and a file, in both installs' databases."""
    table = Table(
        "test_later_parts", Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("episode_id", ForeignKey("episodes.id", ondelete="CASCADE")),
        Column("person_id", ForeignKey("guests.id", ondelete="CASCADE"), nullable=True),
        Column("label", String(64)),
        Column("href", String(255), nullable=True),
        Column("image_url", String(255), default="", nullable=False),
        Column("file", String(255), nullable=True),
    )  # fmt: skip
    try:
        for app in pair:
            table.create(db.get_engine(app))
        yield table
    finally:
        Base.metadata.remove(table)


def test_a_table_added_later_comes_along_and_its_links_are_screened(
    pair: tuple[Flask, Flask], later_table: Table, tmp_path: Path
) -> None:
    source, target = pair
    with db.new_session(source) as session:
        episode_id = session.scalar(select(Episode.id).where(Episode.slug == "all-of-it"))
        guest_id = session.scalar(select(Guest.id).where(Guest.slug == "zoe-guest"))
        kept_file = Path(source.config["EPISODES_DIR"]) / SLUG / "later.json"
        kept_file.write_text('{"a later": "file"}')
        session.execute(insert(later_table), [
            {"episode_id": episode_id, "person_id": guest_id, "label": "kept",
             "href": "https://example.com/p", "image_url": "https://example.com/p.png",
             "file": f"{SLUG}/later.json"},
            {"episode_id": episode_id, "person_id": None, "label": "hostile",
             "href": "javascript:alert(1)", "image_url": "data:text/html,x", "file": None},
        ])  # fmt: skip
        session.commit()
    manifest = _export(source, tmp_path / "a.zip")
    episode = next(e for e in manifest["episodes"] if e["slug"] == "all-of-it")
    assert episode["parts"]["test_later_parts"][0] == {
        "label": "kept", "href": "https://example.com/p", "file": f"{SLUG}/later.json",
        "image_url": "https://example.com/p.png", "person": "zoe-guest",
    }  # fmt: skip
    assert f"media/{SLUG}/later.json" in manifest["media"]
    code, output = _import(target, tmp_path / "a.zip")
    assert code == 0, output
    assert "href 'javascript:alert(1)' is not an http(s) URL; not stored" in output
    with db.new_session(target) as session:
        rows = session.execute(
            select(later_table.c.label, later_table.c.href, later_table.c.image_url, Guest.slug)
            .outerjoin(Guest, Guest.id == later_table.c.person_id)
            .order_by(later_table.c.label)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("hostile", None, "", None),
        ("kept", "https://example.com/p", "https://example.com/p.png", "zoe-guest"),
    ]
    restored = Path(target.config["EPISODES_DIR"]) / SLUG / "later.json"
    assert restored.read_text() == '{"a later": "file"}'


def test_a_version_1_archive_still_restores(pair: tuple[Flask, Flask], tmp_path: Path) -> None:
    source, target = pair
    manifest = _export(source, tmp_path / "a.zip")
    manifest["version"] = 1
    del manifest["redirects"], manifest["with_review"]
    for episode in manifest["episodes"]:
        del episode["parts"]
        episode["version"] = 3  # version 1 carried the edit counter; it is ignored now
    code, output = _import(target, _rewrite(tmp_path / "a.zip", tmp_path / "v1.zip", manifest))
    assert code == 0, output
    assert "4 episodes added" in output
    with db.new_session(target) as session:
        assert session.scalar(select(func.count(Chapter.id))) == 0
        assert session.scalar(select(func.count(Episode.id))) == 4
    page = target.test_client().get(f"/{SLUG}/episodes/all-of-it")
    assert page.status_code == 200


def test_an_archive_from_a_newer_version_is_refused_with_a_reason(
    pair: tuple[Flask, Flask], tmp_path: Path
) -> None:
    source, target = pair
    manifest = _export(source, tmp_path / "a.zip")
    manifest["version"] = 3
    code, output = _import(target, _rewrite(tmp_path / "a.zip", tmp_path / "v3.zip", manifest))
    assert code == 1
    assert "The archive is format version 3; this install reads versions 1, 2." in output


def _nothing_written(target: Flask) -> None:
    with db.new_session(target) as session:
        assert session.scalar(select(func.count(Show.id))) == 0
    assert not any(Path(target.config["EPISODES_DIR"]).rglob("*.*"))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda m: m["guests"][0].update(photo="other-show/zoe.png"),
         "guest photo other-show/zoe.png is outside the folders"),
        (lambda m: m["episodes"][0]["parts"]["chapters"][0].update(file="other-show/x.mp3"),
         "refers to the file other-show/x.mp3, outside its own folder"),
        (lambda m: m["episodes"][0]["parts"].update(chapters="lots"),
         "this install keeps no 'chapters'"),
        (lambda m: m["episodes"][0]["parts"]["chapters"].append(["not", "a", "row"]),
         "has a chapters row that is no object"),
        (lambda m: m["episodes"][0]["parts"]["chapters"][0].update(start_seconds=[1]),
         "The archive's rows do not fit this install"),
        (lambda m: m["episodes"][0].update(published_at="last tuesday"),
         "The archive's manifest is malformed"),
        (lambda m: m["episodes"][0].update(parts=[]), "an episode's parts are no object"),
    ],
)  # fmt: skip
def test_hostile_rows_are_refused_with_a_message_and_leave_nothing(
    pair: tuple[Flask, Flask], tmp_path: Path, damage: Any, message: str
) -> None:
    source, target = pair
    manifest = _export(source, tmp_path / "a.zip")
    damage(manifest)
    code, output = _import(target, _rewrite(tmp_path / "a.zip", tmp_path / "bad.zip", manifest))
    if "keeps no" in message:  # a part this install does not know is skipped and reported
        assert code == 0 and message in output
        return
    assert code == 1 and message in output, output
    _nothing_written(target)


def test_a_guest_photo_already_here_is_kept(pair: tuple[Flask, Flask], tmp_path: Path) -> None:
    source, target = pair
    manifest = _export(source, tmp_path / "a.zip")
    photo = next(g["photo"] for g in manifest["guests"] if g["slug"] == "zoe-guest")
    assert {f"media/{name}" for name in images.photo_names(photo)} <= set(manifest["media"])
    mine = Path(target.config["EPISODES_DIR"]) / photo
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"another show's photo of someone else")
    code, output = _import(target, tmp_path / "a.zip")
    assert code == 0, output
    assert mine.read_bytes() == b"another show's photo of someone else"
    assert not list(mine.parent.glob(".unpack-*"))


def test_a_show_table_added_later_comes_along(pair: tuple[Flask, Flask], tmp_path: Path) -> None:
    """Rows that belong to the show itself (say, several funding links) move with it."""
    source, target = pair
    table = Table(
        "test_later_show_parts", Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("show_id", ForeignKey("shows.id", ondelete="CASCADE")),
        Column("label", String(64)),
        Column("url", String(255), default="", nullable=False),
    )  # fmt: skip
    try:
        for app in pair:
            table.create(db.get_engine(app))
        with db.new_session(source) as session:
            show_id = session.scalar(select(Show.id).where(Show.slug == SLUG))
            session.execute(insert(table), [
                {"show_id": show_id, "label": "Patreon", "url": "https://example.com/p"},
                {"show_id": show_id, "label": "Evil", "url": "javascript:alert(1)"},
            ])  # fmt: skip
            session.commit()
        manifest = _export(source, tmp_path / "a.zip")
        assert manifest["show_parts"]["test_later_show_parts"][0] == {
            "label": "Patreon", "url": "https://example.com/p"
        }  # fmt: skip
        code, output = _import(target, tmp_path / "a.zip")
        assert code == 0, output
        assert "show 'every-feature' test_later_show_parts url 'javascript:alert(1)'" in output
        with db.new_session(target) as session:
            rows = session.execute(select(table.c.label, table.c.url).order_by(table.c.id)).all()
        assert [tuple(row) for row in rows] == [("Patreon", "https://example.com/p"), ("Evil", "")]
        # A second restore of the same archive adds nothing.
        assert _import(target, tmp_path / "a.zip")[0] == 0
        with db.new_session(target) as session:
            assert session.scalar(select(func.count()).select_from(table)) == 2
    finally:
        Base.metadata.remove(table)


def test_where_an_imported_show_came_from_is_kept_even_when_it_is_a_file(
    pair: tuple[Flask, Flask], tmp_path: Path
) -> None:
    """source_feed_url is the key a re-import finds its show by, never a link on a page."""
    source, target = pair
    with db.new_session(source) as session:
        show = session.scalars(select(Show).where(Show.slug == SLUG)).one()
        show.source_feed_url = "saved-feed.xml"
        session.commit()
    _export(source, tmp_path / "a.zip")
    code, output = _import(target, tmp_path / "a.zip")
    assert code == 0 and "not an http(s) URL" not in output, output
    with db.new_session(target) as session:
        kept = session.scalar(select(Show.source_feed_url).where(Show.slug == SLUG))
    assert kept == "saved-feed.xml"


def test_kept_podcast_elements_get_the_imports_link_check_again(
    pair: tuple[Flask, Flask], tmp_path: Path
) -> None:
    """An archive can carry elements that never went through an import's screening: a value
    block or alternate enclosure with a script link is republished without that link."""
    source, target = pair
    manifest = _export(source, tmp_path / "a.zip")
    episode = next(e for e in manifest["episodes"] if e["slug"] == "all-of-it")
    episode["podcast_extras"] = [{
        "tag": "alternateEnclosure", "attrs": {"type": "audio/mpeg", "length": "1"},
        "children": [
            {"tag": "source", "attrs": {"uri": "javascript:alert(1)"}},
            {"tag": "source", "attrs": {"uri": "ipfs://QmHash"}},
        ],
    }]  # fmt: skip
    code, output = _import(target, _rewrite(tmp_path / "a.zip", tmp_path / "x.zip", manifest))
    assert code == 0, output
    assert "podcast element link 'javascript:alert(1)' is not safe; not stored" in output
    feed = target.test_client().get(f"/{SLUG}/feed.xml").get_data(as_text=True)
    assert 'uri="ipfs://QmHash"' in feed and "javascript:" not in feed
