"""One of every page type the app serves, for the tests that check them all alike (security
headers over HTTP, the Content-Security-Policy in a browser)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import Episode
from showapp.services.catalog import chapters, writes
from showapp.services.catalog.chapters import ChapterEntry
from tests.factories import make_episode
from tests.review_helpers import create_link, local_path, make_draft
from tests.studio_helpers import login


@dataclass
class Pages:
    public: dict[str, str]  # name: path, for anyone
    studio: dict[str, str]  # for the signed-in host
    episode: Episode
    feed: str
    media: str


def make_every_page(session: Session, episodes_dir: Path, host: FlaskClient) -> Pages:
    """The show "leaders" with a published episode (guest, topic, chapters) and a draft under
    guest review; `host` ends up signed in as its host."""
    draft = make_draft(session, episodes_dir)
    episode = make_episode(
        session, draft.show, episodes_dir, title="Finding a sponsor", seconds=30,
        notes_md="Rosa on **sponsorship** and the zeppelin project.",
    )  # fmt: skip
    rosa = writes.find_or_create_guest(session, "Rosa Diaz", bio="Engineer and sponsor.")
    rosa.links = ["https://example.com/rosa"]
    writes.credit_guest(session, episode, rosa)
    writes.tag_topic(session, episode, writes.find_or_create_topic(session, "Sponsorship"))
    chapters.replace_chapters(
        session, episode,
        [ChapterEntry(0, "Welcome"), ChapterEntry(10, "Sponsors", "https://example.com/s")],
    )  # fmt: skip
    session.commit()
    login(host, "host@example.com")
    review = local_path(create_link(host, draft))
    studio = f"/studio/shows/{draft.show.slug}"
    return Pages(
        public={
            "home": "/",
            "show": "/leaders/",
            "episode": f"/leaders/episodes/{episode.slug}",
            "guest": "/guests/rosa-diaz",
            "topic": "/topics/sponsorship",
            "topics": "/topics/",
            "search": "/search?q=zeppelin",
            "embed": f"/embed/leaders/{episode.slug}",
            "review": review,
            "studio-login": "/studio/login",
        },
        studio={
            "studio-home": "/studio/",
            "episode-list": f"{studio}/episodes",
            "editor": f"{studio}/episodes/{episode.id}",
            "chapters": f"{studio}/episodes/{episode.id}/chapters",
            "settings": f"{studio}/settings",
            "host-review": draft.review_path,
        },
        episode=episode,
        feed="/leaders/feed.xml",
        media=f"/media/{episode.audio_file}",
    )
