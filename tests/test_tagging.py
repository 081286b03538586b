"""Tagged audio files: a new file per change, read back by mutagen, swapped in atomically."""

from __future__ import annotations

import io
import json
import resource
import shutil
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from mutagen.id3 import ID3
from mutagen.mp4 import MP4
from PIL import Image
from sqlalchemy.orm import Session

from showapp.errors import MediaWriteFailed
from showapp.models import Episode, Show
from showapp.services.audio import files as audio_files
from showapp.services.audio import retagging
from showapp.services.catalog import chapters, writes
from showapp.services.catalog.chapters import ChapterEntry
from showapp.storage import LocalStorage
from tests.conftest import BASE_URL, require
from tests.factories import make_episode, make_mp3, make_show

DATA = Path(__file__).parent / "data"
CHAPTERS = [
    ChapterEntry(0.0, "Welcome", "https://example.com/welcome"),
    ChapterEntry(1.25, "Zweite Frage – ü"),
    ChapterEntry(2.5, "Goodbye"),
]


def _with_artwork(session: Session, show: Show, episodes_dir: Path) -> bytes:
    folder = episodes_dir / show.slug
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 40, 40)).save(buffer, "PNG")
    (folder / "cover.png").write_bytes(buffer.getvalue())
    show.artwork = f"{show.slug}/cover.png"
    session.flush()
    return buffer.getvalue()


def _m4a_episode(
    session: Session, show: Show, episodes_dir: Path, source: Path = DATA / "tone.m4a"
) -> Episode:
    with (
        source.open("rb") as stream,
        audio_files.staged_audio(
            stream, LocalStorage(episodes_dir), show.slug, "tone.m4a"
        ) as staged,
    ):
        episode = writes.create_episode(session, show, title="Tone talk", audio=staged, number=7)
        writes.publish_episode(episode)
        session.flush()
        staged.keep()
    return episode


def _decoded_md5(path: Path) -> str:
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a", "-f", "md5", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stderr == ""
    return result.stdout.strip()


def test_mp3_carries_its_metadata_and_chapters(
    session: Session, episodes_dir: Path, client: FlaskClient
) -> None:
    show = make_show(session, title="Mentor Hour", author="Ada Host")
    cover = _with_artwork(session, show, episodes_dir)
    episode = make_episode(session, show, episodes_dir, number=12, summary="About mentors.")
    chapters.replace_chapters(session, episode, CHAPTERS)
    old_name, guid = episode.audio_file, episode.guid
    with retagging.tag_episode_audio(session, episode, LocalStorage(episodes_dir), BASE_URL):
        session.commit()
    assert episode.audio_file != old_name and episode.guid == guid
    assert not (episodes_dir / str(old_name)).exists()
    path = episodes_dir / str(episode.audio_file)
    assert episode.audio_bytes == path.stat().st_size
    tags = ID3(path)
    assert tags.version == (2, 4, 0)
    assert str(tags["TIT2"]) == episode.title
    assert (str(tags["TPE1"]), str(tags["TALB"]), str(tags["TRCK"])) == (
        "Ada Host",
        "Mentor Hour",
        "12",
    )
    assert str(tags["TDRC"]) == str(episode.published_at.year)  # type: ignore[union-attr]
    assert tags.getall("COMM")[0].text == ["About mentors."]
    page = f"{BASE_URL}/{show.slug}/episodes/{episode.slug}"
    assert tags.getall("WOAS")[0].url == page
    assert tags.getall("APIC")[0].data == cover
    (toc,) = tags.getall("CTOC")
    assert toc.child_element_ids == ["chp0", "chp1", "chp2"]
    chaps = sorted(tags.getall("CHAP"), key=lambda frame: frame.start_time)
    assert [(c.start_time, str(c.sub_frames["TIT2"])) for c in chaps] == [
        (0, "Welcome"),
        (1250, "Zweite Frage – ü"),
        (2500, "Goodbye"),
    ]
    assert chapters.read_audio_chapters(path) == CHAPTERS
    audio_files.probe_audio(path, ".mp3")  # still audio we would accept
    with client.get(f"/media/{episode.audio_file}") as response:
        assert response.status_code == 200
    with client.get(f"/media/{old_name}") as response:
        assert response.status_code == 404


