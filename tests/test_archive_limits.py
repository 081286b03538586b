"""Hostile export archives (`showapp import x.zip`): bombs, lying sizes, huge manifests and
paths outside the restored show's folder are refused with a clear message, and nothing is
written to the media folder or the database."""

from __future__ import annotations

import json
import os
import struct
import uuid
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from showapp import db
from showapp.models import Episode, Show
from tests.conftest import fresh_app

MB = 1024 * 1024


@pytest.fixture
def manifest(runner: FlaskCliRunner, pod: Show, tmp_path: Path) -> dict[str, object]:
    """Pod's real manifest, renamed to the new show "restored" with no episodes of its own."""
    exported = tmp_path / "pod.zip"
    assert runner.invoke(args=["export", "pod", str(exported)]).exit_code == 0
    with zipfile.ZipFile(exported) as archive:
        data: dict[str, object] = json.loads(archive.read("manifest.json"))
    show = data["show"]
    assert isinstance(show, dict)
    show.update(slug="restored", title="Restored", artwork=None, podcast_guid=str(uuid.uuid4()))
    data.update(episodes=[], guests=[], topics=[], hosts=[])
    return data


def _zip(
    path: Path,
    manifest: dict[str, object],
    entries: dict[str, bytes],
    compress: int = zipfile.ZIP_STORED,
) -> Path:
    manifest = {**manifest, "media": sorted(entries)}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest), zipfile.ZIP_DEFLATED)
        for name, data in entries.items():
            archive.writestr(name, data, compress)
    return path


def _refused(runner: FlaskCliRunner, archive: Path, message: str) -> None:
    result = runner.invoke(args=["import", str(archive)])
    assert result.exit_code == 1, result.output
    assert message in result.output


def _nothing_restored(session: Session, episodes_dir: Path) -> None:
    session.rollback()
    assert session.scalar(select(func.count(Show.id)).where(Show.slug == "restored")) == 0
    assert not (episodes_dir / "restored").exists()
    assert not [p for p in episodes_dir.rglob("*") if p.name.endswith(".part")]


def test_a_sound_archive_restores_its_files(
    runner: FlaskCliRunner, session: Session, manifest: dict[str, object], tmp_path: Path,
    episodes_dir: Path,
) -> None:  # fmt: skip
    audio = os.urandom(2 * MB)
    archive = _zip(tmp_path / "ok.zip", manifest, {"media/restored/a.mp3": audio})
    result = runner.invoke(args=["import", str(archive)])
    assert result.exit_code == 0, result.output
    assert (episodes_dir / "restored" / "a.mp3").read_bytes() == audio
    assert session.scalar(select(func.count(Show.id)).where(Show.slug == "restored")) == 1


def test_a_zip_bomb_entry_is_refused(
    runner: FlaskCliRunner, session: Session, manifest: dict[str, object], tmp_path: Path,
    episodes_dir: Path,
) -> None:  # fmt: skip
    bomb = {"media/restored/a.mp3": bytes(64 * MB)}
    archive = _zip(tmp_path / "bomb.zip", manifest, bomb, zipfile.ZIP_DEFLATED)
    assert archive.stat().st_size < MB
    _refused(runner, archive, "refused as a zip bomb")
    _nothing_restored(session, episodes_dir)


