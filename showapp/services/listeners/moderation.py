"""The studio's queue of what listeners sent a show: "I tried this" reports on its advice and
stories sent to its mentor call, newest first, and what a host does with each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.errors import InvalidInput
from showapp.models import Advice, AdviceReport, Episode, Guest, MentorStory, Moderation, Show
from showapp.services.listeners.spam import MAX_STORY
from showapp.services.paging import Listing, offset

Kind = Literal["report", "story"]
KINDS: tuple[Kind, ...] = ("report", "story")
PER_PAGE = 20
MAX_REPLY = 2000


@dataclass(frozen=True)
class QueueItem:
    """One thing a listener sent, with what the host needs to judge it."""

    kind: Kind
    row: AdviceReport | MentorStory
    advice: Advice | None = None
    episode: Episode | None = None
    guest: Guest | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.row.id}"


def _report_ids(show: Show) -> Select[tuple[str, int, datetime, Moderation]]:
    return (
        select(literal("report").label("kind"), AdviceReport.id, AdviceReport.created_at,
               AdviceReport.status)
        .join(Advice, Advice.id == AdviceReport.advice_id)
        .join(Episode, Episode.id == Advice.episode_id)
        .where(Episode.show_id == show.id)
    )  # fmt: skip


def _story_ids(show: Show) -> Select[tuple[str, int, datetime, Moderation]]:
    return select(
        literal("story").label("kind"), MentorStory.id, MentorStory.created_at, MentorStory.status
    ).where(MentorStory.show_id == show.id)


def queue(
    session: Session, show: Show, state: Moderation, kind: Kind | None, page: int
) -> Listing[QueueItem]:
    """Page `page` of the show's reports and stories in `state` (of one kind, or both)."""
    parts = [q for k, q in (("report", _report_ids(show)), ("story", _story_ids(show)))
             if kind in (None, k)]  # fmt: skip
    both = union_all(*(q.where(q.selected_columns.status == state) for q in parts)).subquery()
    total = session.scalar(select(func.count()).select_from(both)) or 0
    rows = session.execute(
        select(both.c.kind, both.c.id)
        .order_by(both.c.created_at.desc(), both.c.kind, both.c.id.desc())
        .limit(PER_PAGE)
        .offset(offset(page, PER_PAGE))
    ).all()
    return Listing(_load(session, [(r.kind, r.id) for r in rows]), page, total, PER_PAGE)


def _load(session: Session, keys: Sequence[tuple[str, int]]) -> list[QueueItem]:
    """The rows behind `keys`, in that order, each report with its advice's context."""
    report_ids = [i for k, i in keys if k == "report"]
    story_ids = [i for k, i in keys if k == "story"]
    items: dict[tuple[str, int], QueueItem] = {}
    if report_ids:
        found = session.execute(
            select(AdviceReport, Advice, Episode, Guest)
            .join(Advice, Advice.id == AdviceReport.advice_id)
            .join(Episode, Episode.id == Advice.episode_id)
            .outerjoin(Guest, Guest.id == Advice.guest_id)
            .where(AdviceReport.id.in_(report_ids))
        ).tuples()
        for report, advice, episode, guest in found:
            items[("report", report.id)] = QueueItem("report", report, advice, episode, guest)
    if story_ids:
        for story in session.scalars(select(MentorStory).where(MentorStory.id.in_(story_ids))):
            items[("story", story.id)] = QueueItem("story", story)
    return [items[key] for key in keys if key in items]


def pending_count(session: Session, show: Show) -> int:
    return pending_counts(session, [show]).get(show.id, 0)


