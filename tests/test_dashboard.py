"""The studio's downloads dashboard, through the real app: media requests over real HTTP with
real podcast-app user agents, the rollup run by the page's own button, then the figures, the
chart and every CSV export checked against what was requested."""

from __future__ import annotations

import csv
import io
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.media.recorder import get_recorder
from showapp.models import Episode, Show
from showapp.services.catalog import writes
from showapp.services.stats import charts, dashboard, rollups
from tests.factories import APPLE, OVERCAST, add_guest, add_topic, make_show_with_episodes
from tests.studio_helpers import csrf_token, login, make_user

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Googlebot/2.1 (+http://www.google.com/bot.html)"
SVG = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class World:
    show: Show
    first: Episode
    second: Episode
    other_episode: Episode


@pytest.fixture
def world(session: Session, episodes_dir: Path) -> World:
    show, (first, second) = make_show_with_episodes(
        session, episodes_dir, ["First talk", "Second talk"], slug="figures", title="Figures"
    )
    hiring = add_topic(session, first, "Hiring")
    writes.tag_topic(session, second, hiring)
    add_topic(session, second, "Pricing")
    add_guest(session, first, "Grace Hopper")
    other, (other_episode,) = make_show_with_episodes(
        session, episodes_dir, ["Elsewhere"], slug="other", title="Other"
    )
    make_user(session, "host@example.com", shows=[show])
    make_user(session, "stranger@example.com", shows=[other])
    session.commit()
    return World(show, first, second, other_episode)


def _get(base: str, path: str, agent: str, address_hint: str, **headers: str) -> int:
    """One request over HTTP. Every request comes from 127.0.0.1, so listeners are told apart
    by user agent: address_hint makes each agent string distinct per simulated listener."""
    request = urllib.request.Request(
        base + path, headers={"User-Agent": f"{agent} {address_hint}".strip(), **headers}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return int(response.status)


def _audio_src(client: FlaskClient, page: str) -> str:
    html = lxml.html.fromstring(client.get(page).get_data(as_text=True))
    sources = html.xpath("//audio/@src")
    assert len(sources) == 1
    return str(sources[0])


def _listen(app: Flask, live_server: str, world: World) -> None:
    """Five downloads of this show (3 from apps reading the feed, 1 from the site's player and
    1 from an embed), one of another show, and requests that must not count."""
    client = app.test_client()
    first_feed, second_feed = (f"/media/{e.audio_file}" for e in (world.first, world.second))
    web = _audio_src(client, f"/figures/episodes/{world.first.slug}")
    embed = _audio_src(client, f"/embed/figures/{world.second.slug}")
    hits = [
        (first_feed, APPLE, "", {}),
        (first_feed, APPLE, "", {}),  # the same listener again within 24 hours
        (first_feed, OVERCAST, "", {}),
        (first_feed, APPLE, "(probe)", {"Range": "bytes=0-1"}),
        (web, CHROME, "", {}),
        (second_feed, APPLE, "", {}),
        (embed, CHROME, "(embedded)", {}),
        (second_feed, GOOGLEBOT, "", {}),
        (f"/media/{world.other_episode.audio_file}", APPLE, "", {}),
    ]
    for path, agent, hint, headers in hits:
        assert _get(live_server, path, agent, hint, **headers) in {200, 206}


@pytest.fixture
def host(app: Flask, live_server: str, world: World) -> FlaskClient:
    """The show's host, signed in, once the downloads of _listen have been made."""
    _listen(app, live_server, world)
    client = app.test_client()
    login(client, "host@example.com")
    return client


def _refresh(client: FlaskClient, days: str = "30") -> str:
    token = csrf_token(client, "/studio/shows/figures/downloads")
    response = client.post(
        "/studio/shows/figures/downloads/refresh", data={"csrf_token": token, "days": days}
    )
    assert response.status_code == 303
    assert response.location == f"/studio/shows/figures/downloads?days={days}"
    return client.get(response.location).get_data(as_text=True)


def _csv(client: FlaskClient, table: str, days: int = 30) -> list[list[str]]:
    response = client.get(f"/studio/shows/figures/downloads/{table}.csv?days={days}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _table(page: lxml.html.HtmlElement, heading_id: str) -> list[list[str]]:
    section = page.xpath(f'//section[@aria-labelledby="{heading_id}"]')[0]
    rows = section.xpath(".//table/tbody/tr")
    return [[_text(cell) for cell in row.xpath("./th|./td")] for row in rows]


def _text(element: lxml.html.HtmlElement) -> str:
    return " ".join(" ".join(element.itertext()).split())


def test_dashboard_shows_recorded_downloads_and_every_csv_matches(
    app: Flask, host: FlaskClient, world: World
) -> None:
    recorder = get_recorder(app)
    assert recorder is not None
    recorder.flush()
    before = host.get("/studio/shows/figures/downloads").get_data(as_text=True)
    assert "No downloads yet" in before and "have not been rolled up yet" in before
    assert "<strong>8</strong> new requests wait to be counted" in before  # not the other show's

    html = _refresh(host)
    assert "Figures refreshed: 9 new requests read, 1 day updated." in html
    page = lxml.html.fromstring(html)
    today = datetime.now(UTC).date()
    cards = [_text(card) for card in page.xpath('//div[@class="total-card"]')]
    assert cards == ["Last 7 days 5", "Last 30 days 5", "Last 90 days 5"]
    assert "No downloads yet" not in html and "new requests wait" not in html
    assert page.xpath("//time/@datetime")[0].startswith(today.isoformat())

    # Published a day ago and listened to now: nothing in the first 24 hours, and no episode
    # is a week old, so the show has a median for the first 24 hours only.
    second, first = (e.published_at.date().isoformat() for e in (world.second, world.first))
    assert _table(page, "episodes-heading") == [
        ["Show median", "0", "–", "–", "–", ""],
        [f"Second talk {second}", "0", "2 so far", "2 so far", "2 so far", "2"],
        [f"First talk {first}", "0", "3 so far", "3 so far", "3 so far", "3"],
    ]
    # The test server's listeners are on 127.0.0.1, which no registry assigns to a country.
    assert _table(page, "countries-heading") == [["Unknown", "5", ""]]
    apps_weekly = _table(page, "apps-over-time-heading")
    assert len(apps_weekly) == 12 and apps_weekly[0][1:] == ["2", "2", "1"]
    assert _csv(host, "apps-over-time")[0] == [
        "week_starting",
        "Apple Podcasts",
        "Chrome",
        "Overcast",
    ]
    everything = _csv(host, "everything")
    assert everything[0] == [
        "day", "episode_slug", "episode", "app", "platform", "source", "country", "downloads"
    ]  # fmt: skip
    assert sum(int(row[-1]) for row in everything[1:]) == 5
    assert _table(page, "sources-heading") == [
        ["feed", "3", ""],
        ["embed", "1", ""],
        ["web", "1", ""],
    ]
    assert _table(page, "apps-heading") == [
        ["Apple Podcasts", "2", ""],
        ["Chrome", "2", ""],
        ["Overcast", "1", ""],
    ]
    assert _table(page, "topics-heading") == [["Hiring", "5", ""], ["Pricing", "2", ""]]
    assert _table(page, "guests-heading") == [["Grace Hopper", "3", ""]]
    # The bar of the largest row is full; the others are drawn to scale.
    assert page.xpath('//section[@aria-labelledby="topics-heading"]//rect/@width') == [
        "100.0",
        "40.0",
    ]

    # Every table's CSV holds what the page shows.
    assert _csv(host, "totals") == [["days", "downloads"], ["7", "5"], ["30", "5"], ["90", "5"]]
    per_day = _csv(host, "per-day")
    assert len(per_day) == 31 and per_day[-1] == [today.isoformat(), "5"]
    assert sum(int(n) for _, n in per_day[1:]) == 5
    assert _csv(host, "sources") == [
        ["source", "downloads"],
        ["feed", "3"],
        ["embed", "1"],
        ["web", "1"],
    ]
    assert _csv(host, "apps")[1:] == [["Apple Podcasts", "2"], ["Chrome", "2"], ["Overcast", "1"]]
    assert _csv(host, "topics") == [["topic", "downloads"], ["Hiring", "5"], ["Pricing", "2"]]
    assert _csv(host, "guests") == [["guest", "downloads"], ["Grace Hopper", "3"]]
    platforms = _csv(host, "platforms")
    assert platforms[0] == ["platform", "downloads"]
    assert [row[:2] for row in _table(page, "platforms-heading")] == platforms[1:]
    assert sum(int(n) for _, n in platforms[1:]) == 5
    episodes = {row["episode"]: row for row in csv.DictReader(io.StringIO(_csv_text(host)))}
    assert {t: (r["first_day"], r["first_7_days"], r["all_time"]) for t, r in episodes.items()} == {
        "First talk": ("0", "3", "3"),
        "Second talk": ("0", "2", "2"),
    }

    # The chart plots the same series, drawn wide and compact, with a title and a summary.
    for svg in page.xpath("//figure[@class='chart-frame']//*[local-name()='svg']"):
        root = ET.fromstring(lxml.html.tostring(svg))
        assert root.findtext(f"{SVG}title") == "Downloads per day, last 30 days"
        assert "total 5" in (root.findtext(f"{SVG}desc") or "")
        assert len(root.findall(f"{SVG}circle")) == 30
    assert len(page.xpath("//figure[@class='chart-frame']//*[local-name()='svg']")) == 2

    # Running it again changes nothing.
    again = _refresh(host)
    assert "Figures refreshed: 0 new requests read, 0 days updated." in again
    assert _csv(host, "totals")[1] == ["7", "5"]


def _csv_text(client: FlaskClient) -> str:
    return client.get("/studio/shows/figures/downloads/episodes.csv").get_data(as_text=True)


def test_site_and_embed_players_mark_their_plays_and_the_feed_does_not(
    client: FlaskClient, world: World
) -> None:
    audio = f"/media/{world.first.audio_file}"
    assert _audio_src(client, f"/figures/episodes/{world.first.slug}") == audio + "?_from=web"
    assert _audio_src(client, f"/embed/figures/{world.first.slug}") == audio + "?_from=embed"
    feed = ET.fromstring(client.get("/figures/feed.xml").get_data())
    enclosures = [e.get("url") for e in feed.iter("enclosure")]
    assert enclosures and all(url and "_from" not in url for url in enclosures)
    assert f"http://podcast.test{audio}" in enclosures


def test_the_period_chooses_the_chart_and_tables(host: FlaskClient) -> None:
    page = lxml.html.fromstring(_refresh(host, days="7"))
    assert page.xpath('//nav[@aria-label="Period"]/a[@aria-current="page"]/text()') == ["7 days"]
    titles = page.xpath("//figure//*[local-name()='svg']/*[local-name()='title']/text()")
    assert titles == ["Downloads per day, last 7 days"] * 2
    assert len(page.xpath("//figure//*[local-name()='circle']")) == 2 * 7
    assert len(_csv(host, "per-day", days=7)) == 8
    assert len(_csv(host, "per-day", days=90)) == 91
    assert host.get("/studio/shows/figures/downloads?days=12").status_code == 400
    assert host.get("/studio/shows/figures/downloads?days=x").status_code == 400
    assert host.get("/studio/shows/figures/downloads/secrets.csv").status_code == 404


def test_the_episodes_table_shows_the_newest_and_the_csv_all(
    host: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # LAUNCH_ROWS is 50; one here, so that two episodes are more than the table shows.
    monkeypatch.setattr(dashboard, "LAUNCH_ROWS", 1)
    page = lxml.html.fromstring(_refresh(host))

    second = world.second.published_at.date().isoformat()
    assert _table(page, "episodes-heading") == [
        ["Show median", "0", "–", "–", "–", ""],
        [f"Second talk {second}", "0", "2 so far", "2 so far", "2 so far", "2"],
    ]
    hint = "The 1 newest of 2 episodes; the medians count them all, and the CSV lists every one."
    assert hint in _text(page)
    assert [row[0] for row in _csv(host, "episodes")[1:]] == ["Second talk", "First talk"]


def test_empty_show_has_an_empty_state_and_empty_exports(client: FlaskClient, world: World) -> None:
    login(client, "host@example.com")
    response = client.get("/studio/shows/figures/downloads")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No downloads yet" in html and "have not been rolled up yet" in html
    assert rollups.REHOSTED_NOTE in html
    assert "<svg" not in html and "total-card" not in html
    assert _csv(client, "topics") == [["topic", "downloads"]]
    assert _csv(client, "totals")[1:] == [["7", "0"], ["30", "0"], ["90", "0"]]
    # After a rollup with nothing to read, the page says when it ran and stays empty.
    html = _refresh(client)
    assert "Figures last rolled up" in html and "No downloads yet" in html


def test_only_the_shows_hosts_see_its_figures(
    app: Flask, client: FlaskClient, world: World, session: Session
) -> None:
    urls = [
        "/studio/shows/figures/downloads",
        "/studio/shows/figures/downloads/totals.csv",
        "/studio/shows/figures/downloads/episodes.csv",
    ]
    for url in urls:
        anonymous = app.test_client().get(url)
        assert anonymous.status_code == 303 and anonymous.location.startswith("/studio/login")
    refresh = app.test_client().post("/studio/shows/figures/downloads/refresh", data={})
    assert refresh.status_code == 303 and refresh.location.startswith("/studio/login")

    login(client, "stranger@example.com")
    for url in urls:
        assert client.get(url).status_code == 403
    token = csrf_token(client, "/studio/")
    refused = client.post("/studio/shows/figures/downloads/refresh", data={"csrf_token": token})
    assert refused.status_code == 403
    assert rollups.last_rollup(session) is None  # nobody ran the rollup


def test_refresh_needs_a_csrf_token(client: FlaskClient, world: World, session: Session) -> None:
    login(client, "host@example.com")
    response = client.post("/studio/shows/figures/downloads/refresh", data={"days": "30"})
    assert response.status_code == 400
    assert rollups.last_rollup(session) is None


def test_downloads_is_in_the_show_navigation(client: FlaskClient, world: World) -> None:
    login(client, "host@example.com")
    page = lxml.html.fromstring(client.get("/studio/shows/figures/episodes").get_data(as_text=True))
    links = page.xpath('//nav[@aria-label="Studio"]//a[text()="Downloads"]/@href')
    assert links == ["/studio/shows/figures/downloads"]


def test_rollup_records_when_it_ran(session: Session, world: World) -> None:
    before = datetime.now(UTC)
    rollups.rollup(session)
    session.commit()
    ran = rollups.last_rollup(session)
    assert ran is not None and before <= ran <= datetime.now(UTC) + timedelta(seconds=1)


def test_per_day_chart_has_axis_titles_whole_ticks_and_a_phone_size() -> None:
    points = [(f"{day} Nov", float(day % 3)) for day in range(1, 31)]
    svg = charts.line_chart(
        points,
        title="Downloads per day",
        x_label="Day (UTC)",
        y_label="Downloads",
        whole=True,
        size=charts.COMPACT,
    )
    root = ET.fromstring(svg)
    assert root.get("viewBox") == "0 0 360 220" and root.get("width") == "100%"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Day (UTC)" in texts and "Downloads" in texts
    ticks = [float(t or 0) for t in texts if t and t.replace(".", "").isdigit()]
    assert ticks == [0.0, 1.0, 2.0]  # counts: no 0.5 downloads on the axis
    day_labels = [t for t in texts if t and t.endswith("Nov")]
    assert day_labels[0] == "1 Nov" and day_labels[-1] == "30 Nov" and len(day_labels) <= 5
