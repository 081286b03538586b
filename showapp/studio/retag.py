"""Commit a change to an episode so that its public audio file comes to carry it (ID3/MP4
tags), on the job queue: writing a tagged copy of a long file takes seconds the save need not
wait for.

A draft's file is left alone: it is tagged when it is published. A public episode gets a
newly tagged copy (new media URL, same GUID) whenever what the tags say has changed; until
the job swaps it in, the previous file keeps serving (services/audio/retagging.py).
"""

from __future__ import annotations

from flask import current_app

from showapp.db import get_session
from showapp.jobs import get_jobs
from showapp.models import Episode
from showapp.services.audio import retagging
from showapp.services.audio.tags import TagValues
from showapp.storage import current_storage
from showapp.studio import current_show


def current_tags(episode: Episode) -> TagValues | None:
    """What the episode's file should say now; None when it carries no tags of ours yet."""
    if not retagging.needs_tags(episode):
        return None
    return retagging.tag_values(
        get_session(), current_show(), episode, current_storage(), _base_url()
    )


def commit_with_tags(episode: Episode, before: TagValues | None = None) -> bool:
    """Commit; then queue a retag of a public episode's audio unless its tags would not
    change. Returns whether a retag was queued."""
    session = get_session()
    unchanged = before is not None and before == current_tags(episode)
    session.commit()
    if not retagging.needs_tags(episode) or unchanged:
        return False
    get_jobs(current_app).enqueue(
        "media.retag", label=f"Tag the audio of '{episode.title}'", show_id=episode.show_id,
        episode_id=episode.id,
    )  # fmt: skip
    return True


def _base_url() -> str:
    return str(current_app.config["BASE_URL"])
