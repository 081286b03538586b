"""An empty topic feed answers 404: a show's feed for a topic none of its live episodes is
tagged with does not exist, and one whose last episode leaves the topic goes away."""

from __future__ import annotations

from pathlib import Path

import feedparser
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import EpisodeStatus
from tests.factories import add_topic, make_episode, make_show


def test_a_topic_feed_with_no_live_episode_is_404(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    pod = make_show(session, slug="pod", title="Pod")
    other = make_show(session, slug="other", title="Other")
    tagged = make_episode(session, other, episodes_dir, title="Elsewhere")
    add_topic(session, tagged, "Sponsorship")
    draft = make_episode(session, pod, episodes_dir, title="Not yet", published_at=None)
    add_topic(session, draft, "Sponsorship")
    session.commit()
    # The topic exists and the other show has it, but none of pod's live episodes do.
    assert client.get("/other/topics/sponsorship/feed.xml").status_code == 200
    empty = client.get("/pod/topics/sponsorship/feed.xml")
    assert empty.status_code == 404
    assert client.get("/pod/topics/no-such-topic/feed.xml").status_code == 404

    live = make_episode(session, pod, episodes_dir, title="Now live")
    add_topic(session, live, "Sponsorship")
    session.commit()
    found = client.get("/pod/topics/sponsorship/feed.xml")
    assert found.status_code == 200
    assert [e.title for e in feedparser.parse(found.data).entries] == ["Now live"]

    # Its one live episode goes back to draft: the feed is gone again, not an empty 200.
    live.status = EpisodeStatus.DRAFT
    live.published_at = None
    session.commit()
    assert client.get("/pod/topics/sponsorship/feed.xml").status_code == 404
