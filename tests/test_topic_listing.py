"""A topic page lists its live episodes from the tags alone (migration 0034's triggers copy
each episode's show and listed time onto its tags): every change that makes an episode live
or not, or moves it in time, must reach the page, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Episode, EpisodeStatus, Topic, episode_topics
from showapp.services.catalog import (
    episode_page,
    guests_topics,
    lookups,
    show_trash,
    site_pages,
    trash,
    writes,
)
from showapp.services.catalog.site_pages import PAGE_SIZE
from tests.factories import make_episode, make_listing_states, make_show

CARD_TITLE = re.compile(r'class="card-title"><a href="/[^"]+/episodes/[^"]+">([^<]+)</a>')
COUNT = re.compile(r'<p class="meta">(\d+) episodes?')


def _listed(client: FlaskClient, page: int = 1) -> tuple[int, list[str]]:
    response = client.get(f"/topics/sponsorship?page={page}")
    if response.status_code == 404:  # no live episode on the topic: no topic page
        return 0, []
    html = response.get_data(as_text=True)
    found = COUNT.search(html)
    assert found, html
    return int(found.group(1)), CARD_TITLE.findall(html)


def _in_the_index(client: FlaskClient) -> bool:
    """The topics index (/topics/) lists the topic, read off its tags as its page is."""
    return 'href="/topics/sponsorship"' in client.get("/topics/").get_data(as_text=True)


def _live_by_the_episodes(session: Session, topic: Topic) -> list[str]:
    """What the page showed before the tags carried liveness: the rule read off the episodes."""
    tagged = select(episode_topics.c.episode_id).where(episode_topics.c.topic_id == topic.id)
    query = (
        select(Episode.title)
        .where(Episode.id.in_(tagged), lookups.is_live(utc_now()))
        .order_by(Episode.published_at.desc(), Episode.id.desc())
    )
    return list(session.scalars(query))


def test_every_change_of_an_episode_reaches_its_topic_page(
    client: FlaskClient, session: Session, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.application.config["SITE_CACHE_SIZE"] = 0  # each check renders the page
    now = utc_now()
    leaders, other, aired, later, draft, elsewhere = make_listing_states(session, episodes_dir)
    topic = writes.find_or_create_topic(session, "Sponsorship")
    for episode in (aired, later, draft, elsewhere):
        writes.tag_topic(session, episode, topic)
    session.commit()

    def check(expected: list[str]) -> None:
        session.commit()
        assert _live_by_the_episodes(session, topic) == expected
        assert _listed(client) == (len(expected), expected)
        assert _in_the_index(client) == bool(expected)

    check(["Elsewhere", "Aired"])
    writes.publish_episode(draft)  # a draft tagged first, published afterwards
    check(["Draft", "Elsewhere", "Aired"])
    writes.publish_episode(later, now - timedelta(days=1))  # its schedule brought forward
    check(["Draft", "Later", "Elsewhere", "Aired"])
    elsewhere.published_at = now - timedelta(days=10)  # redated: it moves down the list
    check(["Draft", "Later", "Aired", "Elsewhere"])
    trash.trash_episode(session, aired)
    check(["Draft", "Later", "Elsewhere"])
    trash.restore_episode(session, aired)
    check(["Draft", "Later", "Aired", "Elsewhere"])
    show_trash.trash_show(session, other)
    check(["Draft", "Later", "Aired"])
    show_trash.restore_show(session, other)
    check(["Draft", "Later", "Aired", "Elsewhere"])
    draft.status = EpisodeStatus.UNLISTED
    check(["Later", "Aired", "Elsewhere"])
    later.status = EpisodeStatus.DRAFT
    check(["Aired", "Elsewhere"])
    session.execute(delete(episode_topics).where(episode_topics.c.episode_id == aired.id))
    check(["Elsewhere"])
    # Tagged through the ORM relationship, as the studio's episode form does.
    fresh = make_episode(session, leaders, episodes_dir, title="Fresh")
    fresh.topics.append(topic)
    check(["Fresh", "Elsewhere"])
    session.delete(elsewhere)
    check(["Fresh"])
    # A merge tags with one INSERT ... SELECT, every row through the same trigger.
    careers = writes.find_or_create_topic(session, "Careers")
    writes.tag_topic(session, aired, careers)
    guests_topics.merge_topics(session, topic, careers)
    check(["Fresh", "Aired"])
    session.execute(delete(episode_topics).where(episode_topics.c.episode_id == aired.id))
    check(["Fresh"])
    trash.trash_episode(session, fresh)  # the topic's last live episode: off the index
    check([])
    trash.restore_episode(session, fresh)
    check(["Fresh"])
    soon = make_episode(session, leaders, episodes_dir, title="Soon",
                        published_at=now + timedelta(days=1))  # fmt: skip
    writes.tag_topic(session, soon, topic)
    check(["Fresh"])
    # Its time comes with no write at all: the page compares the copied time with its now.
    monkeypatch.setattr(site_pages, "utc_now", lambda: now + timedelta(days=2))
    assert _listed(client) == (2, ["Soon", "Fresh"])
    trash.trash_episode(session, fresh)
    session.commit()
    assert _listed(client) == (1, ["Soon"]) and _in_the_index(client)


def test_a_long_topic_pages_past_the_newest_it_reads_at_once(
    client: FlaskClient, session: Session, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page reads the topic's newest TOPIC_NEWEST in one statement and a page beyond them
    # on its own; with TOPIC_NEWEST at 25, page 2 straddles the two and page 3 lies beyond.
    monkeypatch.setattr(site_pages, "TOPIC_NEWEST", 25)
    show = make_show(session, slug="leaders")
    topic = writes.find_or_create_topic(session, "Sponsorship")
    now = utc_now()
    for n in range(PAGE_SIZE * 2 + 5):
        episode = make_episode(session, show, episodes_dir, title=f"Talk {n:02d}",
                               published_at=now - timedelta(hours=n + 1))  # fmt: skip
        writes.tag_topic(session, episode, topic)
    session.commit()
    newest_first = _live_by_the_episodes(session, topic)
    pages = [_listed(client, page) for page in (1, 2, 3)]
    assert [total for total, _ in pages] == [45, 45, 45]
    assert [title for _, titles in pages for title in titles] == newest_first
    assert client.get("/topics/sponsorship?page=4").status_code == 404


def _related_topics(client: FlaskClient) -> list[str]:
    html = client.get("/topics/sponsorship").get_data(as_text=True)
    if 'id="related-heading"' not in html:
        return []
    aside = html.split('id="related-heading"', 1)[1].split("</aside>", 1)[0]
    return re.findall(r'<a href="/topics/[^"]+">([^<]+)</a>', aside)


def test_a_drafts_other_topics_stay_off_the_related_topics(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    client.application.config["SITE_CACHE_SIZE"] = 0
    show = make_show(session, slug="leaders")
    aired = make_episode(session, show, episodes_dir, title="Aired")
    upcoming = make_episode(session, show, episodes_dir, title="Upcoming", published_at=False)
    for episode, names in ((aired, ("Sponsorship", "Careers")),
                           (upcoming, ("Sponsorship", "Acme Merger"))):  # fmt: skip
        for name in names:
            writes.tag_topic(session, episode, writes.find_or_create_topic(session, name))
    session.commit()
    # The draft's other topic would name what is not published yet (and link to a 404).
    assert _related_topics(client) == ["Careers"]
    writes.publish_episode(upcoming)
    session.commit()
    assert _related_topics(client) == ["Acme Merger", "Careers"]


@pytest.fixture
def two_candidates(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The statement is built once per shape (functools.cache) with the limit in it.
    monkeypatch.setattr(episode_page, "RELATED_CANDIDATES", 2)
    episode_page._related.cache_clear()
    yield
    episode_page._related.cache_clear()


@pytest.mark.usefixtures("two_candidates")
def test_related_episodes_come_from_each_topics_newest_live_episodes(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    # Each topic offers its RELATED_CANDIDATES newest episodes. The newest tags by id were
    # drafts here (and, for a back catalogue imported last, its oldest episodes): they used
    # to fill the candidates and leave the page without related episodes.
    client.application.config["SITE_CACHE_SIZE"] = 0
    show = make_show(session, slug="leaders")
    now = utc_now()
    first = make_episode(session, show, episodes_dir, title="First",
                         published_at=now - timedelta(days=2))  # fmt: skip
    second = make_episode(session, show, episodes_dir, title="Second",
                          published_at=now - timedelta(days=1))  # fmt: skip
    drafts = [make_episode(session, show, episodes_dir, title=f"Draft {n}", published_at=False)
              for n in range(2)]  # fmt: skip
    topic = writes.find_or_create_topic(session, "Sponsorship")
    for episode in (first, second, *drafts):
        writes.tag_topic(session, episode, topic)
    session.commit()
    html = client.get(f"/leaders/episodes/{first.slug}").get_data(as_text=True)
    related = html.partition('id="related-heading"')[2].split("</section>", 1)[0]
    assert re.findall(r'<a href="/leaders/episodes/[^"]+">([^<]+)</a>', related) == ["Second"]
