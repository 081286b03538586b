"""Commit a change to an episode so that its public audio file carries it (ID3/MP4 tags).

A draft's file is left alone: it is tagged when it is published. A public episode gets a
newly tagged copy (new media URL, same GUID) whenever what the tags say has changed.
"""

from __future__ import annotations

from flask import current_app

from showapp.db import get_session
from showapp.models import Episode, EpisodeStatus
from showapp.services.audio import retagging
from showapp.services.audio.tags import TagValues
from showapp.storage import current_storage
from showapp.studio import current_show


def is_tagged_when_saved(episode: Episode) -> bool:
    return episode.status != EpisodeStatus.DRAFT and episode.audio_file is not None


def current_tags(episode: Episode) -> TagValues | None:
    """What the episode's file says now; None when it carries no tags of ours yet."""
    if not is_tagged_when_saved(episode):
        return None
    return retagging.tag_values(
        get_session(), current_show(), episode, current_storage(), _base_url()
    )


def commit_with_tags(episode: Episode, before: TagValues | None = None) -> bool:
    """Commit; first re-tag a public episode's audio unless its tags would not change.

    Returns whether a newly tagged file was swapped in. If tagging fails, nothing is
    committed and the previous file keeps serving.
    """
    session = get_session()
    unchanged = before is not None and before == current_tags(episode)
    if not is_tagged_when_saved(episode) or unchanged:
        session.commit()
        return False
    with retagging.tag_episode_audio(session, episode, current_storage(), _base_url()):
        session.commit()
    return True


def _base_url() -> str:
    return str(current_app.config["BASE_URL"])