def _lie_about_size(path: Path, name: str, declared: int) -> None:
    """Rewrite the uncompressed size of `name` in both its local and central headers."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_at : start + name_at + len(encoded)] == encoded:
                data[start + size_at : start + size_at + 4] = struct.pack("<I", declared)
            start += 4
    path.write_bytes(bytes(data))


def test_an_entry_that_unpacks_to_more_than_its_header_says_is_refused(
    runner: FlaskCliRunner, session: Session, manifest: dict[str, object], tmp_path: Path,
    episodes_dir: Path,
) -> None:  # fmt: skip
    name = "media/restored/a.mp3"
    archive = _zip(tmp_path / "liar.zip", manifest, {name: bytes(32 * MB)}, zipfile.ZIP_DEFLATED)
    # 500 KB declared: small enough to pass every check made on the central directory.
    _lie_about_size(archive, name, 500_000)
    with zipfile.ZipFile(archive) as check:
        assert check.getinfo(name).file_size == 500_000
    _refused(runner, archive, "The archive is damaged")
    _nothing_restored(session, episodes_dir)


def test_the_total_size_is_bounded_by_configuration(
    app: Flask, runner: FlaskCliRunner, session: Session, manifest: dict[str, object],
    tmp_path: Path, episodes_dir: Path,
) -> None:  # fmt: skip
    app.config["ARCHIVE_MAX_BYTES"] = 3 * MB
    entries = {f"media/restored/{n}.mp3": os.urandom(2 * MB) for n in range(2)}
    archive = _zip(tmp_path / "big.zip", manifest, entries)
    _refused(runner, archive, "at most 3145728 are accepted")
    _nothing_restored(session, episodes_dir)


def test_a_huge_manifest_is_refused_before_it_is_read(
    runner: FlaskCliRunner, session: Session, manifest: dict[str, object], tmp_path: Path,
    episodes_dir: Path,
) -> None:  # fmt: skip
    padded = {**manifest, "padding": " " * (60 * MB)}
    archive = _zip(tmp_path / "manifest.zip", padded, {})
    assert archive.stat().st_size < MB
    _refused(runner, archive, "manifest unpacks to")
    _nothing_restored(session, episodes_dir)


@pytest.mark.parametrize(
    "name",
    [
        "media/restored/../../escaped.mp3",
        "media/restored/../pod/escaped.mp3",
        "media//etc/escaped.mp3",
        "media/restored.mp3",
        "/media/restored/a.mp3",
    ],
)
def test_paths_outside_the_show_folder_are_refused(
    name: str, runner: FlaskCliRunner, session: Session, manifest: dict[str, object],
    tmp_path: Path, episodes_dir: Path,
) -> None:  # fmt: skip
    archive = _zip(tmp_path / "escape.zip", manifest, {name: b"nope"})
    _refused(runner, archive, "Unsafe file name in the archive")
    _nothing_restored(session, episodes_dir)
    assert not list(tmp_path.rglob("escaped.mp3"))


def test_an_archive_cannot_overwrite_another_shows_files(
    runner: FlaskCliRunner, session: Session, manifest: dict[str, object], tmp_path: Path,
    episodes_dir: Path,
) -> None:  # fmt: skip
    theirs = session.scalars(select(Episode.audio_file)).one()
    assert theirs is not None and theirs.startswith("pod/")
    before = (episodes_dir / theirs).read_bytes()
    archive = _zip(tmp_path / "other.zip", manifest, {f"media/{theirs}": b"replaced"})
    _refused(runner, archive, "only media/restored/... is accepted")
    assert (episodes_dir / theirs).read_bytes() == before
    _nothing_restored(session, episodes_dir)
    # Nor may the restored show's rows point at pod's files.
    show = manifest["show"]
    assert isinstance(show, dict)
    show["artwork"] = theirs
    _refused(runner, _zip(tmp_path / "ref.zip", manifest, {}), "outside its own folder")
    _nothing_restored(session, episodes_dir)


def test_notes_that_repeat_in_every_episode_still_restore(
    app: Flask, runner: FlaskCliRunner, session: Session, pod: Show, tmp_path: Path,
    migrated_database: str,
) -> None:  # fmt: skip
    """Boilerplate in every episode's notes deflates the manifest hundreds of times: its size
    is capped by itself, so the zip-bomb ratio is no reason to refuse our own export."""
    boilerplate = "Thanks to our sponsors and to everyone who listens. " * 25000
    session.execute(update(Episode).where(Episode.show_id == pod.id).values(notes_md=boilerplate))
    session.commit()
    exported = tmp_path / "pod.zip"
    assert runner.invoke(args=["export", "pod", str(exported)]).exit_code == 0
    with zipfile.ZipFile(exported) as archive:
        info = archive.getinfo("manifest.json")
    assert info.file_size > 1024**2 and info.file_size / info.compress_size > 100
    episodes = session.scalar(select(func.count(Episode.id)))
    session.close()
    fresh = fresh_app(app, tmp_path, migrated_database)
    try:
        result = fresh.test_cli_runner().invoke(args=["import", str(exported)])
        assert result.exit_code == 0, result.output
        with db.new_session(fresh) as restored:
            notes = restored.scalars(select(Episode.notes_md)).all()
        assert notes == [boilerplate] * episodes and episodes
    finally:
        db.get_engine(fresh).dispose()
