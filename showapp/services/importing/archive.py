"""Export a show to a zip archive (JSON manifest plus media), and import such an archive.

The manifest format is documented in docs/export-format.md. Rows are written column by
column from the models, so a new column is exported without touching this file. The zip is
written streaming: media files are copied in chunks and never held in memory.
"""

from __future__ import annotations

import enum
import json
import shutil
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from showapp.errors import InvalidInput, NotFound
from showapp.models import (
    Appearance,
    Base,
    Episode,
    Guest,
    Show,
    Topic,
    User,
    episode_topics,
    show_hosts,
)
from showapp.services import urls
from showapp.services.catalog.text import slugify
from showapp.services.importing.fetch import CHUNK_BYTES
from showapp.services.importing.report import (
    ImportProgress,
    ImportReport,
    ProgressCallback,
    ignore_progress,
)

FORMAT = "showapp-export"
VERSION = 1
MANIFEST = "manifest.json"
# Never exported: database ids are remapped on import; password hashes stay on the old install.
SKIPPED = {"id", "show_id", "episode_id", "guest_id", "password_hash"}
# Columns that become links on pages and in feeds; an archive is a file anyone can edit, so a
# value in them that is not http(s) is dropped, like one in an imported feed.
URL_COLUMNS = {
    "show": ("website", "funding_url", "artwork_url", "apple_podcasts_url", "spotify_url",
             "overcast_url", "pocket_casts_url", "antennapod_url", "new_feed_url",
             "youtube_music_url", "castbox_url", "podcast_addict_url", "podcast_index_url",
             "fountain_url", "amazon_music_url"),
    "episode": ("artwork_url", "audio_url"),
}  # fmt: skip


@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may unpack to. Sizes come from the zip's central directory, which can
    lie, so they are enforced again on the bytes actually decompressed."""

    max_total_bytes: int = 20 * 1024**3  # SHOWAPP_ARCHIVE_MAX_BYTES
    max_manifest_bytes: int = 50 * 1024**2
    # Audio and images barely compress; a much higher ratio is a zip bomb, unless tiny.
    max_ratio: int = 100
    small_entry_bytes: int = 1024**2


DEFAULT_LIMITS = ArchiveLimits()


def _row(row: Base) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in SKIPPED:
            continue
        value = getattr(row, column.key)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, enum.Enum):
            value = value.value
        values[column.key] = value
    return values


def export_show(session: Session, show_slug: str, episodes_dir: Path, target: Path) -> int:
    """Write the show's archive to `target`; returns the number of media files included."""
    show = session.scalars(
        select(Show).where(Show.slug == show_slug).options(selectinload(Show.hosts))
    ).one_or_none()
    if show is None:
        raise NotFound(f"No show has the slug '{show_slug}'.")
    episodes = session.scalars(
        select(Episode)
        .where(Episode.show_id == show.id)
        .order_by(Episode.id)
        .options(
            selectinload(Episode.appearances).selectinload(Appearance.guest),
            selectinload(Episode.topics),
        )
    ).all()
    media = _media_names(show, episodes)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(MANIFEST, "w") as raw:
            _write_manifest(raw, show, episodes, media)
        for name in media:
            _add_media(archive, episodes_dir, name)
    return len(media)


def _media_names(show: Show, episodes: Any) -> list[str]:
    names = [show.artwork] + [e.audio_file for e in episodes] + [e.artwork for e in episodes]
    return sorted({name for name in names if name})


def _write_manifest(raw: IO[bytes], show: Show, episodes: Any, media: list[str]) -> None:
    guests: dict[str, Guest] = {}
    topics: dict[str, Topic] = {}
    records = []
    for episode in episodes:
        record = _row(episode)
        record["topics"] = [topic.slug for topic in episode.topics]
        record["appearances"] = []
        for appearance in episode.appearances:
            guests[appearance.guest.slug] = appearance.guest
            record["appearances"].append({**_row(appearance), "guest": appearance.guest.slug})
        topics.update({topic.slug: topic for topic in episode.topics})
        records.append(record)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "show": _row(show),
        "hosts": [_row(user) for user in show.hosts],
        "guests": [_row(guest) for guest in guests.values()],
        "topics": [_row(topic) for topic in topics.values()],
        "episodes": records,
        "media": [f"media/{name}" for name in media],
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1)
    raw.write(text.encode())


