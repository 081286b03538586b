"""The network view on the studio home: each show's 7/30/90 days on its own local days, the
week's top episodes and the top topics and guests across shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from showapp.models import Episode, EpisodeDay, Guest, HeardEpisode, Show, ShowDay
from showapp.services.catalog import editing
from showapp.services.stats import heard, recording, rollups
from showapp.services.stats.network import NetworkSummary, network_summary
from tests.conftest import recorded_statements
from tests.factories import OVERCAST, add_guest, add_topic, make_episode, make_show
from tests.studio_helpers import login, make_user

# 14:00 UTC on Sunday 8 March is already Monday 9 March, 01:00, in Sydney.
HEARD = datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
# 12:00 UTC on 15 March: Sydney's last 7 days are 9-15 March, London's 9-15 March too, so
# the Sydney show's downloads of 9 March (local) are in its week and London's of 8 March not.
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def _listen(session: Session, episode: Episode, listeners: int, at: datetime) -> None:
    assert episode.audio_file
    hits = [
        recording.Hit(episode.audio_file, at, "GET", f"8.8.4.{n + 1}", OVERCAST, None, None, None)
        for n in range(listeners)
    ]
    recording.store_hits(session, hits)


def _shows(session: Session, episodes_dir: Path, at: datetime) -> tuple[Show, Show]:
    published = at - timedelta(days=3)
    sydney = make_show(session, slug="sydney", title="Sydney Talks", timezone="Australia/Sydney")
    london = make_show(session, slug="london", title="London Talks", timezone="Europe/London")
    for show, titles in ((sydney, ["Hiring well", "Pricing"]), (london, ["Mentoring"])):
        for n, title in enumerate(titles):
            episode = make_episode(session, show, episodes_dir, title=title, published_at=published)
            add_topic(session, episode, "Leadership" if n == 0 else "Money")
            add_guest(session, episode, f"Guest of {title}")
            _listen(session, episode, 3 - n, at)
    rollups.rollup(session)
    session.commit()
    return sydney, london


def test_each_show_counts_its_own_local_days(session: Session, episodes_dir: Path) -> None:
    sydney, london = _shows(session, episodes_dir, HEARD)
    summary = network_summary(session, [sydney, london], NOW)
    assert [(s.title, s.timezone, s.totals) for s in summary.shows] == [
        ("Sydney Talks", "Australia/Sydney", {7: 5, 30: 5, 90: 5}),
        ("London Talks", "Europe/London", {7: 0, 30: 3, 90: 3}),
    ]
    assert summary.zones == ["Australia/Sydney", "Europe/London"]
    # The week's top episodes are the Sydney show's: London's fell on 8 March.
    assert [(e.show_title, e.title, e.downloads) for e in summary.top_episodes] == [
        ("Sydney Talks", "Hiring well", 3),
        ("Sydney Talks", "Pricing", 2),
    ]
    assert summary.top_topics == [("Leadership", 6), ("Money", 2)]
    assert summary.top_guests == [
        ("Guest of Hiring well", 3),
        ("Guest of Mentoring", 3),
        ("Guest of Pricing", 2),
    ]
    # Only the shows asked about: a host of the London show sees London alone.
    assert network_summary(session, [london], NOW).top_topics == [("Leadership", 3)]
    # A guest in the trash is listed nowhere, as on each show's dashboard.
    pricing_guest = session.scalars(select(Guest).where(Guest.name == "Guest of Pricing")).one()
    pricing_guest.deleted_at = NOW
    session.commit()
    assert [name for name, _ in network_summary(session, [sydney, london], NOW).top_guests] == [
        "Guest of Hiring well",
        "Guest of Mentoring",
    ]


def test_the_studio_home_shows_the_network(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    sydney, london = _shows(session, episodes_dir, datetime.now(UTC) - timedelta(hours=1))
    make_user(session, "host@example.com", shows=[sydney, london])
    make_user(session, "london@example.com", shows=[london])
    session.commit()
    login(client, "host@example.com")
    page = lxml.html.fromstring(client.get("/studio/").get_data(as_text=True))
    section = page.xpath('//section[@aria-labelledby="network-heading"]')[0]
    rows = [
        [" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")]
        for row in section.xpath(".//table/tbody/tr")
    ]
    assert rows == [
        ["London Talks", "3", "3", "3", "Europe/London"],
        ["Sydney Talks", "5", "5", "5", "Australia/Sydney"],
    ]
    text = " ".join(section.text_content().split())
    assert "Each show's days are its own local days: Australia/Sydney, Europe/London" in text
    tops = [" ".join(li.text_content().split()) for li in section.xpath(".//ol/li")]
    assert tops[:3] == [
        "Hiring well Sydney Talks: 3",
        "Mentoring London Talks: 3",
        "Pricing Sydney Talks: 2",
    ]
    assert "Leadership: 6" in tops and "Money: 2" in tops

    other = client.application.test_client()
    login(other, "london@example.com")
    html = other.get("/studio/").get_data(as_text=True)
    assert "London Talks" in html and "Sydney Talks" not in html


def _lists(summary: NetworkSummary) -> tuple[object, ...]:
    episodes = [(e.show_title, e.title, e.downloads) for e in summary.top_episodes]
    return episodes, summary.top_topics, summary.top_guests, [s.totals for s in summary.shows]


def test_the_rollup_works_the_top_lists_out_for_each_local_today(
    app: Flask, session: Session, episodes_dir: Path
) -> None:
    sydney, london = _shows(session, episodes_dir, HEARD)
    live = _lists(network_summary(session, [sydney, london], NOW))  # rows worked out in December
    heard.refresh(session, NOW)  # as a rollup at NOW would
    session.commit()
    with recorded_statements(app) as statements:
        kept = _lists(network_summary(session, [sydney, london], NOW))
    assert kept == live
    # Neither the top lists nor the 90 days summed an episode-day: both read their rows.
    assert not [sql for sql in statements if "episode_days" in sql]

    # 23:30 UTC on 14 March is already 15 March in Sydney but not in London: Sydney's rows
    # hold at NOW, London's window has moved on (its downloads of 8 March left its week).
    heard.refresh(session, datetime(2026, 3, 14, 23, 30, tzinfo=UTC))
    london_kept = session.scalars(
        select(HeardEpisode.week).where(HeardEpisode.show_id == london.id)
    ).all()
    assert london_kept == [3]  # its rows counted 8 March in the week
    assert _lists(network_summary(session, [sydney, london], NOW)) == live
    # Sydney's are read as they were worked out: a changed row shows.
    session.execute(update(HeardEpisode).where(HeardEpisode.show_id == sydney.id).values(week=9))
    summary = network_summary(session, [sydney, london], NOW)
    assert [(e.title, e.downloads) for e in summary.top_episodes] == [
        ("Hiring well", 9),
        ("Pricing", 9),
    ]


def test_the_rollup_keeps_show_days_and_heard_episodes(
    session: Session, episodes_dir: Path
) -> None:
    now = datetime.now(UTC)
    sydney, london = _shows(session, episodes_dir, now - timedelta(hours=1))
    per_show = select(EpisodeDay.show_id, EpisodeDay.day, func.sum(EpisodeDay.downloads))
    summed = session.execute(per_show.group_by(EpisodeDay.show_id, EpisodeDay.day)).all()
    assert sorted(session.execute(select(ShowDay.show_id, ShowDay.day, ShowDay.downloads))) == (
        sorted(summed)
    )
    assert {row.show_id for row in summed} == {sydney.id, london.id}
    months = session.execute(
        select(HeardEpisode.show_id, func.sum(HeardEpisode.month)).group_by(HeardEpisode.show_id)
    )
    assert dict(months.all()) == {sydney.id: 5, london.id: 3}
    worked_out = heard.worked_out_at(session)
    assert worked_out is not None and worked_out > now - timedelta(minutes=5)

    # A rollup with nothing new on the same local days leaves the rows as they are.
    rollups.rollup(session)
    assert heard.worked_out_at(session) == worked_out

    # A show's days written again another way (an archive restore) are read live until the
    # next rollup, and show_days follow them.
    session.execute(update(ShowDay).values(downloads=0))
    rollups.refresh_show_episode_days(session, london.id)
    assert heard.worked_out_at(session) is None
    totals = {s.slug: s.totals[90] for s in network_summary(session, [sydney, london], now).shows}
    assert totals == {"sydney": 0, "london": 3}
    rollups.rollup(session)
    assert heard.worked_out_at(session) is not None


def test_a_show_moved_to_another_zone_is_summed_live_again(
    session: Session, episodes_dir: Path
) -> None:
    sydney, london = _shows(session, episodes_dir, HEARD)
    heard.refresh(session, NOW)
    editing.update_show(session, london, title="London Talks")  # the same zone: kept
    assert heard.worked_out_at(session) == NOW
    # Its rows were worked out on London's days; read live until the next rollup.
    editing.update_show(session, london, timezone="Pacific/Auckland")
    assert heard.worked_out_at(session) is None
    summary = network_summary(session, [sydney, london], NOW)
    assert [s.timezone for s in summary.shows] == ["Australia/Sydney", "Pacific/Auckland"]
