"""What is due to be mailed, read from the state other features leave behind.

Nothing else sends mail: approved reports not yet told to their guest
(AdviceReport.guest_notified_at), follow-ups due and not yet reminded (FollowUp.reminded_at),
host replies not yet sent (replied_at), and guest review comments and decisions the hosts
have not heard about. Each "mark_*" sets the marker in the caller's transaction, together with
the queued message, so a thing is mailed once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from showapp.models import (
    Advice,
    AdviceReport,
    Episode,
    FollowUp,
    Guest,
    MailKind,
    MailOptOut,
    MentorStory,
    Moderation,
    OutboxMessage,
    ReviewComment,
    ReviewLink,
    Show,
    User,
    UserRole,
    show_hosts,
)
from showapp.services.mail import optouts
from showapp.services.stats.counting import local_today

DIGEST_EVERY = timedelta(days=7)
# A guest commenting away is mailed about once they pause this long (a decision goes at once).
REVIEW_QUIET = timedelta(minutes=3)


@dataclass(frozen=True)
class ReportItem:
    report: AdviceReport
    advice: Advice
    episode: Episode
    show: Show


@dataclass
class GuestDigest:
    guest: Guest
    items: list[ReportItem] = field(default_factory=list)

    @property
    def show_id(self) -> int | None:
        shows = {item.show.id for item in self.items}
        return shows.pop() if len(shows) == 1 else None


def digest_key(guest_id: int, now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"digest:guest:{guest_id}:{year}-W{week:02d}"


def due_digests(session: Session, now: datetime) -> list[GuestDigest]:
    """Per guest with an address who has not opted out and had no digest in the last 7 days:
    the approved reports on their advice that no digest carried yet."""
    opted_out = exists().where(
        MailOptOut.email == func.lower(func.trim(Guest.email)),
        MailOptOut.kind.in_([MailKind.DIGEST.value, optouts.ALL]),
    )
    query = (
        select(AdviceReport, Advice, Episode, Show, Guest)
        .join(Advice, AdviceReport.advice_id == Advice.id)
        .join(Guest, Advice.guest_id == Guest.id)
        .join(Episode, Advice.episode_id == Episode.id)
        .join(Show, Episode.show_id == Show.id)
        .where(
            AdviceReport.status == Moderation.APPROVED,
            AdviceReport.guest_notified_at.is_(None),
            Guest.email != "",
            Guest.deleted_at.is_(None),
            Episode.deleted_at.is_(None),
            Show.deleted_at.is_(None),
            ~opted_out,
        )
        .order_by(Guest.id, Show.id, Episode.id, Advice.position, AdviceReport.id)
    )
    digests: dict[int, GuestDigest] = {}
    for report, advice, episode, show, guest in session.execute(query).tuples():
        digest = digests.setdefault(guest.id, GuestDigest(guest))
        digest.items.append(ReportItem(report, advice, episode, show))
    recent = _recently_digested(session, list(digests), now)
    return [digest for guest_id, digest in digests.items() if guest_id not in recent]


def _recently_digested(session: Session, guest_ids: list[int], now: datetime) -> set[int]:
    if not guest_ids:
        return set()
    query = select(OutboxMessage.dedupe_key).where(
        OutboxMessage.kind == MailKind.DIGEST,
        OutboxMessage.created_at > now - DIGEST_EVERY,
        OutboxMessage.dedupe_key.is_not(None),
    )
    found = {int(str(key).split(":")[2]) for key in session.scalars(query)}
    return found & set(guest_ids)


def mark_reports_notified(digest: GuestDigest, now: datetime) -> None:
    for item in digest.items:
        item.report.guest_notified_at = now


@dataclass(frozen=True)
class FollowUpItem:
    follow_up: FollowUp
    show: Show
    guest: Guest | None
    advice: Advice | None


def due_follow_ups(session: Session, now: datetime) -> dict[User, list[FollowUpItem]]:
    """Follow-ups due by today in their show's time zone, not done and not reminded of yet,
    per host of the show (per active admin when a show has no active host)."""
    query = (
        select(FollowUp, Show, Guest, Advice)
        .join(Show, FollowUp.show_id == Show.id)
        .outerjoin(Guest, FollowUp.guest_id == Guest.id)
        .outerjoin(Advice, FollowUp.advice_id == Advice.id)
        .where(
            FollowUp.done_at.is_(None),
            FollowUp.reminded_at.is_(None),
            # Nowhere is it later than UTC+14; the exact day is checked per show below.
            FollowUp.due_on <= (now + timedelta(hours=14)).date(),
            Show.deleted_at.is_(None),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    items = [
        FollowUpItem(follow_up, show, guest, advice)
        for follow_up, show, guest, advice in session.execute(query).tuples()
        if follow_up.due_on <= local_today(now, show.timezone)
    ]
    hosts = _hosts_by_show(session, {item.show.id for item in items})
    by_host: dict[User, list[FollowUpItem]] = defaultdict(list)
    for item in items:
        for host in hosts.get(item.show.id, []):
            by_host[host].append(item)
    return dict(by_host)


def _hosts_by_show(session: Session, show_ids: set[int]) -> dict[int, list[User]]:
    if not show_ids:
        return {}
    rows = session.execute(
        select(show_hosts.c.show_id, User)
        .join(User, User.id == show_hosts.c.user_id)
        .where(show_hosts.c.show_id.in_(show_ids), User.active.is_(True))
        .order_by(User.id)
    ).tuples()
    hosts: dict[int, list[User]] = defaultdict(list)
    for show_id, user in rows:
        hosts[show_id].append(user)
    if show_ids - set(hosts):
        admins = session.scalars(
            select(User).where(User.role == UserRole.ADMIN, User.active.is_(True))
        ).all()
        for show_id in show_ids - set(hosts):
            hosts[show_id] = list(admins)
    return hosts


def mark_reminded(items: Sequence[FollowUpItem], now: datetime) -> None:
    for item in items:
        item.follow_up.reminded_at = now


@dataclass(frozen=True)
class Reply:
    """A host's reply to a listener's report or story, not sent yet."""

    entry: AdviceReport | MentorStory
    show: Show
    about: str  # the advice, or "your story about <mentor>"


def due_replies(session: Session) -> list[Reply]:
    """Replies written to listeners who gave an address. A rejected report or story is never
    mailed: a spammer's forged address gets nothing from the show."""
    replies: list[Reply] = []
    reports = session.execute(
        select(AdviceReport, Advice, Show)
        .join(Advice, AdviceReport.advice_id == Advice.id)
        .join(Episode, Advice.episode_id == Episode.id)
        .join(Show, Episode.show_id == Show.id)
        .where(*_reply_due(AdviceReport), Show.deleted_at.is_(None))
        .order_by(AdviceReport.id)
    ).tuples()
    replies += [Reply(report, show, advice.text) for report, advice, show in reports]
    stories = session.execute(
        select(MentorStory, Show)
        .join(Show, MentorStory.show_id == Show.id)
        .where(*_reply_due(MentorStory), Show.deleted_at.is_(None))
        .order_by(MentorStory.id)
    ).tuples()
    replies += [
        Reply(story, show, f"your story about {story.mentor_name or 'your mentor'}")
        for story, show in stories
    ]
    return replies


