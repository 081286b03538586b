"""The network view on the studio home: each show's 7/30/90 days on its own local days, the
week's top episodes and the top topics and guests across shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, Guest, Show
from showapp.services.stats import recording, rollups
from showapp.services.stats.network import network_summary
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
