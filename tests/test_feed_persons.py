"""podcast:person in our own feed after importing real feeds: no host made up from
itunes:author, no person twice in an item, and a studio user who hosts the show listed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from showapp.models import Show, User, show_hosts
from showapp.services.feeds.items import Person
from showapp.services.feeds.podcast_namespace import ITUNES_NS, PODCAST_NS
from showapp.services.feeds.values import distinct_persons

FEEDS = Path("/work/shared/feeds")
# What the source feeds name: each feed's itunes:author and their hosts, where they have any.
AUTHORS = {
    "dk-podcast.xml": "DW.COM | Deutsche Welle",
    "1865.xml": "Airship / Wondery",
    "pc20rss.xml": "Podcast Index LLC",
    "animated-no-agenda.xml": "Dame Jennifer",
    "homegrown-hits.xml": "DuhLaurien",
    "oxide-and-friends-transistor.xml": "Oxide Computer Company",
}
PERSON = "{" + PODCAST_NS + "}person"
SOURCE_PERSON = re.compile(r"\{[^}]*podcast-?(namespace|index)[^}]*\}person$")


def _name(element: ET.Element) -> str:
    return " ".join((element.text or "").split())


def _persons(parent: ET.Element, tag: str | re.Pattern[str] = PERSON) -> list[ET.Element]:
    found = [c for c in parent if (c.tag == tag if isinstance(tag, str) else tag.match(c.tag))]
    return [c for c in found if _name(c)]


def _source(name: str) -> tuple[set[str], dict[str, set[str]]]:
    """The source's channel person names, and each item's (by guid, else enclosure URL)."""
    root = ET.fromstring((FEEDS / name).read_bytes().lstrip())
    channel = root.find("channel")
    assert channel is not None
    items: dict[str, set[str]] = {}
    for item in channel.iter("item"):
        enclosure = item.find("enclosure")
        url = "" if enclosure is None else enclosure.get("url", "").strip()
        key = (item.findtext("guid") or "").strip() or url
        items[key] = {_name(p) for p in _persons(item, SOURCE_PERSON)}
    return {_name(p) for p in _persons(channel, SOURCE_PERSON)}, items


def _import(runner: FlaskCliRunner, name: str) -> str:
    result = runner.invoke(args=["import", str(FEEDS / name)])
    assert result.exit_code == 0, result.output
    found = re.search(r"Show '([^']+)'", result.output)
    assert found is not None, result.output
    return found.group(1)


def _channel(client: FlaskClient, slug: str) -> ET.Element:
    response = client.get(f"/{slug}/feed.xml")
    assert response.status_code == 200
    channel = ET.fromstring(response.data).find("channel")
    assert channel is not None
    return channel


@pytest.mark.parametrize("name", sorted(AUTHORS))
def test_imported_feeds_name_only_the_persons_their_source_names(
    name: str, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    channel = _channel(client, _import(runner, name))
    author = AUTHORS[name]
    assert channel.findtext("{" + ITUNES_NS + "}author") == author  # still the show's author
    source_channel, source_items = _source(name)
    everyone = source_channel.union(*source_items.values())
    assert {_name(p) for p in _persons(channel)} <= source_channel
    items = channel.findall("item")
    assert len(items) == len(source_items)
    for item in items:
        names = [_name(p) for p in _persons(item)]
        assert len(names) == len(set(names)), names
        guid = item.findtext("guid") or ""
        assert set(names) <= source_items[guid], (guid, names)
        if author not in everyone:
            assert author not in names


def test_a_host_named_on_the_item_is_listed_once_with_its_links(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    channel = _channel(client, _import(runner, "oxide-and-friends-transistor.xml"))
    [item] = channel.findall("item")
    hosts = {_name(p): p.attrib for p in _persons(item)}
    assert set(hosts) == {"Adam Leventhal", "Bryan Cantrill"}
    assert all(a["role"] == "host" and a.get("href") and a.get("img") for a in hosts.values())


def test_a_show_hosted_by_studio_users_lists_them_once_per_item(
    runner: FlaskCliRunner, client: FlaskClient, session: Session
) -> None:
    slug = _import(runner, "animated-no-agenda.xml")
    show = session.scalars(select(Show).where(Show.slug == slug)).one()
    # The imported host signs up, and so does a co-host the feed never named.
    for email, name in (("jennifer@example.com", "Dame  Jennifer"), ("sam@example.com", "Sam Co")):
        user = User(email=email, name=name)
        session.add(user)
        session.flush()
        session.execute(insert(show_hosts).values(show_id=show.id, user_id=user.id))
    session.commit()
    channel = _channel(client, slug)
    assert [(_name(p), p.get("role")) for p in _persons(channel)] == [
        ("Dame Jennifer", "host"), ("Sam Co", "host"),
    ]  # fmt: skip
    for item in channel.findall("item"):
        people = _persons(item)
        assert [_name(p) for p in people] == ["Dame Jennifer", "Sam Co"]
        # The item's own podcast:person, with the links the source gave it, not a bare copy.
        assert people[0].get("href") == "https://noagendatube.com/accounts/dame_jennifer"
        assert people[0].get("img")


def test_distinct_persons_keeps_one_entry_per_name_and_role() -> None:
    bare = Person("Ada Host")
    linked = Person(" ada  host", href="https://ada.example/", img="https://ada.example/a.png")
    producer = Person("Ada Host", role="producer", group="crew")
    guest = Person("Zoë Ngata", role="guest")
    assert distinct_persons((bare, guest, linked, producer)) == (linked, guest, producer)
    assert distinct_persons((linked, bare)) == (linked,)
    alone = (bare, guest)
    assert distinct_persons(alone) is alone
