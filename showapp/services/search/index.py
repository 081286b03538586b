"""Keeping the search index and the site revision in step with what sessions commit.

Writers never call this module: session events note the episodes a transaction touched
(episodes, appearances, guests and topics, and the episode_topics rows studio writes with
Core statements) and rewrite their `search_documents` rows just before the commit, in the
same transaction. Every commit that changes a public page also bumps `site_revision`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.sql.dml import Delete, Insert

from showapp.db import after_outer_commit
from showapp.models import (
    Advice,
    AdviceReport,
    Appearance,
    Chapter,
    Episode,
    Guest,
    GuestLink,
    NetworkSettings,
    SearchDocument,
    Show,
    SiteRevision,
    Soundbite,
    Topic,
    Transcript,
    episode_topics,
)
from showapp.services.catalog.lookups import episode_page_options
from showapp.services.catalog.text import render_notes

_DIRTY_KEY = "search_dirty_episodes"
# Chapters and transcripts decide whether the episode page offers a chapter list and a
# transcript, so a change to them is a change to a public page; every page names the network.
# Advice, its approved reports and mentor links show on episode, guest and topic pages.
PUBLIC_MODELS = (
    Show, Episode, Appearance, Guest, Topic, Chapter, Transcript, Soundbite, NetworkSettings,
    Advice, AdviceReport, GuestLink,
)  # fmt: skip
EPISODE_CHILDREN = (Transcript, Chapter, Soundbite)


def transcript_texts(session: Session, episode_ids: Sequence[int]) -> dict[int, str]:
    """Each episode's transcripts as plain text (every language, one after the other)."""
    texts: dict[int, list[str]] = {}
    query = (
        select(Transcript.episode_id, Transcript.plain_text)
        .where(Transcript.episode_id.in_(episode_ids))
        .order_by(Transcript.episode_id, Transcript.id)
    )
    for episode_id, text in session.execute(query):
        texts.setdefault(episode_id, []).append(text)
    return {episode_id: "\n\n".join(parts) for episode_id, parts in texts.items()}


def plain_text(markdown_source: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", render_notes(markdown_source)))


def index_episodes(
    session: Session, episode_ids: Sequence[int], transcripts: dict[int, str] | None = None
) -> None:
    """Rewrite the index rows of these episodes (deleted episodes simply lose theirs)."""
    ids = list(dict.fromkeys(episode_ids))
    for start in range(0, len(ids), 500):
        _index_batch(session, ids[start : start + 500], transcripts or {})


def _index_batch(session: Session, ids: list[int], transcripts: dict[int, str]) -> None:
    episodes = session.scalars(
        select(Episode)
        .where(Episode.id.in_(ids))
        .options(*episode_page_options())
        .execution_options(populate_existing=True)
    ).all()
    session.execute(delete(SearchDocument).where(SearchDocument.episode_id.in_(ids)))
    texts = {**transcript_texts(session, ids), **transcripts}
    rows = [_document_row(episode, texts) for episode in episodes]
    if rows:
        session.execute(insert(SearchDocument), rows)


def _document_row(episode: Episode, transcripts: dict[int, str]) -> dict[str, Any]:
    return {
        "episode_id": episode.id,
        "show_id": episode.show_id,
        "published_at": episode.published_at,
        "title": episode.title,
        "body": " ".join(filter(None, [episode.summary, plain_text(episode.notes_md)])),
        "guests": " ".join(
            " ".join(filter(None, [a.guest.name, a.organisation, a.job_title]))
            for a in episode.appearances
        ),
        "topics": " ".join(topic.name for topic in episode.topics),
        "transcript": transcripts.get(episode.id, ""),
    }


def reindex_all(session: Session) -> int:
    ids = list(session.scalars(select(Episode.id).order_by(Episode.id)))
    session.execute(delete(SearchDocument))
    index_episodes(session, ids)
    return len(ids)


def watch_sessions(
    factory: sessionmaker[Session], on_change: Callable[[], None] | None = None
) -> None:
    """Reindex the episodes a transaction touched, just before it commits; after a commit
    that changed a public page, call `on_change` (page caches of this process listen)."""
    event.listen(factory, "after_flush", _note_flushed)
    event.listen(factory, "do_orm_execute", _note_statement)
    event.listen(factory, "before_commit", _reindex_noted)
    if on_change is not None:
        after_outer_commit(factory, "site_committed", lambda _committed: on_change())


_CHILD_TABLES = tuple(model.__table__ for model in EPISODE_CHILDREN)


def _dirty(session: Session) -> set[int]:
    noted: set[int] = session.info.setdefault(_DIRTY_KEY, set())
    return noted


def _note_flushed(session: Session, _context: Any) -> None:
    noted = _dirty(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, PUBLIC_MODELS):
            session.info["site_changed"] = True
        if isinstance(obj, Episode) and obj.id is not None:
            noted.add(obj.id)
        elif isinstance(obj, (Appearance, *EPISODE_CHILDREN)) and obj.episode_id is not None:
            noted.add(obj.episode_id)
        elif isinstance(obj, Guest | Topic) and obj in session.dirty and obj.id is not None:
            session.info.setdefault("search_dirty_owners", set()).add((type(obj), obj.id))


def _note_statement(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, Delete) and statement.table in _CHILD_TABLES:
        # Chapters are replaced with a bulk DELETE, which no flush event reports.
        state.session.info["site_changed"] = True
        return
    if isinstance(statement, Insert | Delete) and statement.table is episode_topics:
        params = statement.compile().params
        given = state.parameters if isinstance(state.parameters, dict) else {}
        episode_id = given.get("episode_id", params.get("episode_id"))
        if isinstance(episode_id, int):
            _dirty(state.session).add(episode_id)
            state.session.info["site_changed"] = True


def _reindex_noted(session: Session) -> None:
    session.flush()
    noted = _dirty(session)
    for owner, owner_id in session.info.pop("search_dirty_owners", set()):
        noted.update(_episodes_of(session, owner, owner_id))
    if noted:
        ids = sorted(noted)
        noted.clear()
        index_episodes(session, ids)
    if session.info.pop("site_changed", False):
        bump_site_revision(session)
        session.info["site_committed"] = True


def bump_site_revision(session: Session) -> None:
    bumped = session.execute(
        update(SiteRevision).where(SiteRevision.id == 1).values(revision=SiteRevision.revision + 1)
    )
    if not getattr(bumped, "rowcount", 1):  # the row is gone (a truncated database)
        session.execute(insert(SiteRevision).values(id=1, revision=1))


def site_revision(session: Session) -> int:
    """Changes whenever a commit touched anything a public page shows."""
    return session.scalar(select(SiteRevision.revision).where(SiteRevision.id == 1)) or 0


def _episodes_of(session: Session, owner: type, owner_id: int) -> list[int]:
    if owner is Guest:
        query = select(Appearance.episode_id).where(Appearance.guest_id == owner_id)
    else:
        query = select(episode_topics.c.episode_id).where(episode_topics.c.topic_id == owner_id)
    return list(session.scalars(query))
