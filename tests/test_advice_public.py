"""What listeners see of advice: the episode page (play links, "N tried this", published
reports), the guest and topic pages, the episode's JSON-LD and the feed's show notes."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from pathlib import Path

import feedparser
import podcastparser
import pytest
from flask.testing import FlaskClient
from lxml import html as lxml_html
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import EpisodeStatus, Moderation
from showapp.services.catalog import guest_trash
from tests.advice_helpers import World, add_advice, add_report, make_world
from tests.factories import add_topic, make_episode


@pytest.fixture
def world(session: Session, episodes_dir: Path) -> World:
    return make_world(session, episodes_dir)


def _page(client: FlaskClient, path: str) -> lxml_html.HtmlElement:
    response = client.get(path)
    assert response.status_code == 200, path
    return lxml_html.fromstring(response.get_data(as_text=True))


def _episode_path(world: World) -> str:
    return f"/{world.show.slug}/episodes/{world.episode.slug}"


def select(node: lxml_html.HtmlElement, selector: str) -> list[lxml_html.HtmlElement]:
    """Nodes matching a small CSS selector ("section.advice li.advice-item", ".x a") by XPath
    (lxml's cssselect needs a package the app does not otherwise use)."""
    path = "."
    for part in selector.split():
        tag, _, css_class = part.partition(".")
        path += f"//{tag or '*'}"
        if css_class:
            path += f"[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]"
    found: list[lxml_html.HtmlElement] = node.xpath(path)
    return found


def _texts(page: lxml_html.HtmlElement, selector: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in select(page, selector)]


def test_episode_page_lists_advice_with_guest_play_link_and_reports(
    client: FlaskClient, session: Session, world: World
) -> None:
    night = add_advice(session, world.episode, world.priya, "Ask for the night shift.", 125.0)
    add_advice(session, world.episode, world.tom, "Write it down.", None)
    for n in range(5):
        add_report(session, night, f"Listener {n}", f"It worked, story {n}.")
    add_report(session, night, "Private", "Do not show me.", consent=False)
    add_report(session, night, "Pending", "Not yet.", status=Moderation.PENDING)
    add_report(session, night, "Rejected", "Spam.", status=Moderation.REJECTED)
    add_report(session, night, "Replied", "Newest story.", reply="Thanks, glad it helped!")
    session.commit()

    page = _page(client, _episode_path(world))
    [section] = select(page, "section.advice")
    assert select(section, "h2")[0].text_content() == "Advice in this episode"
    items = select(section, "li.advice-item")
    assert sorted(select(i, ".advice-text")[0].text_content() for i in items) == [
        "“Ask for the night shift.”",
        "“Write it down.”",
    ]
    first = next(i for i in items if "night shift" in i.text_content())
    guest_link = select(first, ".advice-by a")[0]
    assert guest_link.get("href") == f"/guests/{world.priya.slug}"
    play = select(first, "a.advice-play")[0]
    assert play.get("data-seek-to") == "125.0"
    assert play.get("href").endswith("?t=2:05")
    # Seven approved (the consent-less one counted, not shown); three newest shown here.
    assert "7 tried this" in select(first, ".advice-tried")[0].text_content()
    stories = _texts(first, ".advice-story")
    assert stories == ["Newest story.", "It worked, story 4.", "It worked, story 3."]
    assert "Thanks, glad it helped!" in first.text_content()
    for hidden in ("Do not show me.", "Not yet.", "Spam."):
        assert hidden not in first.text_content()
    tried = select(first, ".advice-tried a")[0]
    assert tried.get("href") == f"/advice/{night.id}/tried"

    more = first.xpath(".//a[starts-with(normalize-space(.), 'Show all stories')]")[0]
    everything = _page(client, more.get("href"))
    assert len(select(everything, ".advice-story")) == 6
    assert "Do not show me." not in everything.text_content()


def test_the_play_link_without_a_moment_is_left_out(
    client: FlaskClient, session: Session, world: World
) -> None:
    add_advice(session, world.episode, world.tom, "Write it down.", None)
    session.commit()
    page = _page(client, _episode_path(world))
    assert select(page, "li.advice-item")
    assert not select(page, "a.advice-play")


def test_advice_of_non_public_episodes_shows_nowhere(
    client: FlaskClient, session: Session, world: World, episodes_dir: Path
) -> None:
    draft = make_episode(session, world.show, episodes_dir, title="Draft", published_at=None)
    from tests.factories import add_guest

    add_guest(session, draft, "Priya Nair")
    add_topic(session, draft, "Shifts")
    add_topic(session, world.episode, "Shifts")
    hidden = add_advice(session, draft, world.priya, "Secret draft advice.")
    add_advice(session, world.episode, world.priya, "Public advice.")
    soon = make_episode(session, world.show, episodes_dir, title="Soon",
                        published_at=utc_now() + timedelta(days=3))  # fmt: skip
    soon.status = EpisodeStatus.SCHEDULED
    add_guest(session, soon, "Priya Nair")
    add_advice(session, soon, world.priya, "Scheduled advice.")
    session.commit()

    guest = _page(client, f"/guests/{world.priya.slug}").text_content()
    topic = _page(client, "/topics/shifts").text_content()
    for text in (guest, topic):
        assert "Public advice." in text
        assert "Secret draft advice." not in text and "Scheduled advice." not in text
    assert client.get(f"/advice/{hidden.id}/reports").status_code == 404
    assert client.get("/advice/999999/reports").status_code == 404


def test_guest_page_gathers_advice_across_shows(
    client: FlaskClient, session: Session, world: World, episodes_dir: Path
) -> None:
    from tests.factories import add_guest, make_show

    other_show = make_show(session, slug="second", title="Second Show")
    other = make_episode(session, other_show, episodes_dir, title="Second talk")
    add_guest(session, other, "Priya Nair")
    add_advice(session, world.episode, world.priya, "Ask for the night shift.")
    add_advice(session, other, world.priya, "Say no to one meeting a day.")
    add_advice(session, world.episode, world.tom, "Tom's advice.")
    session.commit()
    page = _page(client, f"/guests/{world.priya.slug}")
    texts = _texts(page, "section.advice .advice-text")
    assert sorted(texts) == ["“Ask for the night shift.”", "“Say no to one meeting a day.”"]
    assert "Second Show" in select(page, "section.advice")[0].text_content()


def test_a_trashed_guest_is_not_named_with_their_advice(
    client: FlaskClient, session: Session, world: World
) -> None:
    add_advice(session, world.episode, world.tom, "Write it down.")
    session.commit()
    guest_trash.trash_guest(session, world.tom)
    session.commit()
    section = select(_page(client, _episode_path(world)), "section.advice")[0]
    assert "Write it down." in section.text_content()
    assert "Tom Berg" not in section.text_content()


def test_json_ld_carries_advice_as_clips(
    client: FlaskClient, session: Session, world: World
) -> None:
    piece = add_advice(session, world.episode, world.priya, "Ask for the night shift.", 3.0)
    add_report(session, piece, "Ana", "Worked.")
    add_advice(session, world.episode, world.tom, "Write it down.", None)
    session.commit()
    page = client.get(_episode_path(world)).get_data(as_text=True)
    [raw] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    data = json.loads(raw)
    assert data["@type"] == "PodcastEpisode"
    clips = data["hasPart"]
    assert [clip["@type"] for clip in clips] == ["Clip", "Clip"]
    night = next(clip for clip in clips if clip["name"] == "Ask for the night shift.")
    assert night["startOffset"] == 3
    assert night["url"] == data["url"] + "?t=3"
    assert night["author"] == {
        "@type": "Person",
        "name": "Priya Nair",
        "url": data["actor"][0]["url"],
    }
    assert night["interactionStatistic"]["userInteractionCount"] == 1
    plain = next(clip for clip in clips if clip["name"] == "Write it down.")
    assert "startOffset" not in plain and plain["author"]["name"] == "Tom Berg"


def test_feed_show_notes_list_advice_escaped_and_follow_edits(
    client: FlaskClient, session: Session, world: World
) -> None:
    add_advice(session, world.episode, world.priya, "Ask for <b>night</b> shifts & rest.", 65.0)
    session.commit()
    feed_url = f"/{world.show.slug}/feed.xml"
    first = client.get(feed_url)
    parsed = feedparser.parse(first.data)
    [entry] = parsed.entries
    notes = entry.content[0].value
    assert "<h3>Advice in this episode</h3>" in notes
    assert (
        "<li>Priya Nair — Ask for &lt;b&gt;night&lt;/b&gt; shifts &amp; rest. (at 1:05)</li>"
        in notes
    )
    podcast = podcastparser.parse(feed_url, io.BytesIO(first.data))
    description = podcast["episodes"][0]["description_html"]
    assert "Ask for &lt;b&gt;night&lt;/b&gt; shifts &amp; rest." in description

    # Editing the advice through the studio changes the feed (its cache is stale at once).
    from tests.advice_helpers import post_form, sign_in_host

    sign_in_host(client, session, world)
    post_form(client, world.advice_url, world.advice_url, text="Sleep first.",
              guest_id=str(world.tom.id), moment="0:04")  # fmt: skip
    second = client.get(feed_url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    notes = feedparser.parse(second.data).entries[0].content[0].value
    assert "<li>Tom Berg — Sleep first. (at 0:04)</li>" in notes