def _reply_due(model: type[AdviceReport] | type[MentorStory]) -> list[ColumnElement[bool]]:
    return [
        model.host_reply != "",
        model.replied_at.is_(None),
        model.email != "",
        model.status != Moderation.REJECTED,
    ]


@dataclass
class ReviewActivity:
    """What a guest did on one review link since the hosts were last told."""

    link: ReviewLink
    comments: list[ReviewComment]
    decided: bool  # a decision the hosts have not heard about
    hosts: list[User]


def due_review_activity(session: Session, now: datetime) -> list[ReviewActivity]:
    new_comment = and_(
        ReviewComment.link_id == ReviewLink.id,
        ReviewComment.from_host.is_(False),
        ReviewComment.hosts_notified_at.is_(None),
    )
    new_decision = and_(
        ReviewLink.decided_at.is_not(None),
        or_(
            ReviewLink.decision_notified_at.is_(None),
            ReviewLink.decision_notified_at < ReviewLink.decided_at,
        ),
    )
    links = session.scalars(
        select(ReviewLink).where(or_(exists().where(new_comment), new_decision))
    ).all()
    activity = []
    for link in links:
        entry = _activity(session, link, now)
        if entry is not None:
            activity.append(entry)
    return activity


def _activity(session: Session, link: ReviewLink, now: datetime) -> ReviewActivity | None:
    comments = list(
        session.scalars(
            select(ReviewComment)
            .where(
                ReviewComment.link_id == link.id,
                ReviewComment.from_host.is_(False),
                ReviewComment.hosts_notified_at.is_(None),
            )
            .order_by(ReviewComment.id)
        )
    )
    decided = link.decided_at is not None and (
        link.decision_notified_at is None or link.decision_notified_at < link.decided_at
    )
    if not decided and comments and comments[-1].created_at > now - REVIEW_QUIET:
        return None  # the guest is still writing: wait for a pause
    episode = session.get(Episode, link.episode_id)
    if episode is None or episode.deleted_at is not None:
        return None
    hosts = _hosts_by_show(session, {episode.show_id}).get(episode.show_id, [])
    return ReviewActivity(link, comments, decided, hosts)


def mark_review_notified(activity: ReviewActivity, now: datetime) -> None:
    for comment in activity.comments:
        comment.hosts_notified_at = now
    if activity.decided:
        activity.link.decision_notified_at = now