def test_m4a_carries_its_metadata_and_chapters(session: Session, episodes_dir: Path) -> None:
    show = make_show(session, title="Mentor Hour", author="Ada Host")
    cover = _with_artwork(session, show, episodes_dir)
    episode = _m4a_episode(session, show, episodes_dir)
    chapters.replace_chapters(session, episode, CHAPTERS)
    with retagging.tag_episode_audio(session, episode, LocalStorage(episodes_dir), BASE_URL):
        session.commit()
    path = episodes_dir / str(episode.audio_file)
    audio = MP4(path)
    assert audio.tags is not None
    assert audio.tags["©nam"] == ["Tone talk"]
    assert (audio.tags["©ART"], audio.tags["©alb"]) == (["Ada Host"], ["Mentor Hour"])
    assert audio.tags["trkn"] == [(7, 0)]
    assert bytes(audio.tags["covr"][0]) == cover
    assert [(c.start, c.title) for c in audio.chapters] == [
        (c.start_seconds, c.title) for c in CHAPTERS
    ]
    assert abs(audio.info.length - (episode.duration_seconds or 0)) < 0.01
    audio_files.probe_audio(path, ".m4a")


@pytest.mark.parametrize("layout", ["moov-first", "mdat-first"])
def test_ffmpeg_reads_the_m4a_chapters_and_the_audio_is_untouched(
    session: Session, episodes_dir: Path, tmp_path: Path, layout: str
) -> None:
    # Growing moov shifts the audio when moov comes first: the chunk offsets must follow.
    require(shutil.which("ffmpeg") is not None, "ffmpeg")
    source = DATA / "tone.m4a"
    if layout == "mdat-first":
        source = tmp_path / "remuxed.m4a"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(DATA / "tone.m4a"), "-c", "copy", str(source)],
            check=True,
        )
    episode = _m4a_episode(session, make_show(session), episodes_dir, source)
    chapters.replace_chapters(session, episode, CHAPTERS)
    with retagging.tag_episode_audio(session, episode, LocalStorage(episodes_dir), BASE_URL):
        session.commit()
    path = episodes_dir / str(episode.audio_file)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "chapter=start_time:chapter_tags=title",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = [
        (float(c["start_time"]), c["tags"]["title"]) for c in json.loads(probe.stdout)["chapters"]
    ]
    assert found == [(c.start_seconds, c.title) for c in CHAPTERS]
    assert _decoded_md5(path) == _decoded_md5(source)


def test_a_failed_write_leaves_the_previous_file_serving(
    session: Session, episodes_dir: Path, client: FlaskClient
) -> None:
    show = make_show(session)
    episode = make_episode(session, show, episodes_dir)
    session.commit()
    old_name, version = episode.audio_file, episode.version
    before = sorted(p.name for p in (episodes_dir / show.slug).iterdir())
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # A real limit on file size (like a full disk or quota): writing the copy fails part way.
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
    try:
        with pytest.raises(MediaWriteFailed, match="previous file is still the one served"):
            retagging.tag_episode_audio(session, episode, LocalStorage(episodes_dir), BASE_URL)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    session.rollback()
    session.refresh(episode)
    assert (episode.audio_file, episode.version) == (old_name, version)
    assert sorted(p.name for p in (episodes_dir / show.slug).iterdir()) == before
    with client.get(f"/media/{old_name}") as response:
        assert response.status_code == 200


def test_a_failed_commit_keeps_the_old_file(session: Session, episodes_dir: Path) -> None:
    show = make_show(session)
    episode = make_episode(session, show, episodes_dir)
    session.commit()
    old_name = episode.audio_file
    with (
        pytest.raises(RuntimeError),
        retagging.tag_episode_audio(session, episode, LocalStorage(episodes_dir), BASE_URL) as swap,
    ):
        raise RuntimeError("the commit failed")
    session.rollback()
    assert (episodes_dir / str(old_name)).exists()
    assert not (episodes_dir / swap.new_name).exists()


def test_replacing_audio_gives_a_new_url_and_keeps_the_guid(
    session: Session, episodes_dir: Path
) -> None:
    show = make_show(session)
    episode = make_episode(session, show, episodes_dir, seconds=3.0)
    session.commit()
    old_name, guid = episode.audio_file, episode.guid
    upload = io.BytesIO(make_mp3(6.0, seed=99))
    with (
        audio_files.staged_audio(
            upload, LocalStorage(episodes_dir), show.slug, "new.mp3"
        ) as staged,
        retagging.replace_audio(session, episode, staged, LocalStorage(episodes_dir), BASE_URL),
    ):
        session.commit()
    assert episode.guid == guid and episode.audio_file != old_name
    assert episode.duration_seconds is not None and episode.duration_seconds > 5
    assert episode.audio_bytes == (episodes_dir / str(episode.audio_file)).stat().st_size
    assert str(ID3(episodes_dir / str(episode.audio_file))["TIT2"]) == episode.title
    assert not (episodes_dir / str(old_name)).exists()
    assert retagging.find_by_sha256(session, staged.sha256) == episode
