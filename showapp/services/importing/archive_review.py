"""Guest review state in an export archive, carried only when the host asks for it
(`showapp export --with-review`): review links with their decisions, and their comments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from showapp.models import Episode, Guest, ReviewComment, ReviewLink, Show, User
from showapp.services.importing.archive_format import column_values, model_values
from showapp.services.importing.report import ImportReport


def review_links(session: Session, show: Show) -> dict[int, list[ReviewLink]]:
    query = (
        select(ReviewLink)
        .join(Episode, ReviewLink.episode_id == Episode.id)
        .where(Episode.show_id == show.id)
        .order_by(ReviewLink.id)
        .options(selectinload(ReviewLink.guest), selectinload(ReviewLink.comments))
    )
    found: dict[int, list[ReviewLink]] = defaultdict(list)
    for link in session.scalars(query):
        found[link.episode_id].append(link)
    return found


def review_record(link: ReviewLink, hosts: Iterable[User]) -> dict[str, Any]:
    """A link with its comments in order; a reply names its comment by place in that list,
    and the host who wrote one by email (ids mean nothing on another install)."""
    emails = {user.id: user.email for user in hosts}
    places = {comment.id: place for place, comment in enumerate(link.comments)}
    comments = []
    for comment in link.comments:
        values = model_values(comment)
        values.pop("author_id", None)
        values["author"] = emails.get(comment.author_id) if comment.author_id else None
        values["reply_to"] = places.get(comment.reply_to_id) if comment.reply_to_id else None
        comments.append(values)
    return {**model_values(link), "guest": link.guest.slug, "comments": comments}


def restore_review(
    session: Session,
    episode: Episode,
    links: list[Any],
    guests: dict[str, Guest],
    users: dict[str, User],
    report: ImportReport,
) -> None:
    """Review links with their comments and decisions; a reply names its comment by place."""
    for record in links:
        guest = guests.get(record.get("guest"))
        if guest is None:
            report.problems.append(f"a review of episode {episode.guid!r} has no guest; skipped")
            continue
        link = ReviewLink(
            **column_values(ReviewLink.__table__, record), episode_id=episode.id, guest_id=guest.id
        )
        session.add(link)
        session.flush()
        made: list[ReviewComment] = []
        for comment in record.get("comments") or []:
            values = column_values(ReviewComment.__table__, comment)
            values.pop("author_id", None)
            place = comment.get("reply_to")
            parent = made[place] if isinstance(place, int) and 0 <= place < len(made) else None
            author = users.get(comment["author"]) if comment.get("author") else None
            row = ReviewComment(
                **values,
                link_id=link.id,
                reply_to_id=parent.id if parent else None,
                author_id=author.id if author else None,
            )
            session.add(row)
            session.flush()
            made.append(row)