def _add_media(archive: zipfile.ZipFile, episodes_dir: Path, name: str) -> None:
    source = episodes_dir / name
    if not source.is_file():
        return
    # Audio and images are compressed already: store them as they are.
    info = zipfile.ZipInfo.from_file(source, f"media/{name}")
    info.compress_type = zipfile.ZIP_STORED
    with source.open("rb") as handle, archive.open(info, "w", force_zip64=True) as out:
        shutil.copyfileobj(handle, out, CHUNK_BYTES)


def import_archive(
    session: Session,
    path: Path,
    episodes_dir: Path,
    progress: ProgressCallback = ignore_progress,
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> ImportReport:
    """Recreate (or update) the show in an export archive, matched by slug and GUID.

    Every check runs, and every media file is unpacked beside its place, before the first row
    is written: a refused archive leaves no file and (once the caller rolls back) no row.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            _check_sizes(archive, limits)
            manifest = _read_manifest(archive, limits)
            slug = _show_slug(manifest)
            media = [_safe_media_path(archive, name, slug) for name in manifest["media"]]
            _check_references(manifest, slug)
            with _unpacked(archive, media, episodes_dir, limits) as place:
                report = _restore_rows(session, manifest, progress)
                place()
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise InvalidInput(f"The archive is damaged: {error}") from error
    session.flush()
    return report


def _restore_rows(
    session: Session, manifest: dict[str, Any], progress: ProgressCallback
) -> ImportReport:
    report = ImportReport()
    _drop_unsafe_urls(manifest, report.problems)
    # The trash is this install's business: an archive neither trashes nor revives a show or
    # a guest.
    for name in ("deleted_at", "purged_at"):
        manifest["show"].pop(name, None)
    for guest in manifest["guests"]:
        guest.pop("deleted_at", None)
    slug = manifest["show"].get("slug")
    if session.scalar(select(Show.id).where(Show.slug == slug, Show.deleted_at.is_not(None))):
        raise InvalidInput(f"The show '{slug}' is in the trash: restore it first.")
    show = _upsert(session, Show, "slug", manifest["show"])
    session.flush()
    report.show_slug = show.slug
    _restore_hosts(session, show, manifest["hosts"])
    guests = {g["slug"]: _upsert(session, Guest, "slug", g) for g in manifest["guests"]}
    topics = {t["slug"]: _upsert(session, Topic, "slug", t) for t in manifest["topics"]}
    session.flush()
    total = len(manifest["episodes"])
    for done, record in enumerate(manifest["episodes"], 1):
        _restore_episode(session, show, record, guests, topics, report)
        progress(ImportProgress("episodes", done, total))
    session.flush()
    return report


def _check_sizes(archive: zipfile.ZipFile, limits: ArchiveLimits) -> None:
    """Refuse by the central directory first: cheap, and most bombs say what they are."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.filename == MANIFEST and info.file_size > limits.max_manifest_bytes:
            raise InvalidInput(
                f"The archive's manifest unpacks to {info.file_size} bytes; at most "
                f"{limits.max_manifest_bytes} are accepted."
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.small_entry_bytes and ratio > limits.max_ratio:
            raise InvalidInput(
                f"{info.filename} in the archive unpacks {ratio:.0f} times larger than it is "
                f"stored (at most {limits.max_ratio}): refused as a zip bomb."
            )
    if total > limits.max_total_bytes:
        raise InvalidInput(
            f"The archive unpacks to {total} bytes; at most {limits.max_total_bytes} are "
            "accepted (SHOWAPP_ARCHIVE_MAX_BYTES)."
        )


def _read_manifest(archive: zipfile.ZipFile, limits: ArchiveLimits) -> dict[str, Any]:
    try:
        with archive.open(MANIFEST) as raw:
            text = raw.read(limits.max_manifest_bytes + 1)
    except KeyError as error:
        raise InvalidInput(f"Not a showapp export archive: {error}") from error
    if len(text) > limits.max_manifest_bytes:
        raise InvalidInput(
            f"The archive's manifest is larger than {limits.max_manifest_bytes} bytes."
        )
    try:
        manifest: dict[str, Any] = json.loads(text)
    except ValueError as error:
        raise InvalidInput(f"Not a showapp export archive: {error}") from error
    if not isinstance(manifest, dict):
        raise InvalidInput("Not a showapp export archive (the manifest is not an object).")
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise InvalidInput("Not a showapp export archive (format or version differs).")
    for key in ("hosts", "guests", "topics", "episodes", "media"):
        if not isinstance(manifest.get(key), list):
            raise InvalidInput(f"Not a showapp export archive ('{key}' is not a list).")
    if not all(isinstance(record, dict) for record in manifest["episodes"]):
        raise InvalidInput("Not a showapp export archive (an episode is not an object).")
    return manifest


def _show_slug(manifest: dict[str, Any]) -> str:
    show = manifest.get("show")
    slug = show.get("slug") if isinstance(show, dict) else None
    if not isinstance(slug, str) or not slug or slug != slugify(slug):
        raise InvalidInput("The archive's manifest names no valid show slug.")
    return slug


def _check_references(manifest: dict[str, Any], slug: str) -> None:
    """The rows may only point at files in their own show's folder."""
    names = [manifest["show"].get("artwork")]
    for record in manifest.get("episodes", []):
        names += [record.get("audio_file"), record.get("artwork")]
    for name in names:
        if name and not _in_show_folder(PurePosixPath(str(name)), slug):
            raise InvalidInput(
                f"The archive's show '{slug}' refers to the file {name}, outside its own folder."
            )


def _in_show_folder(relative: PurePosixPath, slug: str) -> bool:
    parts = relative.parts
    return (
        len(parts) >= 2
        and parts[0] == slug
        and not relative.is_absolute()
        and not any(p in {"..", ""} or p.startswith(".") or "\\" in p for p in parts)
    )


def _drop_unsafe_urls(manifest: dict[str, Any], problems: list[str]) -> None:
    def refuse(where: str, value: Any) -> bool:
        if isinstance(value, str) and (not value or urls.is_public_url(value)):
            return False
        if value is not None:
            problems.append(f"{where} {str(value)[:80]!r} is not an http(s) URL; not stored")
        return value is not None

    show = manifest["show"]
    for column in URL_COLUMNS["show"]:
        if refuse(f"show {column}", show.get(column)):
            show[column] = None if column == "artwork_url" else ""
    for guest in manifest["guests"]:
        links = guest.get("links") or []
        guest["links"] = [
            link for link in links if not refuse(f"guest {guest['slug']!r} link", link)
        ]
    for episode in manifest["episodes"]:
        where = f"episode {episode['guid']!r}"
        for column in URL_COLUMNS["episode"]:
            if refuse(f"{where} {column}", episode.get(column)):
                episode[column] = None
        if isinstance(episode.get("source_extras"), dict):
            episode["source_extras"] = _safe_extras(episode["source_extras"], where, refuse)


def _safe_extras(
    extras: dict[str, Any], where: str, refuse: Callable[[str, Any], bool]
) -> dict[str, Any]:
    """An episode's source_extras with only its http(s) transcript, chapters and page links."""
    kept = dict(extras)
    transcripts = [
        t for t in extras.get("transcripts", []) if not refuse(f"{where} transcript", t.get("url"))
    ]
    kept.pop("transcripts", None)
    if transcripts:
        kept["transcripts"] = transcripts
    chapters = extras.get("chapters")
    if chapters is not None and refuse(f"{where} chapters", chapters.get("url")):
        kept.pop("chapters")
    if "link" in extras and refuse(f"{where} link", extras["link"]):
        kept.pop("link")
    return kept


def _values(model: type[Base], record: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for column in model.__table__.columns:
        if column.key in SKIPPED or column.key not in record:
            continue
        value = record[column.key]
        if value is not None and column.key.endswith("_at"):
            value = datetime.fromisoformat(value)
        values[column.key] = value
    return values


def _upsert(session: Session, model: Any, key: str, record: dict[str, Any]) -> Any:
    values = _values(model, record)
    values.pop("version", None)
    row = session.scalars(select(model).where(getattr(model, key) == values[key])).one_or_none()
    if row is None:
        row = model(**values)
        session.add(row)
    else:
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    return row


def _restore_hosts(session: Session, show: Show, hosts: list[dict[str, Any]]) -> None:
    for record in hosts:
        user = _upsert(session, User, "email", record)
        session.flush()
        linked = select(show_hosts).where(
            show_hosts.c.show_id == show.id, show_hosts.c.user_id == user.id
        )
        if session.execute(linked).first() is None:
            session.execute(insert(show_hosts).values(show_id=show.id, user_id=user.id))


def _restore_episode(
    session: Session,
    show: Show,
    record: dict[str, Any],
    guests: dict[str, Guest],
    topics: dict[str, Topic],
    report: ImportReport,
) -> None:
    existing = session.scalars(select(Episode).where(Episode.guid == record["guid"])).first()
    if existing is not None and existing.show_id != show.id:
        report.problems.append(f"GUID '{record['guid']}' belongs to another show; skipped")
        return
    if existing is not None and existing.deleted_at is not None:
        report.problems.append(f"GUID '{record['guid']}' is a deleted episode's; skipped")
        return
    episode = _upsert(session, Episode, "guid", {**record, "show_id": show.id})
    episode.show_id = show.id
    session.flush()
    if existing is None:
        report.created += 1
        for slug in record["topics"]:
            session.execute(
                insert(episode_topics).values(episode_id=episode.id, topic_id=topics[slug].id)
            )
        for credit in record["appearances"]:
            guest = guests[credit["guest"]]
            if guest.deleted_at is not None:
                report.problems.append(
                    f"{guest.name!r} is in the guest trash; not credited on {episode.title!r}"
                )
                continue
            values = _values(Appearance, credit)
            session.add(Appearance(episode_id=episode.id, guest_id=guest.id, **values))
    else:
        report.unchanged += 1


def _safe_media_path(archive: zipfile.ZipFile, name: str, slug: str) -> tuple[str, PurePosixPath]:
    if not isinstance(name, str):
        raise InvalidInput(f"Unsafe file name in the archive: {name!r}")
    relative = PurePosixPath(name).relative_to("media") if name.startswith("media/") else None
    # Zip entries are hostile input too: no absolute paths, no '..', no hidden files, and
    # nothing outside the folder of the show being restored.
    if relative is None or not _in_show_folder(relative, slug):
        raise InvalidInput(
            f"Unsafe file name in the archive: {name} (only media/{slug}/... is accepted)."
        )
    try:
        archive.getinfo(name)
    except KeyError as error:
        raise InvalidInput(f"The archive lists {name} but does not contain it.") from error
    return name, relative


@contextmanager
def _unpacked(
    archive: zipfile.ZipFile,
    media: list[tuple[str, PurePosixPath]],
    episodes_dir: Path,
    limits: ArchiveLimits,
) -> Iterator[Callable[[], None]]:
    """Unpack every media file beside its place; yield a function that moves them all in.
    On any error (a limit crossed while unpacking, or a failed restore) the parts are removed."""
    parts: list[tuple[Path, Path]] = []
    made: list[Path] = []  # folders made here, removed again if the restore fails
    budget = [limits.max_total_bytes]
    try:
        for name, relative in media:
            target = episodes_dir / relative
            partial = target.with_name(f".unpack-{target.name}.part")
            parts.append((partial, target))
            _make_folders(partial.parent, made)
            _extract(archive, name, partial, budget, limits)

        def place() -> None:
            for partial, target in parts:
                partial.replace(target)
            made.clear()

        yield place
    finally:
        for partial, _ in parts:
            partial.unlink(missing_ok=True)
        for folder in reversed(made):
            folder.rmdir()


def _make_folders(folder: Path, made: list[Path]) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
        made.append(path)


def _extract(
    archive: zipfile.ZipFile, name: str, partial: Path, budget: list[int], limits: ArchiveLimits
) -> None:
    """Copy one entry, counting the bytes that really come out of the decompressor."""
    info = archive.getinfo(name)
    allowed = min(info.file_size, budget[0])
    written = 0
    with archive.open(info) as source, partial.open("wb") as out:
        while chunk := source.read(CHUNK_BYTES):
            written += len(chunk)
            if written > allowed:
                raise InvalidInput(
                    f"{name} in the archive unpacks to more bytes than the archive declares "
                    "or the limit allows; refused."
                )
            if written > limits.small_entry_bytes and written > limits.max_ratio * max(
                info.compress_size, 1
            ):
                raise InvalidInput(f"{name} in the archive is a zip bomb; refused.")
            out.write(chunk)
    budget[0] -= written
