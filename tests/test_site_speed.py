"""What the speed work on the public site and the studio lists must not change: search still
finds only live episodes when drafts rank higher, studio lists page instead of listing all,
page links built from the routes are the ones Flask builds, and SQLite gets planner statistics.
Speed itself is measured by bench/site.py, never here."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.models import UserRole
from showapp.services.catalog import writes
from showapp.services.search import queries as search_queries
from tests.factories import make_episode, make_show
from tests.studio_helpers import sign_in_new_user


def test_search_ranks_live_episodes_when_drafts_match_better(
    session: Session, episodes_dir: Path
) -> None:
    # Eleven newer drafts match in their titles too: the live filter must not leave the
    # page short, and a title match comes before a match in the notes.
    show = make_show(session, slug="ranked")
    for n in range(11):
        make_episode(session, show, episodes_dir, seconds=0.5, published_at=None,
                     title=f"Sponsor sponsor sponsor {n}")  # fmt: skip
    make_episode(session, show, episodes_dir, seconds=0.5, title="On finding a sponsor")
    make_episode(session, show, episodes_dir, seconds=0.5, title="Mentors",
                 notes_md="A word on the sponsor.")  # fmt: skip
    session.commit()

    results = search_queries.search_episodes(session, "sponsor")

    assert [hit.episode.title for hit in results.hits] == ["On finding a sponsor", "Mentors"]
    assert results.total == 2


def test_search_page_shows_the_best_live_match_first(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="ranking")
    make_episode(session, show, episodes_dir, seconds=0.5, title="Courage", notes_md="Courage.")
    make_episode(session, show, episodes_dir, seconds=0.5, title="Habits",
                 notes_md="Some courage, once.")  # fmt: skip
    make_episode(session, show, episodes_dir, seconds=0.5, published_at=None,
                 title="Courage courage", notes_md="Courage courage courage.")  # fmt: skip
    session.commit()

    page = client.get("/search?q=courage").get_data(as_text=True)

    titles = re.findall(r'href="/ranking/episodes/[^"]+">([^<]+)</a>', page)
    assert titles[:2] == ["Courage", "Habits"]
    assert "Courage courage" not in page


def test_studio_guest_list_comes_a_page_at_a_time(client: FlaskClient, session: Session) -> None:
    for n in range(105):
        writes.find_or_create_guest(session, f"Guest {n:03d}", organisation="Acme")
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)

    first = client.get("/studio/guests").get_data(as_text=True)
    last = client.get("/studio/guests?page=3").get_data(as_text=True)

    assert first.count("/studio/guests/guest-") == 50
    assert "Page 1 of 3 (105)" in first
    assert 'href="/studio/guests?page=2"' in first
    assert last.count("/studio/guests/guest-") == 5
    assert "Guest 104" in last and "Guest 000" not in last
    assert client.get("/studio/guests?page=nonsense").status_code == 404
    searched = client.get("/studio/guests?q=guest+01").get_data(as_text=True)
    assert 'class="pager"' not in searched  # Guest 010 to 019: one page, no pager
    assert searched.count("/studio/guests/guest-") == 10


def test_studio_episode_list_keeps_filters_across_pages(
    client: FlaskClient, session: Session, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from showapp.services.catalog import editing

    monkeypatch.setattr(editing, "STUDIO_PAGE_SIZE", 2)
    show = make_show(session, slug="paged")
    for n in range(5):
        make_episode(session, show, episodes_dir, seconds=0.5, title=f"Take {n}")
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)

    page = client.get("/studio/shows/paged/episodes?status=published").get_data(as_text=True)
    last = client.get("/studio/shows/paged/episodes?status=published&page=3")

    assert "Page 1 of 3 (5)" in page
    assert 'href="/studio/shows/paged/episodes?status=published&amp;page=2"' in page
    assert last.status_code == 200
    assert last.get_data(as_text=True).count("Take ") == 1


def test_studio_topic_filter_offers_the_shows_topics_and_keeps_the_choice(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    import lxml.html

    from showapp.services.catalog import trash

    show, other = make_show(session, slug="ours"), make_show(session, slug="theirs")
    tagged = make_episode(session, show, episodes_dir, seconds=0.5, title="Tagged")
    binned = make_episode(session, show, episodes_dir, seconds=0.5, title="Binned")
    elsewhere = make_episode(session, other, episodes_dir, seconds=0.5, title="Elsewhere")
    writes.tag_topic(session, tagged, writes.find_or_create_topic(session, "Pricing", ""))
    writes.tag_topic(session, tagged, writes.find_or_create_topic(session, "Hiring", ""))
    writes.tag_topic(session, binned, writes.find_or_create_topic(session, "Binned topic", ""))
    writes.tag_topic(session, elsewhere, writes.find_or_create_topic(session, "Theirs only", ""))
    trash.trash_episode(session, binned)
    session.commit()
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)

    response = client.get("/studio/shows/ours/episodes?topic=pricing")
    assert response.status_code == 200
    menu = lxml.html.fromstring(response.data).xpath("//select[@name='topic']/option")
    assert [(o.get("value"), o.text) for o in menu] == [
        ("", "any"), ("hiring", "Hiring"), ("pricing", "Pricing"),
    ]  # fmt: skip
    assert [o.get("value") for o in menu if o.get("selected") is not None] == ["pricing"]
    assert "Tagged" in response.get_data(as_text=True)


def test_studio_home_cards_keep_each_shows_own_figures(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    """The cards come from one query per figure for every show: each must still get its own."""
    import lxml.html

    from showapp.columns import utc_now
    from showapp.models import DailyDownloads
    from showapp.services.stats import rollups

    first, second = make_show(session, slug="first"), make_show(session, slug="second")
    soon = utc_now() + timedelta(days=2)
    make_episode(session, first, episodes_dir, seconds=0.5, title="Later", published_at=soon)
    make_episode(session, first, episodes_dir, seconds=0.5, title="Sooner",
                 published_at=soon - timedelta(days=1))  # fmt: skip
    heard = make_episode(session, first, episodes_dir, seconds=0.5, title="Heard")
    for n in range(3):
        make_episode(session, second, episodes_dir, seconds=0.5, title=f"Other {n}")
    today = utc_now().date()
    for day, count in ((today, 4), (today - timedelta(days=2), 3), (today - timedelta(days=9), 50)):
        session.add(DailyDownloads(day=day, episode_id=heard.id, app="Overcast", platform="iOS",
                                   source="app", country="DE", downloads=count))  # fmt: skip
    rollups.refresh_show_episode_days(session, first.id)  # as the rollup that wrote them does
    session.commit()
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)

    page = lxml.html.fromstring(client.get("/studio/").data)
    cards = {
        card.xpath(".//h2/a")[0].text: " ".join(card.text_content().split())
        for card in page.xpath("//li[contains(@class, 'show-card')]")
    }
    assert "3 episodes" in cards[first.title] and "3 episodes" in cards[second.title]
    assert "Next scheduled Sooner" in cards[first.title]
    assert "Nothing scheduled" in cards[second.title]
    assert "7 downloads, last 7 days" in cards[first.title]
    assert "0 downloads, last 7 days" in cards[second.title]


def test_page_links_from_routes_are_the_ones_flask_builds(
    app: Flask, client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="links")
    episode = make_episode(session, show, episodes_dir, seconds=0.5, title="Linked")
    session.commit()

    page = client.get("/links/").get_data(as_text=True)

    with app.test_request_context():
        expected = url_for("site.episode", show_slug="links", episode_slug=episode.slug)
    assert f'href="{expected}"' in page
    assert client.get(expected).status_code == 200


def test_sqlite_without_statistics_gets_them_when_it_has_rows(
    app_config: dict[str, Any], tmp_path: Path
) -> None:
    # Its own SQLite file, whichever database the suite runs on: PostgreSQL analyzes by itself.
    config = {**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'stats.sqlite3'}"}
    app = create_app(config, check_migrations=False)
    db.upgrade(app)
    with app.app_context(), db.new_session(app) as session:
        show = make_show(session, slug="stats")
        make_episode(session, show, Path(str(config["EPISODES_DIR"])), seconds=0.5)
        session.commit()
    db.get_engine(app).dispose()

    fresh = create_app(config)
    engine = db.get_engine(fresh)
    with engine.connect() as connection:
        tables = {row[0] for row in connection.execute(text("SELECT tbl FROM sqlite_stat1"))}
    engine.dispose()
    assert "episodes" in tables


def test_the_benchmarks_minimal_app_shows_what_the_site_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # bench/site.py measures showapp against bench/site_minimal.py: a fair yardstick reads the
    # same episode, credits, topics, neighbours and list from the same seeded network.
    from bench.site_minimal import create_app as create_minimal_app
    from bench.site_seed import Network, config, seed

    media = tmp_path / "episodes"
    media.mkdir()
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    found = seed(url, Network.of(1_000), media)
    site = create_app({**config(url, media), "SITE_CACHE_SIZE": 0}).test_client()
    monkeypatch.setenv("SHOWAPP_DATABASE_URL", url)
    minimal = create_minimal_app().test_client()
    episode = f"/{found['show']}/episodes/{found['episode']}"
    listing = f"/{found['show']}/?page=2"

    ours, theirs = (client.get(episode).get_data(as_text=True) for client in (site, minimal))
    for pattern in (r'href="/guests/([^"]+)"', r'href="/topics/(topic-[^"]+)"',
                    rf'href="/{found["show"]}/episodes/([^"]+)"'):  # fmt: skip
        assert set(re.findall(pattern, theirs)) <= set(re.findall(pattern, ours)), pattern
    assert re.findall(r"<h1>([^<]+)</h1>", theirs) == re.findall(r"<h1>([^<]+)</h1>", ours)
    episodes_of = re.compile(rf'href="/{found["show"]}/episodes/([^"]+)"')
    ours, theirs = (client.get(listing).get_data(as_text=True) for client in (site, minimal))
    assert episodes_of.findall(theirs) == episodes_of.findall(ours)
    assert len(episodes_of.findall(theirs)) == 20
    assert minimal.get(f"/{found['show']}/episodes/no-such-episode").status_code == 404
    assert "results for mentor" in minimal.get("/search?q=mentor").get_data(as_text=True)
