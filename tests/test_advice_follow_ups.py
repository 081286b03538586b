"""Follow-ups through the real app: setting them (quick choices, dates, guest and advice of
the show only), marking done, deleting, and the studio home's list of those due, by the
show's own calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import FollowUp
from showapp.services.advice import follow_ups
from tests.advice_helpers import World, add_advice, make_world, post_form, sign_in_host
from tests.factories import add_guest, make_episode, make_show
from tests.studio_helpers import csrf_token, sign_in_new_user


@pytest.fixture
def world(session: Session, episodes_dir: Path) -> World:
    return make_world(session, episodes_dir)


def _url(world: World) -> str:
    return f"/studio/shows/{world.show.slug}/follow-ups"


def _stored(session: Session) -> list[FollowUp]:
    session.expire_all()
    return list(session.scalars(select(FollowUp).order_by(FollowUp.id)))


def test_months_later_keeps_the_day_or_takes_the_months_last() -> None:
    assert follow_ups.months_later(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert follow_ups.months_later(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert follow_ups.months_later(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_a_host_sets_marks_done_and_deletes_follow_ups(
    client: FlaskClient, session: Session, world: World
) -> None:
    piece = add_advice(session, world.episode, world.priya, "Ask for the night shift.")
    session.commit()
    sign_in_host(client, session, world)
    url = _url(world)
    prefilled = client.get(f"{url}?guest={world.priya.id}&advice={piece.id}").get_data(as_text=True)
    assert f'<option value="{world.priya.id}" selected>' in prefilled
    assert f'<option value="{piece.id}" selected>' in prefilled

    chosen = {"guest_id": str(world.priya.id), "advice_id": str(piece.id)}
    note = "Ask Priya how the night-shift scheme went."
    status, _ = post_form(client, url, url, note=note, quick="6", **chosen)
    assert status == 303
    status, _ = post_form(client, url, url, note="Check in with Tom.", due_on="2020-01-01")
    assert status == 303
    later, overdue = _stored(session)
    today = follow_ups.show_today(world.show)
    assert later.due_on == follow_ups.months_later(today, 6)
    assert (later.guest_id, later.advice_id) == (world.priya.id, piece.id)
    assert overdue.due_on == date(2020, 1, 1) and overdue.guest_id is None

    page = client.get(url).get_data(as_text=True)
    assert "Ask Priya how the night-shift scheme went." in page and "Due" in page
    home = client.get("/studio/").get_data(as_text=True)
    assert "Check in with Tom." in home
    assert "Ask Priya how the night-shift" not in home  # not due for six months

    assert post_form(client, url, f"{url}/{overdue.id}/done")[0] == 303
    assert _stored(session)[1].done_at is not None
    assert "Check in with Tom." not in client.get("/studio/").get_data(as_text=True)
    assert post_form(client, url, f"{url}/{later.id}/delete")[0] == 303
    assert [f.id for f in _stored(session)] == [overdue.id]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"note": ""}, "The note is required"),
        ({"note": "x" * 501}, "keep it to 500"),
        ({"due_on": ""}, "The due date is required"),
        ({"due_on": "31/12/2026"}, "The due date is required"),
        ({"quick": "5"}, "Choose 3, 6 or 12 months"),
        ({"guest_id": "999999"}, "Choose the guest from the list"),
        ({"advice_id": "999999"}, "Choose the piece of advice from the list"),
    ],
)
def test_bad_follow_ups_are_refused_and_nothing_stored(
    client: FlaskClient, session: Session, world: World, fields: dict[str, str], message: str
) -> None:
    sign_in_host(client, session, world)
    form = {"note": "Ask again.", "due_on": "2030-05-01", "quick": ""} | fields
    status, page = post_form(client, _url(world), _url(world), **form)
    assert status == 400 and message in page
    assert _stored(session) == []


def test_the_guest_and_advice_of_another_show_are_refused(
    client: FlaskClient, session: Session, world: World, episodes_dir: Path
) -> None:
    other_show = make_show(session, slug="other-show")
    other = make_episode(session, other_show, episodes_dir)
    stranger = add_guest(session, other, "Someone Else")
    foreign = add_advice(session, other, stranger, "Not yours.")
    session.commit()
    sign_in_host(client, session, world)
    for fields in ({"guest_id": str(stranger.id)}, {"advice_id": str(foreign.id)}):
        status, _ = post_form(client, _url(world), _url(world), note="Hi.", quick="3", **fields)
        assert status == 400
    assert _stored(session) == []


def test_due_follows_the_shows_time_zone(session: Session, world: World) -> None:
    # 23:30 UTC on 1 March is already 2 March in Auckland, still 1 March in London.
    now = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    auckland = make_show(session, slug="kiwi", timezone="Pacific/Auckland")
    world.show.timezone = "Europe/London"
    for show in (world.show, auckland):
        session.add(FollowUp(show_id=show.id, note=f"Due in {show.slug}", due_on=date(2026, 3, 2)))
    session.add(FollowUp(show_id=world.show.id, note="Done", due_on=date(2026, 1, 1),
                         done_at=now))  # fmt: skip
    session.flush()
    due = follow_ups.due_follow_ups(session, [world.show, auckland], now)
    assert [row.note for row in due.get(auckland.id, [])] == ["Due in kiwi"]
    assert due.get(world.show.id, []) == []


def test_the_probe_set(client: FlaskClient, session: Session, world: World) -> None:
    url = _url(world)
    assert client.get(url).status_code == 303
    session.add(FollowUp(show_id=world.show.id, note="Theirs", due_on=date(2030, 1, 1)))
    session.commit()
    [theirs] = _stored(session)
    other = make_show(session, slug="elsewhere")
    sign_in_new_user(client, session, "other@example.com", shows=[other])
    assert client.get(url).status_code == 403
    token = csrf_token(client, "/studio/")
    assert client.post(f"{url}/{theirs.id}/done", data={"csrf_token": token}).status_code == 403
    own = "/studio/shows/elsewhere/follow-ups"
    # Another show's follow-up is unknown under this show's address.
    assert client.post(f"{own}/{theirs.id}/delete", data={"csrf_token": token}).status_code == 404
    assert client.post(own, data={"note": "x", "quick": "3"}).status_code == 400  # no CSRF
    assert client.post(f"{own}/999999/done", data={"csrf_token": token}).status_code == 404
    assert [f.id for f in _stored(session)] == [theirs.id]
    assert _stored(session)[0].done_at is None
