"""Restore a show from an export archive: match by slug and GUID, write every row, move the
media in. The archive is checked whole first (archive_checks.py)."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput, ShowappError
from showapp.models import (
    Appearance,
    Episode,
    Guest,
    Show,
    SlugRedirect,
    Topic,
    User,
    episode_topics,
    show_hosts,
)
from showapp.services.importing.archive_checks import (
    check_references,
    check_sizes,
    clean_kept_trees,
    clean_link_list,
    clean_links,
    guest_photos,
    read_manifest,
    safe_extras,
    safe_media_path,
    show_slug,
    unpacked,
)
from showapp.services.importing.archive_format import (
    DEFAULT_LIMITS,
    ArchiveLimits,
    column_values,
)
from showapp.services.importing.archive_parts import (
    RestoreState,
    restore_guest_links,
    restore_parts,
)
from showapp.services.importing.archive_review import restore_review
from showapp.services.importing.report import (
    ImportProgress,
    ImportReport,
    ProgressCallback,
    ignore_progress,
)
from showapp.services.stats.rollups import refresh_show_episode_days
from showapp.storage import Storage


def import_archive(
    session: Session,
    path: Path,
    storage: Storage,
    progress: ProgressCallback = ignore_progress,
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> ImportReport:
    """Recreate (or update) the show in an export archive, matched by slug and GUID.

    Every check runs, and every media file is unpacked beside its place, before the first row
    is written: a refused archive leaves no file and (once the caller rolls back) no row.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            check_sizes(archive, limits)
            manifest = read_manifest(archive, limits)
            slug = show_slug(manifest)
            check_references(manifest, slug)
            photos = guest_photos(manifest)
            media = [safe_media_path(archive, n, slug, photos) for n in manifest["media"]]
            with unpacked(archive, media, storage, limits) as place:
                report = _restore_rows(session, manifest, progress)
                session.flush()
                place()
    except ShowappError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise InvalidInput(f"The archive is damaged: {error}") from error
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise InvalidInput(f"The archive's rows do not fit this install: {reason}") from error
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidInput(f"The archive's manifest is malformed: {error!r}") from error
    return report


def _restore_rows(
    session: Session, manifest: dict[str, Any], progress: ProgressCallback
) -> ImportReport:
    report = ImportReport()
    _clean_links(manifest, report.problems)
    # The trash is this install's business: an archive neither trashes nor revives a show or
    # a guest.
    for name in ("deleted_at", "purged_at"):
        manifest["show"].pop(name, None)
    for guest in manifest["guests"]:
        guest.pop("deleted_at", None)
    slug = manifest["show"].get("slug")
    if session.scalar(select(Show.id).where(Show.slug == slug, Show.deleted_at.is_not(None))):
        raise InvalidInput(f"The show '{slug}' is in the trash: restore it first.")
    new_show = session.scalar(select(Show.id).where(Show.slug == manifest["show"]["slug"])) is None
    show = _upsert(session, Show, "slug", manifest["show"])
    session.flush()
    report.show_slug = show.slug
    users = _restore_hosts(session, show, manifest["hosts"])
    guests = {g["slug"]: _upsert(session, Guest, "slug", g) for g in manifest["guests"]}
    topics = {t["slug"]: _upsert(session, Topic, "slug", t) for t in manifest["topics"]}
    session.flush()
    _restore_redirects(session, manifest["redirects"], guests, topics, report.problems)
    state = RestoreState(guests=guests, topics=topics, show_id=show.id, problems=report.problems)
    restore_guest_links(session, manifest.get("guest_links"), state)
    total = len(manifest["episodes"])
    created: dict[str, Episode] = {}
    for done, record in enumerate(manifest["episodes"], 1):
        episode = _restore_episode(session, show, record, guests, topics, report)
        if episode is not None:
            created[episode.guid] = episode
            where = f"episode {episode.guid!r}"
            restore_parts(session, "episodes", episode.id, where, record["parts"], state)
            if manifest.get("with_review"):
                restore_review(session, episode, record["review"], guests, users, report)
        progress(ImportProgress("episodes", done, total))
    _restore_follow_up_links(session, manifest["episodes"], created, show)
    # After the episodes: a show's follow-ups may name their advice.
    if new_show:
        restore_parts(
            session, "shows", show.id, f"show {show.slug!r}", manifest["show_parts"], state
        )
    refresh_show_episode_days(session, show.id)
    return report