def pending_counts(session: Session, shows: Sequence[Show]) -> dict[int, int]:
    """Waiting reports and stories by show id (shows with none left out): the studio home's
    cards, in one statement for every show."""
    ids = [show.id for show in shows]
    if not ids:
        return {}
    reports = (
        select(Episode.show_id.label("show_id"))
        .select_from(AdviceReport)
        .join(Advice, Advice.id == AdviceReport.advice_id)
        .join(Episode, Episode.id == Advice.episode_id)
        .where(AdviceReport.status == Moderation.PENDING, Episode.show_id.in_(ids))
    )
    stories = select(MentorStory.show_id.label("show_id")).where(
        MentorStory.status == Moderation.PENDING, MentorStory.show_id.in_(ids)
    )
    both = union_all(reports, stories).subquery()
    counted = select(both.c.show_id, func.count()).group_by(both.c.show_id)
    return {int(show_id): int(count) for show_id, count in session.execute(counted)}


def find(
    session: Session, show: Show, kind: str, item_id: int
) -> AdviceReport | MentorStory | None:
    """The report or story of this show with this id; None for another show's."""
    if kind == "report":
        return session.scalar(
            select(AdviceReport)
            .join(Advice, Advice.id == AdviceReport.advice_id)
            .join(Episode, Episode.id == Advice.episode_id)
            .where(AdviceReport.id == item_id, Episode.show_id == show.id)
        )
    if kind == "story":
        return session.scalar(
            select(MentorStory).where(MentorStory.id == item_id, MentorStory.show_id == show.id)
        )
    return None


def approve(row: AdviceReport | MentorStory) -> None:
    row.status = Moderation.APPROVED
    row.moderated_at = utc_now()


def reject(row: AdviceReport | MentorStory) -> None:
    row.status = Moderation.REJECTED
    row.moderated_at = utc_now()
    if isinstance(row, MentorStory):
        row.published_at = None


def reject_many(session: Session, show: Show, keys: Iterable[tuple[str, int]]) -> int:
    """Reject each of this show's items named; ids of other shows are passed over."""
    done = 0
    for kind, item_id in keys:
        row = find(session, show, kind, item_id)
        if row is not None and row.status != Moderation.REJECTED:
            reject(row)
            done += 1
    session.flush()
    return done


def shorten(row: AdviceReport | MentorStory, text: str) -> None:
    """The host's shorter version of the story. The listener's own words are kept in
    original_story (the first time only), so every later edit still starts from them."""
    text = text.replace("\r\n", "\n").strip()
    original = row.original_story or row.story
    if not text:
        raise InvalidInput("The shortened story is empty: reject it instead.")
    if len(text) > min(len(original), MAX_STORY):
        raise InvalidInput(
            "Editing is for length: the new text may not be longer than what the listener "
            f"wrote ({len(original):,} characters)."
        )
    if text == original:
        row.story, row.original_story = original, ""
        return
    row.story, row.original_story = text, original


def restore(row: AdviceReport | MentorStory) -> None:
    """Back to the listener's own words."""
    if row.original_story:
        row.story, row.original_story = row.original_story, ""


def reply(row: AdviceReport | MentorStory, text: str) -> None:
    """Store the host's reply for the mail sender, which sends it and sets replied_at."""
    text = text.strip()
    if not row.email:
        raise InvalidInput("This listener left no e-mail address, so a reply cannot reach them.")
    if row.replied_at is not None:
        raise InvalidInput("Your reply has been sent already; it cannot be changed now.")
    if not text:
        raise InvalidInput("The reply is empty.")
    if len(text) > MAX_REPLY:
        raise InvalidInput(f"The reply is longer than {MAX_REPLY:,} characters.")
    row.host_reply = text


def publish(session: Session, story: MentorStory, on: bool) -> None:
    """Show the story on the show's site, or take it off; only an approved story whose
    listener agreed to publication can go up."""
    if on and story.status != Moderation.APPROVED:
        raise InvalidInput("Approve the story before you publish it.")
    if on and not story.consent_to_publish:
        raise InvalidInput("The listener did not agree to publication, so it stays private.")
    story.published_at = (story.published_at or utc_now()) if on else None
    # The show page links its stories page once one is published: let its cache know.
    session.info["site_changed"] = True
