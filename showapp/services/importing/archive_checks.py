"""An export archive is hostile input: its sizes, manifest, paths and links are checked here
before anything is written, and its media is unpacked beside its place first."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import FromClause

from showapp.errors import InvalidInput
from showapp.services import urls
from showapp.services.catalog.text import slugify
from showapp.services.images import photo_names
from showapp.services.importing import p20
from showapp.services.importing.archive_format import (
    FORMAT,
    GUEST_FOLDER,
    MANIFEST,
    READABLE_VERSIONS,
    ArchiveLimits,
    is_link_column,
    show_files,
)
from showapp.services.importing.fetch import CHUNK_BYTES
from showapp.storage import Storage, content_type


def check_sizes(archive: zipfile.ZipFile, limits: ArchiveLimits) -> None:
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
        # The manifest's size is capped above, and show notes that repeat (boilerplate in
        # every episode) deflate far past the ratio: our own exports were refused.
        bounded = info.filename == MANIFEST or info.file_size <= limits.small_entry_bytes
        if not bounded and ratio > limits.max_ratio:
            raise InvalidInput(
                f"{info.filename} in the archive unpacks {ratio:.0f} times larger than it is "
                f"stored (at most {limits.max_ratio}): refused as a zip bomb."
            )
    if total > limits.max_total_bytes:
        raise InvalidInput(
            f"The archive unpacks to {total} bytes; at most {limits.max_total_bytes} are "
            "accepted (SHOWAPP_ARCHIVE_MAX_BYTES)."
        )


def read_manifest(archive: zipfile.ZipFile, limits: ArchiveLimits) -> dict[str, Any]:
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
    if manifest.get("format") != FORMAT:
        raise InvalidInput("Not a showapp export archive (the format differs).")
    if manifest.get("version") not in READABLE_VERSIONS:
        raise InvalidInput(
            f"The archive is format version {manifest.get('version')!r}; this install reads "
            f"versions {', '.join(map(str, sorted(READABLE_VERSIONS)))}. Update showapp first."
        )
    manifest.setdefault("redirects", [])
    if not isinstance(manifest.setdefault("show_parts", {}), dict):
        raise InvalidInput("Not a showapp export archive (the show's parts are no object).")
    for key in ("hosts", "guests", "topics", "redirects", "episodes", "media"):
        if not isinstance(manifest.get(key), list):
            raise InvalidInput(f"Not a showapp export archive ('{key}' is not a list).")
    for key in ("guests", "topics", "redirects", "episodes"):
        if not all(isinstance(record, dict) for record in manifest[key]):
            raise InvalidInput(f"Not a showapp export archive (one of '{key}' is no object).")
    for record in manifest["episodes"]:
        if not isinstance(record.setdefault("parts", {}), dict):
            raise InvalidInput("Not a showapp export archive (an episode's parts are no object).")
        if not isinstance(record.setdefault("review", []), list):
            raise InvalidInput("Not a showapp export archive (an episode's review is no list).")
    return manifest


def show_slug(manifest: dict[str, Any]) -> str:
    show = manifest.get("show")
    slug = show.get("slug") if isinstance(show, dict) else None
    if not isinstance(slug, str) or not slug or slug != slugify(slug):
        raise InvalidInput("The archive's manifest names no valid show slug.")
    return slug


def check_references(manifest: dict[str, Any], slug: str) -> None:
    """The rows may only point at files in their own show's folder; guest photos, shared by
    every show, may also live in the guests' folder."""
    for name in show_files(manifest):
        if not in_folder(PurePosixPath(name), slug):
            raise InvalidInput(
                f"The archive's show '{slug}' refers to the file {name}, outside its own folder."
            )
    # The smaller copies are named after the photo, so they lie in its folder.
    photos = [PurePosixPath(str(g["photo"])) for g in manifest["guests"] if g.get("photo")]
    for photo in photos:
        if not in_folder(photo, slug) and not in_folder(photo, GUEST_FOLDER):
            raise InvalidInput(
                f"The archive's guest photo {photo} is outside the folders '{slug}' and "
                f"'{GUEST_FOLDER}'."
            )


def guest_photos(manifest: dict[str, Any]) -> set[PurePosixPath]:
    """The guests' photos with their smaller copies: the files of the guests' folder an
    archive may bring."""
    names = [name for g in manifest["guests"] for name in photo_names(str(g.get("photo") or ""))]
    return {PurePosixPath(name) for name in names}


def in_folder(relative: PurePosixPath, folder: str) -> bool:
    parts = relative.parts
    return (
        len(parts) >= 2
        and parts[0] == folder
        and not relative.is_absolute()
        and not any(p in {"..", ""} or p.startswith(".") or "\\" in p for p in parts)
    )


