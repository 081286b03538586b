"""Between the episode editor's form and the editing service: parsing and presenting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from showapp.errors import InvalidInput
from showapp.models import Episode, EpisodeStatus, Show
from showapp.services.catalog import artwork, editing
from showapp.services.catalog.editing import EpisodeChanges, GuestCredit
from showapp.storage import current_storage
from showapp.studio.forms import EpisodeForm

EMPTY_GUEST_ROWS = 2


def editor_form(episode: Episode, show: Show) -> EpisodeForm:
    form = EpisodeForm(obj=episode)
    form.version.data = str(episode.version)
    form.topics.data = ", ".join(topic.name for topic in episode.topics)
    form.status.data = episode.effective_status.value
    form.episode_type.data = episode.episode_type.value
    form.publish_at.data = _local(episode.published_at, show)
    while len(form.guests.entries):
        form.guests.pop_entry()
    for appearance in episode.appearances:
        form.guests.append_entry(
            {
                "name": appearance.guest.name,
                "role": appearance.role,
                "organisation": appearance.organisation,
                "job_title": appearance.job_title,
            }
        )
    for _ in range(EMPTY_GUEST_ROWS):
        form.guests.append_entry()
    return form


def changes_from_form(form: EpisodeForm, show: Show) -> EpisodeChanges:
    return EpisodeChanges(
        version=_version(form.version.data),
        title=form.title.data or "",
        slug=(form.slug.data or "").strip(),
        status=EpisodeStatus(form.status.data),
        summary=form.summary.data or "",
        notes_md=form.notes_md.data or "",
        season=form.season.data,
        season_name=(form.season_name.data or "").strip(),
        number=form.number.data,
        podcast_episode=form.podcast_episode.data or "",
        episode_display=(form.episode_display.data or "").strip(),
        episode_type=form.episode_type.data or "full",
        explicit=bool(form.explicit.data),
        itunes_block=bool(form.itunes_block.data),
        itunes_title=(form.itunes_title.data or "").strip(),
        publish_at=_from_local(form.publish_at.data, show),
        guests=_guest_credits(form),
        topics=[name.strip() for name in (form.topics.data or "").split(",") if name.strip()],
    )


def _version(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError as error:
        raise InvalidInput("The form is missing its version; reload the editor.") from error


def _guest_credits(form: EpisodeForm) -> list[GuestCredit]:
    credits: dict[tuple[str, str], GuestCredit] = {}
    for row in form.guests.entries:
        name = (row.form.name.data or "").strip()
        if name:
            role = row.form.role.data or "guest"
            credits.setdefault(
                (name.lower(), role),
                GuestCredit(
                    name=name,
                    role=role,
                    organisation=(row.form.organisation.data or "").strip(),
                    job_title=(row.form.job_title.data or "").strip(),
                ),
            )
    return list(credits.values())


def _local(moment: datetime | None, show: Show) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(editing.zone_of(show.timezone)).replace(
        tzinfo=None, second=0, microsecond=0
    )


def _from_local(moment: datetime | None, show: Show) -> datetime | None:
    """The editor's publish time is wall-clock time in the show's own time zone."""
    if moment is None:
        return None
    return moment.replace(tzinfo=editing.zone_of(show.timezone))


def publish_at_local(episode: Episode, show: Show) -> str:
    local = _local(episode.published_at, show)
    return f"{local:%Y-%m-%d %H:%M} ({show.timezone})" if local else ""


def save_episode_artwork(episode: Episode, show: Show, form: EpisodeForm) -> str | None:
    """Store the artwork uploaded with the form and set it on the episode (not committed);
    return the artwork it replaces, whose files the caller deletes once the change is
    committed (artwork.delete_artwork), or None when there is nothing to delete."""
    upload = form.artwork.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    storage = current_storage()
    names = artwork.store_artwork(storage, show.slug, f"{episode.slug}-art", upload.stream)
    previous, episode.artwork = episode.artwork, names[0]
    return previous


def conflict_rows(stored: Episode, form: EpisodeForm) -> list[dict[str, Any]]:
    """Field by field: the stored value and the one this host typed, marking differences."""
    stored_values = {
        "title": stored.title,
        "slug": stored.slug,
        "summary": stored.summary,
        "notes_md": stored.notes_md,
        "status": stored.effective_status.value,
        "topics": ", ".join(topic.name for topic in stored.topics),
        "guests": ", ".join(a.guest.name for a in stored.appearances),
    }
    typed = {
        "title": form.title.data or "",
        "slug": form.slug.data or "",
        "summary": form.summary.data or "",
        "notes_md": form.notes_md.data or "",
        "status": form.status.data or "",
        "topics": form.topics.data or "",
        "guests": ", ".join(
            (row.form.name.data or "").strip()
            for row in form.guests.entries
            if (row.form.name.data or "").strip()
        ),
    }
    return [
        {
            "field": form[name].label.text if name in form else name.title(),
            "stored": stored_values[name],
            "yours": typed[name],
            "differs": stored_values[name].strip() != typed[name].strip(),
        }
        for name in stored_values
    ]
