"""How a feed is rendered: item fragments that read inside the channel, items that keep only
their own fields, and the people, hosts and dates that the faster paths must keep right."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.etree import ElementTree

import podcastparser
import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import insert
from sqlalchemy.orm import Session

from showapp.models import User, show_hosts
from showapp.services.catalog import chapters, soundbites, writes
from showapp.services.feeds import rendering as feed_rendering
from showapp.services.feeds import rows as feed_rows
from showapp.services.feeds import rss
from showapp.services.feeds.items import Channel, Item, Person, xml_text
from showapp.services.feeds.podcast_namespace import PODCAST_NS, rfc2822
from tests.conftest import BASE_URL
from tests.factories import add_guest, make_episode, make_show

P = "{" + PODCAST_NS + "}"
WHEN = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
ADA = Person("Ada Host")
ZOE = Person("Zoë Ngata", "guest", "cast", f"{BASE_URL}/media/g/zoe.png", "https://zoe.test/")


def _channel(description: str = "About") -> Channel:
    return Channel(
        title="Show", link=f"{BASE_URL}/s/", self_url=f"{BASE_URL}/s/feed.xml",
        description=description, language="en", author="Ada", podcast_guid="g",
        last_build=WHEN, persons=(ADA,),
    )  # fmt: skip


def _item(n: int, html: str = "<p>Notes</p>", persons: tuple[Person, ...] = (ADA, ZOE)) -> Item:
    return Item(
        guid=f"guid-{n}", title=f"Episode {n}", link=f"{BASE_URL}/s/episodes/e{n}", html=html,
        published=WHEN - timedelta(days=n), enclosure_url=f"{BASE_URL}/media/s/e{n}.mp3",
        enclosure_length=1000 + n, enclosure_type="audio/mpeg", duration=61, episode=n,
        season=1, persons=persons,
    )  # fmt: skip


def _read_alone(parts: rss.FeedParts, fragment: bytes) -> list[dict[str, object]]:
    body = parts.head + fragment + parts.tail
    episodes: list[dict[str, object]] = podcastparser.parse(
        BASE_URL + "/s/feed.xml", io.BytesIO(body)
    )["episodes"]
    return episodes


@pytest.mark.parametrize(
    ("description", "html"),
    [
        ("About", "<p>Notes</p>"),
        # A literal <item> in CDATA makes cutting the document at "<item>" ambiguous.
        ("About", "<p>Raw <item> inside notes</p>"),
        ("Channel notes with <item> in them", "<p>Notes</p>"),
        ("About", "<p>a ]]> b <item></p>"),
    ],
)
def test_each_fragment_is_one_item_that_reads_inside_the_channel(
    description: str, html: str
) -> None:
    items = [_item(n, html) for n in range(1, 4)]
    parts = rss.render_parts(_channel(description), items)
    assert len(parts.fragments) == len(items)
    assert parts.joined() == rss.render_feed(_channel(description), items)
    for item, fragment in zip(items, parts.fragments, strict=True):
        assert fragment.startswith(b"<item>") and fragment.endswith(b"</item>")
        # Prefixes come from <rss>, so a fragment declares no namespace of its own.
        assert b"xmlns" not in fragment
        [episode] = _read_alone(parts, fragment)
        assert episode["guid"] == item.guid
        assert episode["description_html"] == html


def test_the_channel_read_back_from_feedgen_keeps_its_cdata() -> None:
    """feedgen's public output is bytes, so the channel is parsed back before the items are
    appended; its HTML must stay one CDATA section, not turn into escaped text."""
    parts = rss.render_parts(_channel("<p>About <b>us</b> &amp; more</p>"), [_item(1)])
    assert b"<description><![CDATA[<p>About <b>us</b> &amp; more</p>]]></description>" in parts.head


def test_each_item_keeps_only_its_own_fields_though_one_entry_is_refilled() -> None:
    """feedgen can set an enclosure but not unset one: an episode without audio that follows
    one with audio must not inherit its enclosure, nor its image, people or chapters."""
    rich = _item(1)._replace(image=f"{BASE_URL}/media/s/e1.jpg", chapters_url=f"{BASE_URL}/c.json")
    bare = _item(2, persons=())._replace(enclosure_url=None, enclosure_length=None)
    items = [rich, bare, _item(3, persons=(ZOE,))]
    body = rss.render_feed(_channel(), items)
    nodes = list(ElementTree.fromstring(body).iter("item"))
    enclosures = [[e.get("url") for e in node.iter("enclosure")] for node in nodes]
    assert enclosures == [[rich.enclosure_url], [], [items[2].enclosure_url]]
    people = [[p.text for p in node.iter(P + "person")] for node in nodes]
    assert people == [["Ada Host", "Zoë Ngata"], [], ["Zoë Ngata"]]
    assert [len(list(node.iter(P + "chapters"))) for node in nodes] == [1, 0, 0]
    assert [n.findtext("guid") for n in nodes] == ["guid-1", "guid-2", "guid-3"]
    assert [n.findtext("link") for n in nodes] == [i.link for i in items]


def test_people_shared_by_items_are_written_in_full_on_each() -> None:
    body = rss.render_feed(_channel(), [_item(1), _item(2, persons=(ZOE, ADA)), _item(3)])
    for entry in podcastparser.parse(BASE_URL + "/s/feed.xml", io.BytesIO(body))["episodes"]:
        assert {p["name"] for p in entry["persons"]} == {"Ada Host", "Zoë Ngata"}
    items = ElementTree.fromstring(body).iter("item")
    people = [[(p.text, dict(p.attrib)) for p in i.iter(P + "person")] for i in items]
    zoe = ("Zoë Ngata", {"role": "guest", "group": "cast", "img": ZOE.img, "href": ZOE.href})
    ada = ("Ada Host", {"role": "host", "group": "cast"})
    assert people == [[ada, zoe], [zoe, ada], [ada, zoe]]


def test_lxml_refuses_exactly_the_characters_xml_text_removes() -> None:
    """The notes skip xml_text's regex unless lxml refuses them; that is only safe while both
    agree on every code point."""
    astral = range(0x10000, 0x110000, 0x3FF)
    for code in [*range(0x10000), *astral, 0x10FFFF]:
        text = f"a{chr(code)}b"
        try:
            etree.CDATA(text)
            refused = False
        except ValueError:
            refused = True
        assert refused == (xml_text(text) != text), hex(code)


offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(moment=st.datetimes(min_value=datetime(1000, 1, 1), timezones=offsets))
def test_pub_dates_are_rfc_2822_as_email_utils_writes_them(moment: datetime) -> None:
    assert rfc2822(moment) == format_datetime(moment)


def _persons(element: ElementTree.Element) -> list[tuple[str | None, str | None]]:
    ns = {"podcast": PODCAST_NS}
    return [(p.text, p.get("role")) for p in element.findall("podcast:person", ns)]


def test_hosts_without_names_and_the_author_are_not_persons(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    """podcast:person names people: a host account without a name is none, and the show's
    author (itunes:author, often a company) is not made one."""
    show = make_show(session, slug="quiet", author="Ann Author")
    episode = make_episode(session, show, episodes_dir, title="One")
    for email in ("a@example.com", "b@example.com"):
        user = User(email=email, name="  ")
        session.add(user)
        session.flush()
        session.execute(insert(show_hosts).values(show_id=show.id, user_id=user.id))
    session.commit()
    channel = ElementTree.fromstring(client.get("/quiet/feed.xml").data).find("channel")
    assert channel is not None
    assert _persons(channel) == []
    [item] = channel.iter("item")
    assert item.findtext("guid") == episode.guid
    assert _persons(item) == []


def test_each_episode_credits_its_guests_in_order_with_that_episodes_role(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="talks", author="Ann Author")
    first = make_episode(session, show, episodes_dir, title="First")
    second = make_episode(session, show, episodes_dir, title="Second")
    zoe = writes.find_or_create_guest(session, "Zoë Ngata")
    zoe.photo = "guests/zoë.png"
    zoe.links = ["https://zoe.test/about"]
    bo = writes.find_or_create_guest(session, "Bo Li")
    writes.credit_guest(session, first, zoe)
    writes.credit_guest(session, first, bo, role="cohost")
    writes.credit_guest(session, second, bo)
    writes.credit_guest(session, second, zoe, role="producer", group="crew")
    session.commit()
    body = client.get("/talks/feed.xml").data
    items = {i.findtext("guid"): i for i in ElementTree.fromstring(body).iter("item")}
    assert _persons(items[first.guid]) == [("Zoë Ngata", "guest"), ("Bo Li", "cohost")]
    assert _persons(items[second.guid]) == [("Bo Li", "guest"), ("Zoë Ngata", "producer")]
    people = {p.text: p for p in items[second.guid].iter(P + "person")}
    assert people["Zoë Ngata"].get("group") == "crew"
    assert people["Zoë Ngata"].get("img") == f"{BASE_URL}/media/guests/zo%C3%AB.png"
    assert people["Zoë Ngata"].get("href") == "https://zoe.test/about"
    assert people["Bo Li"].get("img") is None
    assert people["Bo Li"].get("href") == f"{BASE_URL}/guests/{bo.slug}"


def test_pub_dates_are_the_published_instant_in_utc(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="zones")
    east = timezone(timedelta(hours=5, minutes=30))
    episode = make_episode(
        session, show, episodes_dir, published_at=datetime(2025, 3, 1, 7, 5, 9, tzinfo=east)
    )
    session.commit()
    body = client.get("/zones/feed.xml").data
    [item] = ElementTree.fromstring(body).iter("item")
    assert item.findtext("guid") == episode.guid
    assert item.findtext("pubDate") == "Sat, 01 Mar 2025 01:35:09 +0000"


def test_network_items_credit_the_hosts_of_their_own_show(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    hosted = make_show(session, slug="hosted", author="Unused Author")
    authored = make_show(session, slug="authored", author="Ann Author")
    user = User(email="host@example.com", name="Hana Host")
    session.add(user)
    session.flush()
    session.execute(insert(show_hosts).values(show_id=hosted.id, user_id=user.id))
    first = make_episode(session, hosted, episodes_dir, title="Hosted")
    second = make_episode(session, authored, episodes_dir, title="Authored")
    session.commit()
    body = client.get("/feed.xml").data
    items = {i.findtext("guid"): i for i in ElementTree.fromstring(body).iter("item")}
    assert _persons(items[first.guid]) == [("Hana Host", "host")]
    assert _persons(items[second.guid]) == []  # its author is no person


def test_a_feed_reads_the_same_whether_its_episodes_are_listed_by_id_or_by_scope(
    session: Session, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guests and rich-episode tags are read for the loaded episodes by id when they are few (a
    rebuild of one episode) and by joining the feed's scope again when there are many."""
    show = make_show(session, slug="both")
    first = make_episode(session, show, episodes_dir, title="First")
    second = make_episode(session, show, episodes_dir, title="Second")
    add_guest(session, first, "Zoë Ngata")
    chapters.replace_chapters(session, second, [{"start": "0", "title": "Hello"}])
    soundbites.add_soundbite(session, second, start=0.5, duration=1.5, title="Bit")
    session.commit()
    ref, site = (
        feed_rendering.FeedRef("show", show_slug="both"),
        feed_rendering.FeedSite(BASE_URL, "Net"),
    )
    now = datetime.now(UTC)

    def body() -> bytes:
        rendered = feed_rendering.render(session, ref, site, now)
        assert rendered is not None
        return rendered.body

    by_id = body()
    monkeypatch.setattr(feed_rows, "MOST_LISTED", 0)
    assert body() == by_id
    assert b"Zo\xc3\xab Ngata</podcast:person>" in by_id
    assert b"<podcast:chapters " in by_id and b"<podcast:soundbite " in by_id
