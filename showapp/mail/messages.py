"""Each message the app sends: what it says (templates/mail/), to whom, and when.

`queue_invite` and `queue_review_link` run in the request that made the invitation or the
link, inside its transaction. `queue_periodic` runs in the mail runner: it reads what other
features left in the database (services/mail/due.py), queues a message for each and sets the
markers in the same transaction, so each thing is mailed once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from flask import Flask
from sqlalchemy.orm import Session  # noqa: TID251 - the session type only

from showapp.errors import InvalidInput
from showapp.mail import absolute_url, render, unsubscribe_url
from showapp.models import (
    AdviceReport,
    Episode,
    Guest,
    MailKind,
    MentorStory,
    OutboxMessage,
    ReviewDecision,
    ReviewLink,
    Show,
    User,
)
from showapp.services.accounts import INVITE_LIFETIME
from showapp.services.mail import due, outbox
from showapp.services.mail.outcome_links import outcome_link
from showapp.services.review import links as review_links

log = logging.getLogger(__name__)


def _secret(app: Flask) -> str:
    return str(app.config["SECRET_KEY"])


def queue_invite(
    app: Flask, session: Session, user: User, token: str, now: datetime
) -> OutboxMessage | None:
    text, html = render(
        app, "invite", user=user, link=absolute_url(app, "studio.accept_invite", token=token),
        expires=now + INVITE_LIFETIME,
    )  # fmt: skip
    subject = f"You are invited to {app.config['SITE_TITLE']}'s studio"
    return outbox.queue_message(
        session, to=user.email, subject=subject, text=text, html=html, kind=MailKind.INVITE
    )


def queue_review_link(
    app: Flask, session: Session, link: ReviewLink, guest: Guest, episode: Episode, show: Show
) -> OutboxMessage | None:
    url = absolute_url(app, "site.review_page", token=review_links.token_for(link, _secret(app)))
    text, html = render(
        app, "review_link", guest=guest, episode=episode, show=show, link=link, url=url,
        unsubscribe=unsubscribe_url(app, guest.email, MailKind.REVIEW_LINK),
    )  # fmt: skip
    return outbox.queue_message(
        session, to=guest.email, subject=f"{show.title}: please listen to “{episode.title}”",
        text=text, html=html, kind=MailKind.REVIEW_LINK, show_id=show.id,
    )  # fmt: skip


def queue_guest_invite(
    app: Flask, session: Session, story: MentorStory, guest: Guest, show: Show, host: User
) -> OutboxMessage | None:
    """The listener whose mentor story moved the host is asked onto the show; the host's
    address is the one to answer."""
    text, html = render(
        app, "guest_invite", story=story, guest=guest, show=show, host=host,
        show_url=absolute_url(app, "site.show", show_slug=show.slug),
        unsubscribe=unsubscribe_url(app, guest.email, MailKind.GUEST_INVITE),
    )  # fmt: skip
    return outbox.queue_message(
        session, to=guest.email, subject=f"Would you come on {show.title}?", text=text,
        html=html, kind=MailKind.GUEST_INVITE, show_id=show.id,
        dedupe_key=f"guest-invite:{story.id}",
    )  # fmt: skip


@dataclass
class PeriodicCounts:
    digests: int = 0
    follow_ups: int = 0
    replies: int = 0
    review_activity: int = 0


def queue_periodic(app: Flask, session: Session, now: datetime) -> PeriodicCounts:
    """Queue every message that is due; the caller commits. A stored address the outbox
    refuses (a typo) skips that message only, and it is tried again on the next run."""
    counts = PeriodicCounts()
    for digest in due.due_digests(session, now):
        counts.digests += _guarded(partial(_queue_digest, app, session, digest, now))
    for host, items in due.due_follow_ups(session, now).items():
        counts.follow_ups += _guarded(partial(_queue_follow_ups, app, session, host, items, now))
    for reply in due.due_replies(session):
        counts.replies += _guarded(partial(_queue_reply, app, session, reply, now))
    for activity in due.due_review_activity(session, now):
        counts.review_activity += _guarded(
            partial(_queue_review_activity, app, session, activity, now)
        )
    return counts


def _guarded(queue: Callable[[], int]) -> int:
    try:
        return queue()
    except InvalidInput as error:
        log.warning("a message was not queued: %s", error)
        return 0


def _queue_digest(app: Flask, session: Session, digest: due.GuestDigest, now: datetime) -> int:
    guest = digest.guest
    latest = max(
        digest.items, key=lambda item: item.episode.published_at or item.episode.created_at
    )
    link = outcome_link(session, latest.episode.id, guest.id, now)
    outcomes = (
        absolute_url(app, "site.review_page", token=review_links.token_for(link, _secret(app)))
        if link is not None
        else absolute_url(app, "site.guest", guest_slug=guest.slug)
    )
    text, html = render(
        app, "digest", guest=guest, items=[_digest_entry(app, item) for item in digest.items],
        outcomes=outcomes, unsubscribe=unsubscribe_url(app, guest.email, MailKind.DIGEST),
    )  # fmt: skip
    count = len(digest.items)
    subject = f"{count} listener{'s' if count != 1 else ''} tried your advice"
    queued = outbox.queue_message(
        session, to=guest.email, subject=subject, text=text, html=html, kind=MailKind.DIGEST,
        show_id=digest.show_id, dedupe_key=due.digest_key(guest.id, now), now=now,
    )  # fmt: skip
    if queued is None:
        return 0
    due.mark_reports_notified(digest, now)
    return 1


@dataclass(frozen=True)
class DigestEntry:
    advice: str
    episode: str
    episode_url: str
    listener: str
    story: str  # empty unless the listener agreed to publish it


def _digest_entry(app: Flask, item: due.ReportItem) -> DigestEntry:
    report: AdviceReport = item.report
    consent = report.consent_to_publish
    return DigestEntry(
        advice=item.advice.text,
        episode=item.episode.title,
        episode_url=absolute_url(
            app, "site.episode", show_slug=item.show.slug, episode_slug=item.episode.slug
        ),
        listener=report.name.strip() if consent and report.name.strip() else "A listener",
        story=report.story.strip() if consent else "",
    )


def _queue_follow_ups(
    app: Flask, session: Session, host: User, items: list[due.FollowUpItem], now: datetime
) -> int:
    text, html = render(
        app, "follow_ups", host=host, items=items, studio=absolute_url(app, "studio.index"),
        unsubscribe=unsubscribe_url(app, host.email, MailKind.FOLLOW_UPS),
    )  # fmt: skip
    shows = {item.show.id for item in items}
    subject = f"{len(items)} follow-up{'s' if len(items) != 1 else ''} due"
    queued = outbox.queue_message(
        session, to=host.email, subject=subject, text=text, html=html,
        kind=MailKind.FOLLOW_UPS, show_id=shows.pop() if len(shows) == 1 else None,
        dedupe_key=f"follow-ups:user:{host.id}:{now.date().isoformat()}", now=now,
    )  # fmt: skip
    if queued is None:
        return 0  # this host had today's reminder already; these wait for tomorrow's
    due.mark_reminded(items, now)
    return 1


def _queue_reply(app: Flask, session: Session, reply: due.Reply, now: datetime) -> int:
    entry = reply.entry
    kind = "report" if isinstance(entry, AdviceReport) else "story"
    text, html = render(app, "reply", entry=entry, show=reply.show, about=reply.about)
    queued = outbox.queue_message(
        session, to=entry.email, subject=f"{reply.show.title} replied to you", text=text,
        html=html, kind=MailKind.REPLY, show_id=reply.show.id,
        dedupe_key=f"reply:{kind}:{entry.id}:{_digest(entry.host_reply)}", now=now,
    )  # fmt: skip
    entry.replied_at = now  # queued now, or by another runner a moment ago
    return 1 if queued is not None else 0


def _digest(text: str) -> str:
    # A host who writes a new reply (and clears replied_at) sends it; the same one goes once.
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _queue_review_activity(
    app: Flask, session: Session, activity: due.ReviewActivity, now: datetime
) -> int:
    link = activity.link
    episode = session.get(Episode, link.episode_id)
    guest = session.get(Guest, link.guest_id)
    show = session.get(Show, episode.show_id) if episode else None
    if episode is None or guest is None or show is None:
        return 0
    review = absolute_url(app, "studio.review_episode", show_slug=show.slug, episode_id=episode.id)
    decision = link.decision if activity.decided else ReviewDecision.NONE
    text, html = render(
        app, "review_activity", guest=guest, episode=episode, show=show, link=link,
        comments=activity.comments, decision=decision, review=review,
    )  # fmt: skip
    what = {ReviewDecision.APPROVED: "approved", ReviewDecision.CHANGES: "asked for changes to"}
    subject = f"{guest.name} {what.get(decision, 'commented on')} “{episode.title}”"
    last = max((c.id for c in activity.comments), default=0)
    decided = link.decided_at.timestamp() if activity.decided and link.decided_at else 0
    queued = 0
    for host in activity.hosts:
        message = outbox.queue_message(
            session, to=host.email, subject=subject, text=text, html=html,
            kind=MailKind.REVIEW_ACTIVITY, show_id=show.id, now=now,
            dedupe_key=f"review:{link.id}:{host.id}:c{last}:d{decided:.0f}",
        )  # fmt: skip
        queued += message is not None
    due.mark_review_notified(activity, now)
    return queued
