"""Transcripts and soundbites: validated uploads, speakers kept, served with CORS."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.services.catalog import soundbites, transcripts
from tests.factories import make_episode, make_show

VTT = """WEBVTT

NOTE recorded in the studio

1
00:00:00.000 --> 00:00:01.200
<v Ada Host>Welcome to the show.

00:01.200 --> 00:02.000 align:start
<v Ada Host>Today we talk about <b>mentors</b>.

00:00:02.000 --> 00:00:02.900
<v.guest Grace Guest>Thanks for having me.
"""

SRT = """1
00:00:00,000 --> 00:00:01,500
Ada Host: Welcome back.

2
00:00:01,500 --> 00:00:02,900
Grace Guest: Glad to be here,
again.
"""


def test_vtt_upload_keeps_speakers_and_plain_text(session: Session, episodes_dir: Path) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    transcript, warnings = transcripts.add_transcript(session, episode, VTT.encode())
    assert warnings == []
    assert transcript.format == "vtt"
    assert transcript.speakers == ["Ada Host", "Grace Guest"]
    assert transcript.plain_text == (
        "Ada Host: Welcome to the show. Today we talk about mentors.\n\n"
        "Grace Guest: Thanks for having me."
    )
    assert transcript.body == VTT


def test_srt_upload_reads_name_prefixes(session: Session, episodes_dir: Path) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    transcript, _ = transcripts.add_transcript(
        session, episode, SRT, filename="talk.srt", language="de"
    )
    assert (transcript.format, transcript.language) == ("srt", "de")
    assert transcript.speakers == ["Ada Host", "Grace Guest"]
    assert "Grace Guest: Glad to be here, again." in transcript.plain_text


@pytest.mark.parametrize(
    ("text", "filename", "message"),
    [
        ('{"segments": []}', "talk.json", "not WebVTT or SRT: line 1"),
        ("Hello there, this is a text file.", None, "not WebVTT or SRT"),
        ("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nhi\n", None, "Line 3: expected a cue timing"),
        ("WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nhi\n", None, "Line 3: the cue ends before"),
        ("WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nhi\n", None, "Line 3: '00:00:01,000' is not"),
        ("1\n00:00:00,000 --> 00:00:01,000\nA\n\nx\n00:00:01,000 --> 00:00:02,000\nB\n", None,
         "Line 5: expected a cue number"),
        ("WEBVTT\n\n00:00:02.000 --> 00:00:03.000\na\n\n00:00:01.000 --> 00:00:02.000\nb\n",
         None, "Line 6: cues must be in order"),
        ("NOT VTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n", "talk.vtt", "Line 1: a WebVTT file"),
    ],
)  # fmt: skip
def test_malformed_transcripts_are_refused_with_the_line(
    session: Session, episodes_dir: Path, text: str, filename: str | None, message: str
) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    with pytest.raises(InvalidInput, match=message):
        transcripts.add_transcript(session, episode, text, filename=filename)
    assert transcripts.get_transcript(session, episode) is None


def test_transcript_of_another_length_is_stored_with_a_warning(
    session: Session, episodes_dir: Path
) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    long_one = "WEBVTT\n\n00:09:00.000 --> 00:10:00.000\n<v Ada>Long talk.\n"
    transcript, warnings = transcripts.add_transcript(session, episode, long_one)
    assert transcript.id is not None
    assert len(warnings) == 1 and "ends at 600 s but the audio lasts 3 s" in warnings[0]


def test_transcripts_served_in_their_format_and_as_text(
    session: Session, episodes_dir: Path, live_server: str
) -> None:
    show = make_show(session)
    episode = make_episode(session, show, episodes_dir)
    transcripts.add_transcript(session, episode, VTT)
    transcripts.add_transcript(session, episode, SRT, language="de")
    session.commit()
    base = f"{live_server}/media/{show.slug}/{episode.slug}"
    expected = [
        ("transcript.vtt", "text/vtt; charset=utf-8", "<v Ada Host>"),
        ("transcript.txt", "text/plain; charset=utf-8", "Ada Host: Welcome to the show."),
        ("transcript.srt?lang=de", "application/x-subrip", "Grace Guest: Glad"),
    ]
    for path, mime, text in expected:
        with urllib.request.urlopen(f"{base}/{path}") as response:
            assert response.headers["Content-Type"] == mime
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            assert response.headers["ETag"]
            assert text in response.read().decode()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/transcript.srt")  # English is stored as VTT only
    missing.value.close()
    assert missing.value.code == 404


def test_soundbite_inside_the_audio(session: Session, episodes_dir: Path) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    soundbite, warnings = soundbites.add_soundbite(
        session, episode, start=0.5, duration=2.0, title="The key line"
    )
    assert soundbite.id is not None
    assert warnings == ["Soundbites of 15 to 120 s are recommended; this one is 2 s."]
    assert [s.title for s in soundbites.list_soundbites(session, episode)] == ["The key line"]


@pytest.mark.parametrize(
    ("start", "duration", "title", "message"),
    [
        (2.0, 5.0, "", "ends at 7.0 s, past the end of the audio"),
        (-1.0, 1.0, "", "cannot be negative"),
        (0.0, 0.0, "", "duration above zero"),
        (0.0, 1.0, "x" * 129, "longer than 128"),
    ],
)
def test_bad_soundbites_are_refused(
    session: Session, episodes_dir: Path, start: float, duration: float, title: str, message: str
) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    with pytest.raises(InvalidInput, match=message):
        soundbites.add_soundbite(session, episode, start=start, duration=duration, title=title)
    assert soundbites.list_soundbites(session, episode) == []


def test_replace_soundbites_names_the_bad_row_and_keeps_the_old_list(
    session: Session, episodes_dir: Path
) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    stored, warnings = soundbites.replace_soundbites(session, episode, [(0.0, 1.0, "One")])
    assert [s.title for s in stored] == ["One"] and warnings[0].startswith("Soundbite 1:")
    with pytest.raises(InvalidInput, match="Soundbite 2: The soundbite ends at 4.0 s, past"):
        soundbites.replace_soundbites(session, episode, [(0.0, 1.0, "A"), (2.0, 2.0, "B")])
    assert [s.title for s in soundbites.list_soundbites(session, episode)] == ["One"]