def _clean_links(manifest: dict[str, Any], problems: list[str]) -> None:
    clean_links(Show.__table__, manifest["show"], "show", problems)
    clean_kept_trees(manifest["show"], "show", problems)
    for guest in manifest["guests"]:
        where = f"guest {guest.get('slug')!r}"
        clean_links(Guest.__table__, guest, where, problems)
        guest["links"] = clean_link_list(guest.get("links") or [], f"{where} link", problems)
    for episode in manifest["episodes"]:
        where = f"episode {episode.get('guid')!r}"
        clean_links(Episode.__table__, episode, where, problems)
        clean_kept_trees(episode, where, problems)
        if isinstance(episode.get("source_extras"), dict):
            episode["source_extras"] = safe_extras(episode["source_extras"], where, problems)
        for credit in episode.get("appearances", []):
            clean_links(Appearance.__table__, credit, f"{where} credit", problems)


def _upsert(session: Session, model: Any, key: str, record: dict[str, Any]) -> Any:
    values = column_values(model.__table__, record)
    row = session.scalars(select(model).where(getattr(model, key) == values[key])).one_or_none()
    if row is None:
        row = model(**values)
        session.add(row)
    else:
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    return row


def _restore_hosts(session: Session, show: Show, hosts: list[dict[str, Any]]) -> dict[str, User]:
    users = {}
    for record in hosts:
        user = _upsert(session, User, "email", record)
        session.flush()
        users[user.email] = user
        linked = select(show_hosts).where(
            show_hosts.c.show_id == show.id, show_hosts.c.user_id == user.id
        )
        if session.execute(linked).first() is None:
            session.execute(insert(show_hosts).values(show_id=show.id, user_id=user.id))
    return users


def _restore_redirects(
    session: Session,
    redirects: list[dict[str, Any]],
    guests: dict[str, Guest],
    topics: dict[str, Topic],
    problems: list[str],
) -> None:
    """Old slugs keep answering with a redirect; one already taken here is left alone."""
    for record in redirects:
        values = column_values(SlugRedirect.__table__, record)
        guest = guests.get(record["guest"]) if record.get("guest") else None
        topic = topics.get(record["topic"]) if record.get("topic") else None
        if guest is None and topic is None:
            problems.append(f"redirect {values.get('old_slug')!r} points at nothing; skipped")
            continue
        taken = select(SlugRedirect.id).where(
            SlugRedirect.kind == values["kind"], SlugRedirect.old_slug == values["old_slug"]
        )
        if session.scalar(taken) is None:
            session.add(
                SlugRedirect(
                    **values,
                    guest_id=guest.id if guest else None,
                    topic_id=topic.id if topic else None,
                )
            )


def _restore_episode(
    session: Session,
    show: Show,
    record: dict[str, Any],
    guests: dict[str, Guest],
    topics: dict[str, Topic],
    report: ImportReport,
) -> Episode | None:
    """The episode, when this restore created it; None when it was there already (its parts
    are left as they are) or belongs elsewhere."""
    existing = session.scalars(select(Episode).where(Episode.guid == record["guid"])).first()
    if existing is not None and existing.show_id != show.id:
        report.problems.append(f"GUID '{record['guid']}' belongs to another show; skipped")
        return None
    if existing is not None and existing.deleted_at is not None:
        report.problems.append(f"GUID '{record['guid']}' is a deleted episode's; skipped")
        return None
    episode: Episode = _upsert(session, Episode, "guid", record)
    episode.show_id = show.id
    session.flush()
    if existing is not None:
        report.unchanged += 1
        return None
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
        values = column_values(Appearance.__table__, credit)
        session.add(Appearance(episode_id=episode.id, guest_id=guest.id, **values))
    return episode


def _restore_follow_up_links(
    session: Session, records: list[dict[str, Any]], created: dict[str, Episode], show: Show
) -> None:
    """A new episode that follows up another names it by GUID: both may be new."""
    for record in records:
        episode = created.get(str(record.get("guid")))
        target = record.get("follows_up")
        if episode is None or not isinstance(target, str):
            continue
        query = select(Episode.id).where(Episode.guid == target, Episode.show_id == show.id)
        table: Table = Episode.__table__  # type: ignore[assignment]
        # Naming its own updated_at keeps the archive's moment, which onupdate would replace.
        session.execute(
            update(table)
            .where(table.c.id == episode.id)
            .values(follows_up_id=query.scalar_subquery(), updated_at=table.c.updated_at)
        )