def safe_media_path(
    archive: zipfile.ZipFile, name: Any, slug: str, photos: set[PurePosixPath]
) -> tuple[str, PurePosixPath]:
    if not isinstance(name, str):
        raise InvalidInput(f"Unsafe file name in the archive: {name!r}")
    relative = PurePosixPath(name).relative_to("media") if name.startswith("media/") else None
    # Zip entries are hostile input too: no absolute paths, no '..', no hidden files, and
    # nothing outside the folder of the show being restored, but its guests' photos.
    if relative is None or not (
        in_folder(relative, slug) or (relative in photos and in_folder(relative, GUEST_FOLDER))
    ):
        raise InvalidInput(
            f"Unsafe file name in the archive: {name} (only media/{slug}/... is accepted, "
            f"and the photos its guests name under media/{GUEST_FOLDER}/)."
        )
    try:
        archive.getinfo(name)
    except KeyError as error:
        raise InvalidInput(f"The archive lists {name} but does not contain it.") from error
    return name, relative


def clean_links(table: FromClause, record: dict[str, Any], where: str, problems: list[str]) -> None:
    """Drop any value of a link column that is not http(s): it would become a link on a page
    or in a feed (a `javascript:` one runs script). Columns are found by name, so a link
    column added later is checked too."""
    for column in table.columns:
        value = record.get(column.key)
        if not is_link_column(column.key) or value is None:
            continue
        if isinstance(value, str) and (not value or urls.is_public_url(value)):
            continue
        shown = str(value)[:80]
        problems.append(f"{where} {column.key} {shown!r} is not an http(s) URL; not stored")
        record[column.key] = None if column.nullable else ""


def clean_kept_trees(record: dict[str, Any], where: str, problems: list[str]) -> None:
    """Podcasting 2.0 elements kept from an import (`podcast_extras`) are written back into
    the feed as they are: their links get the import's own check again."""
    trees = record.get("podcast_extras")
    if not isinstance(trees, list):
        return
    for tree in trees:
        for value in p20.unsafe_links(tree):
            problems.append(f"{where} podcast element link {value[:80]!r} is not safe; not stored")


def clean_link_list(values: Any, where: str, problems: list[str]) -> list[str]:
    kept = []
    for value in values if isinstance(values, list) else []:
        if isinstance(value, str) and value and urls.is_public_url(value):
            kept.append(value)
        else:
            problems.append(f"{where} {str(value)[:80]!r} is not an http(s) URL; not stored")
    return kept


def safe_extras(extras: dict[str, Any], where: str, problems: list[str]) -> dict[str, Any]:
    """An episode's source_extras with only its http(s) transcript, chapters and page links."""

    def refuse(what: str, value: Any) -> bool:
        return value is not None and not clean_link_list([value], f"{where} {what}", problems)

    kept = dict(extras)
    transcripts = [
        t
        for t in extras.get("transcripts", [])
        if isinstance(t, dict) and not refuse("transcript", t.get("url"))
    ]
    kept.pop("transcripts", None)
    if transcripts:
        kept["transcripts"] = transcripts
    chapters = extras.get("chapters")
    if chapters is not None and (
        not isinstance(chapters, dict) or refuse("chapters", chapters.get("url"))
    ):
        kept.pop("chapters")
    if "link" in extras and refuse("link", extras["link"]):
        kept.pop("link")
    return kept


@contextmanager
def unpacked(
    archive: zipfile.ZipFile,
    media: list[tuple[str, PurePosixPath]],
    storage: Storage,
    limits: ArchiveLimits,
) -> Iterator[Callable[[], None]]:
    """Unpack every media file beside its place; yield a function that moves them all in.
    On any error (a limit crossed while unpacking, or a failed restore) the parts are removed.
    A guest photo already on this install is kept: other shows may show it."""
    parts: list[tuple[Path, PurePosixPath]] = []
    made: list[Path] = []  # folders made here, removed again if the restore fails
    budget = [limits.max_total_bytes]
    # Beside their places on the local backend (so placing is a rename); on S3 in its
    # staging folder, each uploaded once when placed.
    staging = storage.staging_dir("")
    try:
        for name, relative in media:
            partial = staging / relative.parent / f".unpack-{relative.name}.part"
            parts.append((partial, relative))
            _make_folders(partial.parent, made)
            _extract(archive, name, partial, budget, limits)

        def place() -> None:
            for partial, relative in parts:
                stored = relative.as_posix()
                shared = len(relative.parts) == 2 and relative.parent.name == GUEST_FOLDER
                if not (shared and storage.exists(stored)):
                    storage.move_in(stored, partial, content_type(stored))
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
