"""Shared set-up for the advice tests: a show with a host, an episode with two credited guests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import Advice, AdviceReport, Episode, Guest, Moderation, Show
from tests.factories import add_guest, make_episode, make_show
from tests.studio_helpers import csrf_token, sign_in_new_user


@dataclass
class World:
    show: Show
    episode: Episode
    priya: Guest
    tom: Guest

    @property
    def advice_url(self) -> str:
        return f"/studio/shows/{self.show.slug}/episodes/{self.episode.id}/advice"


def make_world(session: Session, episodes_dir: Path, slug: str = "leaders") -> World:
    show = make_show(session, slug=slug, title="Leaders")
    episode = make_episode(session, show, episodes_dir, seconds=6.0, title="Night shifts")
    priya = add_guest(session, episode, "Priya Nair")
    tom = add_guest(session, episode, "Tom Berg")
    session.commit()
    return World(show, episode, priya, tom)


def sign_in_host(client: FlaskClient, session: Session, world: World) -> FlaskClient:
    return sign_in_new_user(client, session, "host@example.com", shows=[world.show])


def post_form(client: FlaskClient, page: str, url: str, **fields: str) -> tuple[int, str]:
    """Post `fields` to `url` with the CSRF token and episode version that `page` carries."""
    html = client.get(page).get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, page), **fields}
    if 'name="version" value="' in html and "version" not in fields:
        form["version"] = html.split('name="version" value="')[1].split('"')[0]
    response = client.post(url, data=form)
    return response.status_code, response.get_data(as_text=True)


def add_advice(
    session: Session, episode: Episode, guest: Guest | None, text: str, start: float | None = 1.0
) -> Advice:
    advice = Advice(episode_id=episode.id, guest_id=guest.id if guest else None, text=text,
                    start_seconds=start, position=len(text) % 7)  # fmt: skip
    session.add(advice)
    session.flush()
    return advice


def add_report(
    session: Session, advice: Advice, name: str, story: str, *, consent: bool = True,
    status: Moderation = Moderation.APPROVED, reply: str = "",
) -> AdviceReport:  # fmt: skip
    report = AdviceReport(advice_id=advice.id, name=name, story=story, consent_to_publish=consent,
                          status=status, host_reply=reply)  # fmt: skip
    session.add(report)
    session.flush()
    return report
