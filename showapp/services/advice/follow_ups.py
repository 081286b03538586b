"""Follow-ups: a host's note to go back to a guest, or to a piece of advice, on a date.

A follow-up is due on its date in the show's own time zone (a host in Auckland sees
tomorrow's list before one in London does), until it is marked done.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.errors import InvalidInput
from showapp.models import Advice, Appearance, Episode, FollowUp, Guest, Show, User
from showapp.services.stats.counting import local_today

MAX_NOTE = 500
QUICK_MONTHS = (3, 6, 12)  # the form's "in 3/6/12 months" choices
MAX_YEARS_AHEAD = 20


@dataclass(frozen=True)
class FollowUpRow:
    """A follow-up as the studio lists it, with what it is about."""

    id: int
    note: str
    due_on: date
    done: bool
    guest_name: str | None
    advice_text: str | None
    episode_id: int | None  # the advice's episode, for a link to its advice tab


def months_later(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def show_today(show: Show, now: datetime | None = None) -> date:
    return local_today(now or utc_now(), show.timezone)


def guest_choices(session: Session, show: Show) -> list[tuple[int, str]]:
    """(id, name) of the guests credited on the show's episodes, outside the trash, by name."""
    query = (
        select(Guest.id, Guest.name)
        .join(Appearance, Appearance.guest_id == Guest.id)
        .join(Episode, Episode.id == Appearance.episode_id)
        .where(Episode.show_id == show.id, Guest.deleted_at.is_(None))
        .group_by(Guest.id, Guest.name)
        .order_by(Guest.name)
    )
    return [(guest_id, name) for guest_id, name in session.execute(query)]


def advice_choices(session: Session, show: Show) -> list[tuple[int, str]]:
    """(id, "Episode title: advice") of the advice in the show's episodes outside the trash."""
    query = (
        select(Advice.id, Episode.title, Advice.text)
        .join(Episode, Episode.id == Advice.episode_id)
        .where(Episode.show_id == show.id, Episode.deleted_at.is_(None))
        .order_by(Episode.id.desc(), Advice.position)
    )
    return [(advice_id, f"{title}: {text}") for advice_id, title, text in session.execute(query)]


def _due_date(raw: str, quick: str, today: date) -> date:
    if quick:
        if not quick.isdigit() or int(quick) not in QUICK_MONTHS:
            raise InvalidInput("Choose 3, 6 or 12 months, or a date.")
        return months_later(today, int(quick))
    try:
        due = date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("The due date is required, as a date (YYYY-MM-DD).") from None
    if due.year > today.year + MAX_YEARS_AHEAD:
        raise InvalidInput(f"The due date is more than {MAX_YEARS_AHEAD} years away.")
    return due


def add_follow_up(
    session: Session,
    show: Show,
    user: User | None,
    *,
    note: str,
    due_on: str = "",
    quick: str = "",
    guest_id: str = "",
    advice_id: str = "",
) -> FollowUp:
    """Validate and store a follow-up; the guest and the advice, if given, must be the show's."""
    note = note.strip()
    if not note:
        raise InvalidInput("The note is required: say what to ask, and whom.")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"The note is {len(note)} characters long; keep it to {MAX_NOTE}.")
    due = _due_date(due_on, quick, show_today(show))
    guest = _chosen(guest_id, dict(guest_choices(session, show)), "guest")
    advice = _chosen(advice_id, dict(advice_choices(session, show)), "piece of advice")
    follow_up = FollowUp(
        show_id=show.id, note=note, due_on=due, guest_id=guest, advice_id=advice,
        created_by_id=user.id if user is not None else None,
    )  # fmt: skip
    session.add(follow_up)
    session.flush()
    return follow_up


def _chosen(raw: str, choices: dict[int, str], what: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) not in choices:
        raise InvalidInput(f"Choose the {what} from the list: that one is not this show's.")
    return int(raw)


def get_follow_up(session: Session, show: Show, follow_up_id: int) -> FollowUp | None:
    found = session.get(FollowUp, follow_up_id)
    return found if found is not None and found.show_id == show.id else None


def mark_done(session: Session, follow_up: FollowUp) -> None:
    follow_up.done_at = follow_up.done_at or utc_now()
    session.flush()


def delete_follow_up(session: Session, follow_up: FollowUp) -> None:
    session.delete(follow_up)
    session.flush()


def list_follow_ups(session: Session, show: Show) -> list[FollowUpRow]:
    """The show's follow-ups: open ones by due date, then done ones, latest done first."""
    return _rows(session, [show.id]).get(show.id, [])


def _rows(
    session: Session, show_ids: Sequence[int], due_by: dict[int, date] | None = None
) -> dict[int, list[FollowUpRow]]:
    query = (
        select(FollowUp, Guest.name, Guest.deleted_at, Advice.text, Advice.episode_id)
        .outerjoin(Guest, Guest.id == FollowUp.guest_id)
        .outerjoin(Advice, Advice.id == FollowUp.advice_id)
        .where(FollowUp.show_id.in_(show_ids))
        .order_by(FollowUp.done_at.is_not(None), FollowUp.due_on, FollowUp.id)
    )
    if due_by is not None:
        query = query.where(FollowUp.done_at.is_(None))
    found: dict[int, list[FollowUpRow]] = defaultdict(list)
    for follow_up, name, trashed, text, episode_id in session.execute(query):
        if due_by is not None and follow_up.due_on > due_by[follow_up.show_id]:
            continue
        found[follow_up.show_id].append(
            FollowUpRow(
                follow_up.id,
                follow_up.note,
                follow_up.due_on,
                follow_up.done_at is not None,
                name if trashed is None else None,
                text,
                episode_id,
            )  # fmt: skip
        )
    return found


def due_follow_ups(
    session: Session, shows: Sequence[Show], now: datetime | None = None
) -> dict[int, list[FollowUpRow]]:
    """Open follow-ups due by today in each show's time zone, by show id: the studio home's
    list. One query for every show."""
    today = {show.id: show_today(show, now) for show in shows}
    if not today:
        return {}
    return _rows(session, list(today), due_by=today)
