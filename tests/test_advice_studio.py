"""The episode's Advice tab through the real app: who may use it, what it refuses, and what a
host's edits leave in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Advice
from tests.advice_helpers import World, make_world, post_form, sign_in_host
from tests.factories import make_show
from tests.studio_helpers import csrf_token, sign_in_new_user


@pytest.fixture
def world(session: Session, episodes_dir: Path) -> World:
    return make_world(session, episodes_dir)


def _stored(session: Session, world: World) -> list[tuple[str, int | None, float | None]]:
    session.expire_all()
    query = (
        select(Advice)
        .where(Advice.episode_id == world.episode.id)
        .order_by(Advice.position, Advice.id)
    )
    return [(a.text, a.guest_id, a.start_seconds) for a in session.scalars(query)]


def test_a_host_adds_edits_reorders_and_deletes_advice(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in_host(client, session, world)
    url = world.advice_url
    status, _ = post_form(client, url, url, text="Ask for the night shift.",
                          guest_id=str(world.priya.id), moment="0:02")  # fmt: skip
    assert status == 303
    post_form(client, url, url, text="Write it down.", guest_id=str(world.tom.id), moment="")
    assert _stored(session, world) == [
        ("Ask for the night shift.", world.priya.id, 2.0),
        ("Write it down.", world.tom.id, None),
    ]
    page = client.get(url).get_data(as_text=True)
    assert "Ask for the night shift." in page and "0:02" in page

    first, second = (a.id for a in session.scalars(select(Advice).order_by(Advice.position)))
    status, _ = post_form(client, url, f"{url}/{second}/move", direction="up")
    assert status == 303
    assert [text for text, *_ in _stored(session, world)] == [
        "Write it down.",
        "Ask for the night shift.",
    ]
    status, _ = post_form(client, url, f"{url}/{first}", text="Ask for the night shift, twice.",
                          guest_id=str(world.tom.id), moment="0:01")  # fmt: skip
    assert status == 303
    assert ("Ask for the night shift, twice.", world.tom.id, 1.0) in _stored(session, world)
    status, _ = post_form(client, url, f"{url}/{second}/delete")
    assert status == 303
    assert _stored(session, world) == [("Ask for the night shift, twice.", world.tom.id, 1.0)]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "   "}, "The advice is required"),
        ({"text": "x" * 281}, "281 characters long; keep it to 280"),
        ({"guest_id": "999999"}, "Choose the guest who gave the advice"),
        ({"guest_id": ""}, "Choose the guest who gave the advice"),
        ({"moment": "0:09"}, "after the audio ends"),
        ({"moment": "ten past"}, "is not a time"),
        ({"moment": "1:75"}, "seconds and minutes go up to 59"),
    ],
)
def test_bad_advice_is_refused_with_a_message_and_nothing_stored(
    client: FlaskClient, session: Session, world: World, fields: dict[str, str], message: str
) -> None:
    sign_in_host(client, session, world)
    form = {"text": "Ask for the night shift.", "guest_id": str(world.priya.id), "moment": "0:01"}
    status, page = post_form(client, world.advice_url, world.advice_url, **(form | fields))
    assert status == 400
    assert message in page
    assert _stored(session, world) == []


def test_a_guest_of_another_episode_cannot_be_credited(
    client: FlaskClient, session: Session, world: World, episodes_dir: Path
) -> None:
    from tests.factories import add_guest, make_episode

    other = make_episode(session, world.show, episodes_dir, title="Elsewhere")
    stranger = add_guest(session, other, "Someone Else")
    session.commit()
    sign_in_host(client, session, world)
    status, page = post_form(client, world.advice_url, world.advice_url, text="Hi.",
                             guest_id=str(stranger.id), moment="")  # fmt: skip
    assert status == 400 and "from the episode&#39;s guests" in page
    assert _stored(session, world) == []


def test_script_text_is_stored_and_shown_as_text(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in_host(client, session, world)
    script = "<script>alert(1)</script> & be brave"
    post_form(client, world.advice_url, world.advice_url, text=script,
              guest_id=str(world.priya.id), moment="")  # fmt: skip
    assert _stored(session, world)[0][0] == script
    studio = client.get(world.advice_url).get_data(as_text=True)
    public = client.get(f"/{world.show.slug}/episodes/{world.episode.slug}").get_data(as_text=True)
    for page in (studio, public):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; be brave" in page


def test_a_stale_page_gets_409_and_changes_nothing(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in_host(client, session, world)
    url = world.advice_url
    stale = {"version": str(world.episode.version)}
    post_form(client, url, url, text="First.", guest_id=str(world.priya.id), moment="")
    status, page = post_form(client, url, url, text="Second.", guest_id=str(world.tom.id),
                             moment="", **stale)  # fmt: skip
    assert status == 409
    assert "Someone else changed this episode" in page and "Second." in page
    assert [text for text, *_ in _stored(session, world)] == ["First."]


def test_the_probe_set(client: FlaskClient, session: Session, world: World) -> None:
    url = world.advice_url
    assert client.get(url).status_code == 303  # anonymous: to sign in
    assert "/studio/login" in client.get(url).headers["Location"]

    other = make_show(session, slug="elsewhere")
    sign_in_new_user(client, session, "other@example.com", shows=[other])
    assert client.get(url).status_code == 403
    token = csrf_token(client, "/studio/")
    form = {"csrf_token": token, "text": "Hi.", "guest_id": str(world.priya.id)}
    assert client.post(url, data=form).status_code == 403
    client.post("/studio/logout", data={"csrf_token": token})

    sign_in_host(client, session, world)
    no_csrf = {"text": "Hi.", "guest_id": str(world.priya.id), "moment": ""}
    assert client.post(url, data=no_csrf).status_code == 400
    base = f"/studio/shows/{world.show.slug}/episodes"
    assert client.get(f"{base}/999999/advice").status_code == 404
    status, _ = post_form(client, url, f"{url}/999999", text="Hi.", guest_id=str(world.tom.id))
    assert status == 404
    assert post_form(client, url, f"{url}/999999/delete")[0] == 404
    assert post_form(client, url, f"{url}/999999/move", direction="up")[0] == 404
    assert _stored(session, world) == []


def test_the_tab_sits_among_the_episode_tabs(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in_host(client, session, world)
    chapters = client.get(f"{world.advice_url.removesuffix('/advice')}/chapters")
    assert f'href="{world.advice_url}"' in chapters.get_data(as_text=True)
