"""Guests and topics kept tidy: merges lose nothing, old slugs redirect."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput, SlugTaken
from showapp.models import Appearance, Episode, Guest, Topic, episode_topics
from showapp.services.catalog import guests_topics, writes
from tests.factories import add_topic, make_episode, make_show


def _appearances(session: Session) -> list[tuple[int, str, str, str]]:
    rows = session.execute(
        select(Appearance.episode_id, Guest.slug, Appearance.role, Appearance.organisation)
        .join(Guest, Guest.id == Appearance.guest_id)
        .order_by(Appearance.episode_id, Appearance.role)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _episodes(session: Session, count: int, episodes_dir: Path) -> list[Episode]:
    show = make_show(session)
    return [make_episode(session, show, episodes_dir) for _ in range(count)]


def test_merge_guests_keeps_every_appearance(session: Session, episodes_dir: Path) -> None:
    one, two, three = _episodes(session, 3, episodes_dir)
    keep = writes.find_or_create_guest(session, "Grace Hopper")
    other = writes.find_or_create_guest(session, "Grace M. Hopper", bio="Admiral.")
    other.links = ["https://example.com/grace"]
    writes.credit_guest(session, one, keep)
    writes.credit_guest(session, two, other, organisation="US Navy")
    # Same episode, same role for both: one appearance remains, with the other's details.
    writes.credit_guest(session, three, keep)
    writes.credit_guest(session, three, other, organisation="Yale")
    # Same episode, different role: both appearances stay.
    writes.credit_guest(session, one, other, role="host")
    report = guests_topics.merge_guests(session, keep, other)
    assert report == guests_topics.MergeReport(moved=2, combined=1)
    assert _appearances(session) == [
        (one.id, "grace-hopper", "guest", ""),
        (one.id, "grace-hopper", "host", ""),
        (two.id, "grace-hopper", "guest", "US Navy"),
        (three.id, "grace-hopper", "guest", "Yale"),
    ]
    assert session.get(Guest, other.id) is None
    assert (keep.bio, keep.links) == ("Admiral.", ["https://example.com/grace"])
    assert guests_topics.resolve_slug_redirect(session, "guest", "grace-m-hopper") == "grace-hopper"


def test_merge_topics_dedups_links(session: Session, episodes_dir: Path) -> None:
    one, two = _episodes(session, 2, episodes_dir)
    keep = add_topic(session, one, "Mentoring")
    other = add_topic(session, one, "Mentorship")
    writes.tag_topic(session, two, other)
    extra = add_topic(session, two, "Careers")
    assert guests_topics.merge_topics(session, keep, other) == guests_topics.MergeReport(
        moved=1, combined=1
    )
    links = session.execute(
        select(episode_topics.c.episode_id, episode_topics.c.topic_id).order_by(
            episode_topics.c.episode_id, episode_topics.c.topic_id
        )
    ).all()
    assert sorted(links) == sorted([(one.id, keep.id), (two.id, keep.id), (two.id, extra.id)])
    assert guests_topics.resolve_slug_redirect(session, "topic", "mentorship") == "mentoring"


def test_rename_keeps_old_links_and_chains(session: Session) -> None:
    topic = writes.find_or_create_topic(session, "AI")
    guests_topics.update_topic(session, topic, name="Machine learning", slug="machine-learning")
    guests_topics.update_topic(session, topic, name="ML", slug="ml")
    assert guests_topics.resolve_slug_redirect(session, "topic", "ai") == "ml"
    assert guests_topics.resolve_slug_redirect(session, "topic", "machine-learning") == "ml"
    assert guests_topics.resolve_slug_redirect(session, "guest", "ai") is None
    # Taking an old slug back makes it live again, so it stops redirecting.
    guests_topics.update_topic(session, topic, name="AI", slug="ai")
    assert guests_topics.resolve_slug_redirect(session, "topic", "ai") is None
    assert guests_topics.resolve_slug_redirect(session, "topic", "ml") == "ai"


def test_rename_refuses_taken_or_bad_slugs(session: Session) -> None:
    guest = writes.find_or_create_guest(session, "Ada")
    writes.find_or_create_guest(session, "Grace")
    with pytest.raises(SlugTaken):
        guests_topics.update_guest(session, guest, name="Ada", slug="grace")
    with pytest.raises(InvalidInput, match="not a valid address"):
        guests_topics.update_guest(session, guest, name="Ada", slug="Not Valid")
    with pytest.raises(InvalidInput, match="name is required"):
        guests_topics.update_guest(session, guest, name=" ")


def test_delete_topic_keeps_the_episodes_other_topics(session: Session, episodes_dir: Path) -> None:
    (episode,) = _episodes(session, 1, episodes_dir)
    gone = writes.find_or_create_topic(session, "Old news")
    kept = writes.find_or_create_topic(session, "Leadership")
    writes.tag_topic(session, episode, gone)
    writes.tag_topic(session, episode, kept)
    guests_topics.delete_topic(session, gone)
    assert session.scalar(select(func.count()).select_from(Topic)) == 1
    remaining = session.scalars(
        select(episode_topics.c.topic_id).where(episode_topics.c.episode_id == episode.id)
    ).all()
    assert remaining == [kept.id]


def test_lists_search_names_and_organisations(session: Session) -> None:
    writes.find_or_create_guest(session, "Grace Hopper", organisation="Navy")
    writes.find_or_create_guest(session, "Ada Lovelace")
    assert [g.name for g in guests_topics.list_guests(session, "navy")] == ["Grace Hopper"]
    assert [g.name for g in guests_topics.list_guests(session)] == ["Ada Lovelace", "Grace Hopper"]
    writes.find_or_create_topic(session, "Careers")
    assert [t.name for t in guests_topics.list_topics(session, "CAREER")] == ["Careers"]


def test_a_slug_given_up_twice_redirects_to_the_latest_owner(session: Session) -> None:
    first = writes.find_or_create_guest(session, "Ada")
    guests_topics.merge_guests(session, first, writes.find_or_create_guest(session, "Ada L"))
    # Someone credits "Ada L" again later: a new guest takes the slug back, then is merged.
    second = writes.find_or_create_guest(session, "Ada Lovelace")
    guests_topics.merge_guests(session, second, writes.find_or_create_guest(session, "Ada L"))
    assert guests_topics.resolve_slug_redirect(session, "guest", "ada-l") == "ada-lovelace"
