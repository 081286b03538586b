"""What listeners see of advice: on the episode page (with "N tried this" and the approved
reports listeners agreed to publish), gathered on a guest's page and on a topic's page.

Only advice in public episodes is read here (live ones; the episode page also shows its own
when the episode is unlisted), and a guest in the trash is named nowhere. Everything is
returned as plain values, so templates never reach the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.db import prepared, rows
from showapp.models import Advice, AdviceReport, Episode, Guest, Moderation, Show
from showapp.services.catalog.lookups import is_live, now_param

REPORTS_SHOWN = 3  # under each piece on the episode page; the rest on a page of its own
GATHERED_LIMIT = 50  # pieces on a guest's or a topic's page


@dataclass(frozen=True)
class PublicReport:
    name: str
    story: str
    host_reply: str
    created_at: datetime


@dataclass(frozen=True)
class PublicAdvice:
    id: int
    text: str
    start_seconds: float | None
    guest_name: str | None  # None when the guest is in the trash or was purged
    guest_slug: str | None
    show_slug: str
    show_title: str
    episode_slug: str
    episode_title: str
    tried: int = 0  # approved reports, published or not
    reports: list[PublicReport] = field(default_factory=list)  # consented, newest first
    more_reports: bool = False  # more consented reports than shown here


_COLUMNS = (
    Advice.id, Advice.text, Advice.start_seconds, Guest.name, Guest.slug, Guest.deleted_at,
    Show.slug, Show.title, Episode.slug, Episode.title,
)  # fmt: skip


def _advice_query(*where: ColumnElement[bool]) -> Select[Any]:
    return (
        select(*_COLUMNS)
        .join(Episode, Episode.id == Advice.episode_id)
        .join(Show, Show.id == Episode.show_id)
        .outerjoin(Guest, Guest.id == Advice.guest_id)
        .where(*where)
    )


def episode_advice(
    session: Session, episode: Episode, shown: int | None = REPORTS_SHOWN
) -> list[PublicAdvice]:
    """The episode's advice in the host's order (the caller has checked the episode is
    public: its page only renders when it is)."""
    found = rows(session, _of_episode(), {"episode_id": episode.id}).all()
    return _with_reports(session, found, shown)


def guest_advice(session: Session, guest: Guest, limit: int = GATHERED_LIMIT) -> list[PublicAdvice]:
    """Every piece this guest gave in a live episode of any show, newest episode first."""
    params = {"guest_id": guest.id, "now": utc_now(), "limit": limit}
    return _with_reports(session, rows(session, _of_guest(), params).all(), 0)


# The public pages' statements are built once per process with bound parameters (see
# catalog.lookups.now_param): building one cost more than running it.
@prepared
def _of_episode() -> Select[Any]:
    return _advice_query(Advice.episode_id == bindparam("episode_id")).order_by(
        Advice.position, Advice.id
    )


@prepared
def _of_guest() -> Select[Any]:
    return (
        _advice_query(Advice.guest_id == bindparam("guest_id"), is_live(now_param()))
        .order_by(Episode.published_at.desc(), Advice.position, Advice.id)
        .limit(bindparam("limit"))
    )


def guest_advice_in_episode(session: Session, guest: Guest, episode: Episode) -> list[PublicAdvice]:
    """The guest's advice in one episode with every published report: their review link's
    "what came of your advice" (the caller has checked the episode is out)."""
    query = _advice_query(Advice.episode_id == episode.id, Advice.guest_id == guest.id)
    found = session.execute(query.order_by(Advice.position, Advice.id)).all()
    return _with_reports(session, found, None)


def topic_advice(
    session: Session, episode_ids: Sequence[int], limit: int = GATHERED_LIMIT
) -> list[PublicAdvice]:
    """Advice given in these live episodes (a topic's newest: TopicPage.newest_ids), newest
    episode first."""
    params = {"episode_ids": list(episode_ids), "limit": limit}
    return _with_reports(session, rows(session, _of_episodes(), params).all(), 0)


@prepared
def _of_episodes() -> Select[Any]:
    return (
        _advice_query(Advice.episode_id.in_(bindparam("episode_ids", expanding=True)))
        .order_by(Episode.published_at.desc(), Advice.position, Advice.id)
        .limit(bindparam("limit"))
    )


def advice_with_all_reports(session: Session, advice_id: int) -> tuple[PublicAdvice, int] | None:
    """One piece with every published report, and its episode's id (for the caller to check
    the episode is public); None for an unknown id."""
    query = _advice_query(Advice.id == advice_id).add_columns(Episode.id)
    row = session.execute(query).first()
    if row is None:
        return None
    [found] = _with_reports(session, [row[:-1]], None)
    return found, int(row[-1])


def _with_reports(session: Session, pieces: Sequence[Any], shown: int | None) -> list[PublicAdvice]:
    ids = [row[0] for row in pieces]
    tried = approved_counts(session, ids)
    published = published_reports(session, ids) if shown != 0 else {}
    found = []
    for advice_id, text, start, name, slug, trashed, *where in pieces:
        reports = published.get(advice_id, [])
        named = name is not None and trashed is None
        found.append(
            PublicAdvice(
                id=advice_id,
                text=text,
                start_seconds=start,
                guest_name=name if named else None,
                guest_slug=slug if named else None,
                show_slug=where[0],
                show_title=where[1],
                episode_slug=where[2],
                episode_title=where[3],
                tried=tried.get(advice_id, 0),
                reports=reports if shown is None else reports[:shown],
                more_reports=shown is not None and len(reports) > shown,
            )
        )
    return found


def approved_counts(session: Session, advice_ids: Sequence[int]) -> dict[int, int]:
    if not advice_ids:
        return {}
    found = rows(session, _approved_counts(), {"ids": list(advice_ids)})
    return {advice_id: int(n) for advice_id, n in found}


@prepared
def _approved_counts() -> Select[tuple[int, int]]:
    return (
        select(AdviceReport.advice_id, func.count())
        .where(
            AdviceReport.advice_id.in_(bindparam("ids", expanding=True)),
            AdviceReport.status == Moderation.APPROVED,
        )
        .group_by(AdviceReport.advice_id)
    )


def published_reports(session: Session, advice_ids: Sequence[int]) -> dict[int, list[PublicReport]]:
    """Approved reports whose writer agreed to publish them, newest first, by advice id."""
    if not advice_ids:
        return {}
    found: dict[int, list[PublicReport]] = defaultdict(list)
    for advice_id, *report in rows(session, _published(), {"ids": list(advice_ids)}):
        found[advice_id].append(PublicReport(*report))
    return found


@prepared
def _published() -> Select[Any]:
    return (
        select(
            AdviceReport.advice_id,
            AdviceReport.name,
            AdviceReport.story,
            AdviceReport.host_reply,
            AdviceReport.created_at,
        )  # fmt: skip
        .where(
            AdviceReport.advice_id.in_(bindparam("ids", expanding=True)),
            AdviceReport.status == Moderation.APPROVED,
            AdviceReport.consent_to_publish.is_(True),
        )
        .order_by(AdviceReport.created_at.desc(), AdviceReport.id.desc())
    )
