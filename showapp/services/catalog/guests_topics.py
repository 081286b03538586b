"""Guests and topics kept tidy: search, edit, rename, merge and delete, without broken links.

Every slug a guest or topic gives up (renamed or merged away) is kept as a redirect to the
entity that remains, so old links answer 301 instead of 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import and_, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session, aliased

from showapp.errors import InvalidInput, SlugTaken
from showapp.models import Appearance, Guest, SlugRedirect, Topic, episode_topics
from showapp.services import urls
from showapp.services.catalog.text import slugify
from showapp.services.mail.guests import clean_address
from showapp.services.paging import STUDIO_PAGE_SIZE, Listing, listing

Kind = Literal["guest", "topic"]


@dataclass(frozen=True)
class MergeReport:
    moved: int  # appearances or episode links now on the kept entity
    combined: int  # ones the kept entity already had (same episode, and same role for guests)


def list_guests(session: Session, search: str = "", page: int | None = 1) -> Listing[Guest]:
    """Guests not in the trash (those are on the studio's Trash page), a page at a time: a
    network of 20,000 guests took 650 ms to list whole."""
    query = (
        select(Guest).where(Guest.deleted_at.is_(None)).order_by(func.lower(Guest.name), Guest.id)
    )
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Guest.name).like(pattern),
                Guest.slug.like(pattern),
                func.lower(Guest.organisation).like(pattern),
            )
        )
    return listing(session, query, page, STUDIO_PAGE_SIZE)


def list_topics(session: Session, search: str = "", page: int | None = 1) -> Listing[Topic]:
    query = select(Topic).order_by(func.lower(Topic.name), Topic.id)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(Topic.name).like(pattern), Topic.slug.like(pattern)))
    return listing(session, query, page, STUDIO_PAGE_SIZE)


def get_guest(session: Session, slug: str) -> Guest | None:
    """A guest not in the trash."""
    query = select(Guest).where(Guest.slug == slug, Guest.deleted_at.is_(None))
    return session.scalars(query).one_or_none()


def get_topic(session: Session, slug: str) -> Topic | None:
    return session.scalars(select(Topic).where(Topic.slug == slug)).one_or_none()


def update_guest(
    session: Session,
    guest: Guest,
    *,
    name: str,
    slug: str | None = None,
    bio: str | None = None,
    organisation: str | None = None,
    job_title: str | None = None,
    links: list[str] | None = None,
    email: str | None = None,
) -> Guest:
    """Edit a guest; a new slug keeps the old one as a redirect."""
    guest.name = _name(name, "guest")
    if email is not None:
        # Private: only mail to the guest uses it (review links, the advice digest).
        guest.email = clean_address(email)
    for field, value in (("bio", bio), ("organisation", organisation), ("job_title", job_title)):
        if value is not None:
            setattr(guest, field, value.strip())
    if links is not None:
        guest.links = [urls.public_url(link, "guest link") for link in links if link.strip()]
    _change_slug(session, "guest", guest, slug)
    session.flush()
    return guest


def update_topic(
    session: Session, topic: Topic, *, name: str, slug: str | None = None, description: str = ""
) -> Topic:
    """Edit a topic; a new slug keeps the old one as a redirect. Two topics never share a
    name (guests may: two people can), or lists and tags could not tell them apart."""
    topic.name = _name(name, "topic")
    named = select(Topic.slug).where(
        func.lower(Topic.name) == topic.name.lower(), Topic.id != topic.id
    )
    if (other := session.scalars(named).first()) is not None:
        raise InvalidInput(
            f"The topic '{other}' already has the name '{topic.name}': merge this topic into it "
            "instead, or choose another name."
        )
    topic.description = description.strip()
    _change_slug(session, "topic", topic, slug)
    session.flush()
    return topic


def _name(value: str, kind: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidInput(f"The {kind}'s name is required.")
    if len(cleaned) > 128:
        raise InvalidInput(f"The {kind}'s name is longer than 128 characters.")
    return cleaned


def _change_slug(session: Session, kind: Kind, row: Guest | Topic, slug: str | None) -> None:
    new_slug = slug if slug is not None else row.slug
    if not new_slug or new_slug != slugify(new_slug):
        raise InvalidInput(
            f"'{new_slug}' is not a valid address: use lower-case letters, digits and hyphens."
        )
    if new_slug == row.slug:
        return
    model = Guest if kind == "guest" else Topic
    if session.scalar(select(exists().where(model.slug == new_slug))):
        raise SlugTaken(f"Another {kind} already uses the address '{new_slug}'.")
    _add_redirect(session, kind, row.slug, row.id)
    # The new slug is live again, so an older redirect from it would shadow the page.
    session.execute(
        delete(SlugRedirect).where(SlugRedirect.kind == kind, SlugRedirect.old_slug == new_slug)
    )
    row.slug = new_slug


def _add_redirect(session: Session, kind: Kind, old_slug: str, target_id: int) -> None:
    # A slug can be given up twice (merged away, reused by a new guest, merged again):
    # the latest owner wins.
    session.execute(
        delete(SlugRedirect).where(SlugRedirect.kind == kind, SlugRedirect.old_slug == old_slug)
    )
    target = {"guest_id": target_id} if kind == "guest" else {"topic_id": target_id}
    session.add(SlugRedirect(kind=kind, old_slug=old_slug, **target))


def merge_guests(session: Session, keep: Guest, other: Guest) -> MergeReport:
    """Move every appearance of `other` to `keep`, then delete `other`; its slug redirects.

    When both were credited on the same episode in the same role, the kept appearance stays
    and fills its empty affiliation fields from the other one.
    """
    if keep.id == other.id:
        raise InvalidInput("Choose two different guests to merge.")
    combined = _combine_same_role_appearances(session, keep, other)
    moved = session.scalar(select(func.count()).where(Appearance.guest_id == other.id)) or 0
    session.execute(
        update(Appearance).where(Appearance.guest_id == other.id).values(guest_id=keep.id)
    )
    _fill_guest_fields(keep, other)
    _retarget_redirects(session, "guest", other.id, keep.id)
    _add_redirect(session, "guest", other.slug, keep.id)
    session.execute(delete(Guest).where(Guest.id == other.id))
    session.flush()
    return MergeReport(moved=moved, combined=combined)


def _combine_same_role_appearances(session: Session, keep: Guest, other: Guest) -> int:
    kept = aliased(Appearance)
    pairs = session.execute(
        select(kept, Appearance)
        .join(
            Appearance,
            and_(
                Appearance.episode_id == kept.episode_id,
                Appearance.role == kept.role,
                Appearance.guest_id == other.id,
            ),
        )
        .where(kept.guest_id == keep.id)
    ).all()
    for kept_row, other_row in pairs:
        kept_row.organisation = kept_row.organisation or other_row.organisation
        kept_row.job_title = kept_row.job_title or other_row.job_title
        session.delete(other_row)
    session.flush()
    return len(pairs)


def _fill_guest_fields(keep: Guest, other: Guest) -> None:
    keep.bio = keep.bio or other.bio
    keep.photo = keep.photo or other.photo
    keep.organisation = keep.organisation or other.organisation
    keep.job_title = keep.job_title or other.job_title
    keep.links = list(dict.fromkeys([*(keep.links or []), *(other.links or [])]))


def merge_topics(session: Session, keep: Topic, other: Topic) -> MergeReport:
    """Tag every episode of `other` with `keep` (once), delete `other`; its slug redirects."""
    if keep.id == other.id:
        raise InvalidInput("Choose two different topics to merge.")
    links = episode_topics.c
    already = select(links.episode_id).where(links.topic_id == keep.id)
    moving = select(links.episode_id, literal(keep.id)).where(
        links.topic_id == other.id, links.episode_id.not_in(already)
    )
    total = session.scalar(select(func.count()).where(links.topic_id == other.id)) or 0
    moved = session.scalar(select(func.count()).select_from(moving.subquery())) or 0
    session.execute(insert(episode_topics).from_select(["episode_id", "topic_id"], moving))
    _retarget_redirects(session, "topic", other.id, keep.id)
    _add_redirect(session, "topic", other.slug, keep.id)
    session.execute(delete(episode_topics).where(links.topic_id == other.id))
    session.execute(delete(Topic).where(Topic.id == other.id))
    if not keep.description:
        keep.description = other.description
    session.flush()
    return MergeReport(moved=moved, combined=total - moved)


def _retarget_redirects(session: Session, kind: Kind, old_id: int, new_id: int) -> None:
    column = SlugRedirect.guest_id if kind == "guest" else SlugRedirect.topic_id
    session.execute(update(SlugRedirect).where(column == old_id).values({column.key: new_id}))


def delete_topic(session: Session, topic: Topic) -> None:
    """Remove a topic; its episodes keep every other topic (only the links to it go)."""
    session.execute(delete(episode_topics).where(episode_topics.c.topic_id == topic.id))
    session.execute(delete(Topic).where(Topic.id == topic.id))
    session.flush()


def resolve_slug_redirect(session: Session, kind: Kind, slug: str) -> str | None:
    """The current slug of the guest or topic that an old slug now points to, or None.

    Call it when a guest or topic page finds no row for its slug, and answer 301 to the
    returned slug's page.
    """
    redirect = session.scalars(
        select(SlugRedirect).where(SlugRedirect.kind == kind, SlugRedirect.old_slug == slug)
    ).one_or_none()
    if redirect is None:
        return None
    if kind == "guest" and redirect.guest_id is not None:
        guest = session.get(Guest, redirect.guest_id)
        return guest.slug if guest else None
    if redirect.topic_id is not None:
        topic = session.get(Topic, redirect.topic_id)
        return topic.slug if topic else None
    return None


def count_appearances(session: Session, guest: Guest) -> int:
    query = select(func.count()).where(Appearance.guest_id == guest.id)
    return session.scalar(query) or 0


def count_tagged_episodes(session: Session, topic: Topic) -> int:
    query = select(func.count()).where(episode_topics.c.topic_id == topic.id)
    return session.scalar(query) or 0
