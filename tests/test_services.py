"""Domain rules: slugs, GUIDs, audio probing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from mutagen.mp3 import MP3
from sqlalchemy.orm import Session

from showapp.errors import BadAudio, InvalidInput, SlugTaken
from showapp.services.audio import files as audio_files
from showapp.services.audio.mp3frames import FrameError, scan_file
from showapp.services.catalog import writes
from showapp.services.catalog.text import render_notes, slugify
from showapp.storage import LocalStorage
from tests.factories import make_episode, make_mp3, make_show

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("feed_url", "guid"),
    [
        ("https://podnews.net/rss", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
        ("http://mp3s.nashownotes.com/pc20rss.xml", "917393e3-1b1e-5cef-ace4-edaa54e1f810"),
        ("https://podnews.net/rss/", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
    ],
)
def test_podcast_guid_follows_the_podcasting_2_rule(feed_url: str, guid: str) -> None:
    assert writes.podcast_guid_for(feed_url) == guid


def test_episode_guid_and_slug_survive_a_title_change(session: Session, episodes_dir: Path) -> None:
    show = make_show(session)
    episode = make_episode(session, show, episodes_dir, title="First title")
    guid, slug = episode.guid, episode.slug
    episode.title = "A better title"
    session.commit()
    session.refresh(episode)
    assert (episode.guid, episode.slug) == (guid, "first-title") and slug == "first-title"


def test_duplicate_slugs_are_refused(session: Session, episodes_dir: Path) -> None:
    show = make_show(session, slug="dup")
    with pytest.raises(SlugTaken):
        make_show(session, slug="dup")
    make_episode(session, show, episodes_dir, title="Same", slug="same")
    with pytest.raises(SlugTaken):
        writes.create_episode(session, show, title="Other", slug="same")
    # A derived slug steps aside instead of failing.
    assert writes.create_episode(session, show, title="Same").slug == "same-2"


@pytest.mark.parametrize("slug", ["studio", "media", "shows", "Bad Slug", "ü"])
def test_reserved_or_malformed_show_slugs_are_refused(session: Session, slug: str) -> None:
    with pytest.raises(InvalidInput):
        make_show(session, slug=slug)


def test_empty_title_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="title is required"):
        make_show(session, title="   ")


def test_vbr_mp3_without_xing_header_gets_its_true_duration(tmp_path: Path) -> None:
    path = DATA / "vbr-noxing.mp3"  # 30 s of VBR audio with no Xing/VBRI header
    assert MP3(path).info.length < 10  # mutagen alone guesses from the first frame
    info = audio_files.probe_audio(path, ".mp3")
    assert info.duration_seconds == pytest.approx(30, abs=0.2)


def test_frame_walk_detects_a_cut_off_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.mp3"
    data = make_mp3(4)
    path.write_bytes(data[:-100])
    with pytest.raises(FrameError, match="truncated"):
        scan_file(path)
    path.write_bytes(data)
    assert scan_file(path).duration_seconds == pytest.approx(4, abs=0.1)


def test_staged_audio_leaves_nothing_when_the_block_fails(tmp_path: Path) -> None:
    with (
        pytest.raises(RuntimeError),
        audio_files.staged_audio(
            io.BytesIO(make_mp3(2)), LocalStorage(tmp_path), "s", "a.mp3"
        ) as staged,
    ):
        staged.relative_name("s", "ep")
        staged.keep()
        raise RuntimeError("commit failed")
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_empty_upload_is_refused(tmp_path: Path) -> None:
    with (
        pytest.raises(BadAudio, match="empty"),
        audio_files.staged_audio(io.BytesIO(b""), LocalStorage(tmp_path), "s", "a.mp3"),
    ):
        pass


def test_notes_are_rendered_and_sanitised() -> None:
    html = render_notes('Hi <img src=x onerror="alert(1)"> [x](javascript:alert(1)) & **bold**')
    assert "<img" not in html and "onerror" not in html and 'href="javascript' not in html
    assert "<strong>bold</strong>" in html and "&amp;" in html


def test_slugify_is_ascii() -> None:
    assert slugify("Zoë & José: Mentors vs. Sponsors!") == "zoe-jose-mentors-vs-sponsors"
