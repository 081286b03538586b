"""Every kind of feed, parsed the way apps parse it, field by field, Podcasting 2.0 included."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import podcastparser
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import Episode, EpisodeType, Guest, Show, Topic, User
from showapp.services.catalog import writes
from showapp.services.feeds.rendering import derived_guid
from tests.conftest import BASE_URL
from tests.factories import make_episode, make_show

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}


@dataclass
class Network:
    show: Show
    other: Show
    topic: Topic
    guest: Guest
    episodes: list[Episode]  # of `show`, newest first
    crossover: Episode  # on `other`, with the same guest
    trailer: Episode


@pytest.fixture
def network(session: Session, episodes_dir: Path) -> Iterator[Network]:
    show = make_show(
        session, slug="leaders", title="Leaders & Mentors", locked=True,
        funding_url="https://example.com/give", funding_text="Back us",
        update_frequency="Weekly", explicit=True,
    )  # fmt: skip
    show.medium = "podcast"
    show.update_rrule = "FREQ=WEEKLY"
    show.artwork = "leaders/cover.jpeg"  # feedgen alone would drop a .jpeg URL
    host = User(email="host@example.com", name="Ada Host")
    session.add(host)
    session.flush()
    other = make_show(session, slug="founders", title="Founders")
    topic = writes.find_or_create_topic(session, "Sponsorship", "Who vouched for whom.")
    guest = writes.find_or_create_guest(session, "Zoë Ngata")
    guest.photo = "guests/zoe.png"
    guest.links = ["https://example.org/zoe"]
    now = datetime.now(UTC)
    trailer = make_episode(
        session, show, episodes_dir, title="Trailer", episode_type=EpisodeType.TRAILER,
        season=1, published_at=now - timedelta(days=30),
    )  # fmt: skip
    episodes = [
        make_episode(
            session,
            show,
            episodes_dir,
            title=f"Talk {n}",
            season=1,
            number=n,
            notes_md=f"Notes with <script>x()</script> & ampersands, part {n}.",
            published_at=now - timedelta(days=10 - n),
        )  # fmt: skip
        for n in (1, 2, 3)
    ]
    writes.credit_guest(session, episodes[1], guest, role="guest")
    writes.tag_topic(session, episodes[1], topic)
    writes.tag_topic(session, episodes[2], topic)
    crossover = make_episode(session, other, episodes_dir, title="Crossover")
    writes.credit_guest(session, crossover, guest)
    session.commit()
    from sqlalchemy import insert

    from showapp.models import show_hosts

    session.execute(insert(show_hosts).values(show_id=show.id, user_id=host.id))
    session.commit()
    yield Network(show, other, topic, guest, episodes[::-1], crossover, trailer)


FEEDS = {
    "show": "/leaders/feed.xml",
    "topic": "/leaders/topics/sponsorship/feed.xml",
    "guest": "/guests/zoe-ngata/feed.xml",
    "network": "/feed.xml",
}


def _get(client: FlaskClient, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/rss+xml"
    return response.data


@pytest.mark.parametrize("kind", sorted(FEEDS))
def test_every_kind_of_feed_parses_cleanly(
    client: FlaskClient, network: Network, kind: str
) -> None:
    body = _get(client, FEEDS[kind])
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    podcast = podcastparser.parse(BASE_URL + FEEDS[kind], io.BytesIO(body))
    assert podcast["episodes"]
    root = ElementTree.fromstring(body)
    channel = root.find("channel")
    assert channel is not None
    assert channel.find("atom:link[@rel='self']", NS).get("href") == BASE_URL + FEEDS[kind]  # type: ignore[union-attr]
    assert channel.find("itunes:image", NS) is not None
    assert channel.findtext("podcast:guid", namespaces=NS)
    assert channel.findtext("itunes:explicit", namespaces=NS) in ("true", "false")


def test_feeds_carry_the_expected_episodes_with_one_guid_each(
    client: FlaskClient, network: Network
) -> None:
    def guids(path: str) -> list[str]:
        return [e.id for e in feedparser.parse(_get(client, path)).entries]

    show_guids = [e.guid for e in network.episodes] + [network.trailer.guid]
    assert guids(FEEDS["show"]) == show_guids
    assert guids(FEEDS["topic"]) == [network.episodes[0].guid, network.episodes[1].guid]
    assert guids(FEEDS["guest"]) == [network.crossover.guid, network.episodes[1].guid]
    assert set(guids(FEEDS["network"])) == {*show_guids, network.crossover.guid}


def test_derived_feeds_have_their_own_title_artwork_and_guid(
    client: FlaskClient, network: Network
) -> None:
    topic = feedparser.parse(_get(client, FEEDS["topic"])).feed
    guest = feedparser.parse(_get(client, FEEDS["guest"])).feed
    show = feedparser.parse(_get(client, FEEDS["show"])).feed
    assert topic.title == "Leaders & Mentors: Sponsorship"
    assert guest.title.startswith("Zoë Ngata on ")
    assert guest.image.href == f"{BASE_URL}/media/guests/zoe.png"
    assert topic.podcast_guid == derived_guid(BASE_URL + FEEDS["topic"])
    assert show.podcast_guid == network.show.podcast_guid
    assert len({topic.podcast_guid, guest.podcast_guid, show.podcast_guid}) == 3


def test_show_channel_field_by_field(client: FlaskClient, network: Network) -> None:
    root = ElementTree.fromstring(_get(client, FEEDS["show"]))
    channel = root.find("channel")
    assert channel is not None
    text = lambda path: channel.findtext(path, namespaces=NS)  # noqa: E731
    assert text("title") == "Leaders & Mentors"
    assert text("link") == f"{BASE_URL}/leaders/"
    assert text("language") == "en"
    assert text("itunes:author") == "Ada Host"
    assert text("itunes:owner/itunes:email") == "ada@example.com"
    assert text("itunes:type") == "episodic"
    assert text("itunes:explicit") == "true"
    category = channel.find("itunes:category", NS)
    assert category is not None and category.get("text") == "Business"
    assert category.find("itunes:category", NS).get("text") == "Management"  # type: ignore[union-attr]
    assert channel.find("itunes:image", NS).get("href") == f"{BASE_URL}/media/leaders/cover.jpeg"  # type: ignore[union-attr]
    assert channel.find("atom:link[@rel='hub']", NS) is None  # no hub configured in tests
    locked = channel.find("podcast:locked", NS)
    assert locked is not None and locked.text == "yes" and locked.get("owner") == "ada@example.com"
    funding = channel.find("podcast:funding", NS)
    assert funding is not None and funding.text == "Back us"
    assert funding.get("url") == "https://example.com/give"
    [host] = channel.findall("podcast:person", NS)
    assert (host.text, host.get("role"), host.get("group")) == ("Ada Host", "host", "cast")
    assert text("podcast:medium") == "podcast"
    frequency = channel.find("podcast:updateFrequency", NS)
    assert frequency is not None and frequency.text == "Weekly"
    assert frequency.get("rrule") == "FREQ=WEEKLY"
    [trailer] = channel.findall("podcast:trailer", NS)
    assert trailer.text == "Trailer" and trailer.get("season") == "1"
    assert trailer.get("url", "").startswith(f"{BASE_URL}/media/leaders/")
    assert int(trailer.get("length", "0")) == network.trailer.audio_bytes
    assert channel.find("itunes:new-feed-url", NS) is None
    assert channel.find("itunes:block", NS) is None


def test_show_items_field_by_field(
    client: FlaskClient, network: Network, episodes_dir: Path
) -> None:
    body = _get(client, FEEDS["show"])
    items = {i.findtext("guid"): i for i in ElementTree.fromstring(body).iter("item")}
    for episode in network.episodes:
        item = items[episode.guid]
        assert item.find("guid").get("isPermaLink") == "false"  # type: ignore[union-attr]
        assert item.findtext("title") == episode.title
        enclosure = item.find("enclosure")
        assert enclosure is not None
        assert enclosure.get("url") == f"{BASE_URL}/media/{episode.audio_file}"
        assert (
            int(enclosure.get("length", "0"))
            == (episodes_dir / str(episode.audio_file)).stat().st_size
        )
        assert enclosure.get("type") == "audio/mpeg"
        assert episode.published_at is not None
        assert item.findtext("pubDate") == episode.published_at.strftime(
            "%a, %d %b %Y %H:%M:%S +0000"
        )
        assert item.findtext("itunes:duration", namespaces=NS) == str(
            round(episode.duration_seconds or 0)
        )
        assert item.findtext("itunes:episode", namespaces=NS) == str(episode.number)
        assert item.findtext("itunes:season", namespaces=NS) == "1"
        assert item.findtext("itunes:episodeType", namespaces=NS) == "full"
        assert item.findtext("itunes:explicit", namespaces=NS) == "false"
        assert item.findtext("podcast:season", namespaces=NS) == "1"
        assert item.findtext("podcast:episode", namespaces=NS) == str(episode.number)
        html = item.findtext("description") or ""
        assert "<p>Notes with" in html and "&amp; ampersands" in html  # sanitised, as HTML
        assert "<script" not in html  # sanitised
        assert item.findtext("content:encoded", namespaces=NS) == html
    people = items[network.episodes[1].guid].findall("podcast:person", NS)
    assert [(p.text, p.get("role")) for p in people] == [
        ("Ada Host", "host"),
        ("Zoë Ngata", "guest"),
    ]
    assert people[1].get("img") == f"{BASE_URL}/media/guests/zoe.png"
    assert people[1].get("href") == "https://example.org/zoe"
    trailer = items[network.trailer.guid]
    assert trailer.findtext("itunes:episodeType", namespaces=NS) == "trailer"


def test_html_goes_out_as_cdata(client: FlaskClient, network: Network) -> None:
    body = _get(client, FEEDS["show"])
    assert b"<description><![CDATA[<p>Notes with" in body
    assert b"<content:encoded><![CDATA[<p>Notes with" in body


def test_parsers_read_the_show_feed_field_by_field(client: FlaskClient, network: Network) -> None:
    body = _get(client, FEEDS["show"])
    parsed = podcastparser.parse(BASE_URL + FEEDS["show"], io.BytesIO(body))
    assert parsed["title"] == "Leaders & Mentors"
    assert parsed["cover_url"] == f"{BASE_URL}/media/leaders/cover.jpeg"
    assert parsed["funding_url"] == "https://example.com/give"
    assert parsed["import_prohibited"] is True  # podcast:locked
    by_guid = {e["guid"]: e for e in parsed["episodes"]}
    for episode in network.episodes:
        item = by_guid[episode.guid]
        assert item["number"] == episode.number
        assert item["enclosures"][0]["file_size"] == episode.audio_bytes
        assert item["total_time"] == round(episode.duration_seconds or 0)
    persons = by_guid[network.episodes[1].guid]["persons"]
    assert [p["name"] for p in persons] == ["Ada Host", "Zoë Ngata"]


def test_opml_lists_every_feed(client: FlaskClient, network: Network) -> None:
    response = client.get("/feeds.opml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.data)
    listed = {o.get("xmlUrl") for o in root.iter("outline")}
    assert listed == {
        BASE_URL + "/feed.xml",
        BASE_URL + "/leaders/feed.xml",
        BASE_URL + "/founders/feed.xml",
        BASE_URL + "/leaders/topics/sponsorship/feed.xml",
        BASE_URL + "/guests/zoe-ngata/feed.xml",
    }
    for url in listed:
        assert url is not None
        assert client.get(url.removeprefix(BASE_URL)).status_code == 200


def test_unknown_topic_and_guest_feeds_are_404(client: FlaskClient, network: Network) -> None:
    assert client.get("/leaders/topics/nothing/feed.xml").status_code == 404
    assert client.get("/guests/nobody/feed.xml").status_code == 404
    assert client.get("/nowhere/topics/sponsorship/feed.xml").status_code == 404


def test_home_page_links_the_network_feed(client: FlaskClient, network: Network) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/rss+xml"' in page
    assert 'href="/feed.xml"' in page


def test_a_guest_with_no_live_episode_has_no_feed(
    client: FlaskClient, session: Session, network: Network, episodes_dir: Path
) -> None:
    """Their page is 404 until an episode with them is out, and so is their feed: it would
    carry the name and bio of a guest the show has not announced."""
    secret = writes.find_or_create_guest(session, "Secret Guest", bio="Embargoed news.")
    draft = make_episode(session, network.show, episodes_dir, title="Soon", published_at=None)
    writes.credit_guest(session, draft, secret)
    session.commit()
    assert client.get("/guests/secret-guest").status_code == 404
    response = client.get("/guests/secret-guest/feed.xml")
    assert response.status_code == 404
    assert b"Embargoed" not in response.data
    writes.credit_guest(session, network.episodes[0], secret)
    session.commit()
    assert b"Embargoed news." in _get(client, "/guests/secret-guest/feed.xml")


def test_a_shows_own_feed_choices_stay_off_the_network_and_guest_feeds(
    client: FlaskClient, session: Session, network: Network
) -> None:
    """The network and guest feeds borrow owner and category from the show that published
    last, but not its itunes:block, itunes:complete or kept Podcasting 2.0 elements."""
    network.other.itunes_block = True  # the crossover's show published last
    network.other.complete = True
    network.other.podcast_extras = ['<podcast:txt purpose="verify">token-of-founders</podcast:txt>']
    session.commit()
    for path in (FEEDS["network"], FEEDS["guest"]):
        body = _get(client, path)
        channel = ElementTree.fromstring(body).find("channel")
        assert channel is not None
        assert channel.find("itunes:block", NS) is None, path
        assert channel.find("itunes:complete", NS) is None, path
        assert b"token-of-founders" not in body, path
    founders = ElementTree.fromstring(_get(client, "/founders/feed.xml")).find("channel")
    assert founders is not None and founders.findtext("itunes:block", namespaces=NS) == "Yes"
