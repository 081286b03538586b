"""Transcripts: validate WebVTT or SRT line by line, keep speakers, store text for search."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.models import Episode, Transcript

FORMATS = {"vtt": "text/vtt", "srt": "application/x-subrip"}
MAX_BYTES = 5 * 1024 * 1024
_VTT_TIME = re.compile(r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
_SRT_TIME = re.compile(r"^(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG = re.compile(r"<[^>]*>")
_SRT_SPEAKER = re.compile(r"^([^\W\d][\w.' -]{0,39}):\s+(.*)$")
_LOOKS_TIMED = re.compile(r"^\s*\d+:\d")
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")


@dataclass(frozen=True)
class Cue:
    line: int
    start: float
    end: float
    speaker: str
    text: str


def detect_format(text: str, filename: str | None = None) -> str:
    suffix = PurePath(filename).suffix.lower().lstrip(".") if filename else ""
    if suffix in FORMATS:
        return suffix
    first = text.lstrip("\n").split("\n", 1)[0].strip()
    if first.startswith("WEBVTT"):
        return "vtt"
    if first.isdigit():
        return "srt"
    raise InvalidInput(
        "The transcript is not WebVTT or SRT: line 1 should be 'WEBVTT' (WebVTT) or a cue "
        "number (SRT)."
    )


def parse_transcript(text: str, transcript_format: str) -> list[Cue]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cues = _parse_vtt(lines) if transcript_format == "vtt" else _parse_srt(lines)
    if not cues:
        raise InvalidInput("The transcript has no cues.")
    return cues


def _blocks(lines: list[str], first: int) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks, each with its 1-based starting line number."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = first
    for number, line in enumerate(lines[first - 1 :], first):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _parse_vtt(lines: list[str]) -> list[Cue]:
    header = lines[0].lstrip("\ufeff")
    if not (header == "WEBVTT" or header.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise InvalidInput("Line 1: a WebVTT file must start with 'WEBVTT'.")
    cues: list[Cue] = []
    for start_line, block in _blocks(lines, 2)[_header_blocks(lines) :]:
        if block[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        # A first line that starts like a time is a broken timing, not a cue identifier.
        timing_index = 0 if "-->" in block[0] or _LOOKS_TIMED.match(block[0]) else 1
        if timing_index >= len(block) or "-->" not in block[timing_index]:
            raise InvalidInput(
                f"Line {start_line + timing_index}: expected a cue timing "
                "'00:00:01.000 --> 00:00:04.000'."
            )
        line = start_line + timing_index
        start, end = _timing(block[timing_index], line, _VTT_TIME, "00:00:01.000")
        speaker, text = _vtt_payload(block[timing_index + 1 :])
        cues.append(_checked(Cue(line, start, end, speaker, text), cues))
    return cues


def _header_blocks(lines: list[str]) -> int:
    # Header metadata lines may follow WEBVTT up to the first blank line.
    return 1 if len(lines) > 1 and lines[1].strip() and "-->" not in lines[1] else 0


def _parse_srt(lines: list[str]) -> list[Cue]:
    cues: list[Cue] = []
    lines[0] = lines[0].lstrip("\ufeff")
    for start_line, block in _blocks(lines, 1):
        if not block[0].strip().isdigit():
            raise InvalidInput(f"Line {start_line}: expected a cue number, found '{block[0]}'.")
        if len(block) < 2 or "-->" not in block[1]:
            raise InvalidInput(
                f"Line {start_line + 1}: expected a cue timing '00:00:01,000 --> 00:00:04,000'."
            )
        start, end = _timing(block[1], start_line + 1, _SRT_TIME, "00:00:01,000")
        speaker, text = _srt_payload(block[2:])
        cues.append(_checked(Cue(start_line + 1, start, end, speaker, text), cues))
    return cues


def _timing(line: str, number: int, pattern: re.Pattern[str], example: str) -> tuple[float, float]:
    left, _, right = line.partition("-->")
    right_time = right.strip().split(maxsplit=1)[0] if right.strip() else ""
    times = []
    for value in (left.strip(), right_time):
        match = pattern.match(value)
        if match is None:
            raise InvalidInput(f"Line {number}: '{value}' is not a time like {example}.")
        hours, minutes, seconds, millis = match.groups()
        times.append(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000)
    return times[0], times[1]


def _checked(cue: Cue, earlier: list[Cue]) -> Cue:
    if cue.end <= cue.start:
        raise InvalidInput(f"Line {cue.line}: the cue ends before it starts.")
    if earlier and cue.start < earlier[-1].start:
        raise InvalidInput(f"Line {cue.line}: cues must be in order of their start times.")
    return cue


def _vtt_payload(lines: list[str]) -> tuple[str, str]:
    joined = " ".join(line.strip() for line in lines)
    voice = _VOICE.search(joined)
    return (voice.group(1).strip() if voice else ""), _TAG.sub("", joined).strip()


def _srt_payload(lines: list[str]) -> tuple[str, str]:
    joined = _TAG.sub("", " ".join(line.strip() for line in lines)).strip()
    match = _SRT_SPEAKER.match(joined)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    return "", joined


def plain_text(cues: list[Cue]) -> str:
    """Paragraphs of 'Speaker: words', one per change of speaker."""
    paragraphs: list[tuple[str, list[str]]] = []
    for cue in cues:
        if paragraphs and paragraphs[-1][0] == cue.speaker:
            paragraphs[-1][1].append(cue.text)
        else:
            paragraphs.append((cue.speaker, [cue.text]))
    return "\n\n".join(
        (f"{speaker}: " if speaker else "") + " ".join(words) for speaker, words in paragraphs
    )


def length_warnings(cues: list[Cue], duration: float | None) -> list[str]:
    if duration is None:
        return []
    last_end = max(cue.end for cue in cues)
    tolerance = max(15.0, duration * 0.05)
    if abs(last_end - duration) <= tolerance:
        return []
    return [
        f"The transcript's last cue ends at {last_end:.0f} s but the audio lasts "
        f"{duration:.0f} s; is it the transcript of another recording?"
    ]


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"The transcript is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidInput(f"Line {line}: the transcript is not UTF-8 text.") from None


def add_transcript(
    session: Session,
    episode: Episode,
    data: bytes | str,
    *,
    filename: str | None = None,
    language: str = "en",
) -> tuple[Transcript, list[str]]:
    """Store (or replace) the episode's transcript in this language; returns it with warnings."""
    if not _LANGUAGE.match(language):
        raise InvalidInput(f"'{language}' is not a language code like 'en' or 'pt-BR'.")
    text = decode(data)
    transcript_format = detect_format(text, filename)
    cues = parse_transcript(text, transcript_format)
    transcript = get_transcript(session, episode, language)
    if transcript is None:
        transcript = Transcript(episode_id=episode.id, language=language)
        session.add(transcript)
    transcript.format = transcript_format
    transcript.body = text
    transcript.plain_text = plain_text(cues)
    transcript.speakers = list(dict.fromkeys(cue.speaker for cue in cues if cue.speaker))
    session.flush()
    return transcript, length_warnings(cues, episode.duration_seconds)


def get_transcript(
    session: Session, episode: Episode, language: str | None = None
) -> Transcript | None:
    """The transcript in this language, or when none is asked for, the first one stored."""
    query = select(Transcript).where(Transcript.episode_id == episode.id)
    if language is not None:
        query = query.where(Transcript.language == language)
    return session.scalars(query.order_by(Transcript.id).limit(1)).first()


def list_transcripts(session: Session, episode: Episode) -> Sequence[Transcript]:
    query = select(Transcript).where(Transcript.episode_id == episode.id)
    return session.scalars(query.order_by(Transcript.language)).all()
