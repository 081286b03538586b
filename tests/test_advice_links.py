"""Links between guests (mentored, sponsored) and between episodes (a follow-up episode and
the one it follows up), from the studio forms to the public pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, GuestLink, GuestLinkKind, UserRole
from showapp.services.catalog import guest_trash
from tests.advice_helpers import World, make_world, post_form
from tests.factories import add_guest, add_topic, make_episode, make_show
from tests.studio_helpers import csrf_token, edit_form, sign_in_new_user
from tests.test_advice_public import _texts
from tests.test_advice_public import select as css


@pytest.fixture
def world(session: Session, episodes_dir: Path) -> World:
    return make_world(session, episodes_dir)


def _links(session: Session) -> list[tuple[int, int, GuestLinkKind, str]]:
    session.expire_all()
    rows = session.scalars(select(GuestLink).order_by(GuestLink.id))
    return [(r.from_guest_id, r.to_guest_id, r.kind, r.note) for r in rows]


def _network(client: FlaskClient, slug: str) -> dict[str, list[str]]:
    from lxml import html

    page = html.fromstring(client.get(f"/guests/{slug}").get_data(as_text=True))
    return {
        group.xpath("string(h3)"): _texts(group, "li a")
        for group in css(page, "section.guest-network div")
        if group.xpath("h3")
    }


def test_an_admin_links_guests_and_listeners_walk_the_links(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)
    page = f"/studio/guests/{world.priya.slug}"
    url = f"{page}/links"
    assert "a sponsor put their own reputation on the line" in client.get(page).get_data(
        as_text=True
    )
    assert post_form(client, page, url, relation="mentored", other=world.tom.slug,
                     note="Ten years of Friday calls")[0] == 303  # fmt: skip
    assert post_form(client, page, url, relation="sponsored_by", other=world.tom.slug)[0] == 303
    assert _links(session) == [
        (world.priya.id, world.tom.id, GuestLinkKind.MENTOR, "Ten years of Friday calls"),
        (world.tom.id, world.priya.id, GuestLinkKind.SPONSOR, ""),
    ]
    assert _network(client, world.priya.slug) == {
        "Mentored": ["Tom Berg"],
        "Sponsored by": ["Tom Berg"],
    }
    assert _network(client, world.tom.slug) == {
        "Mentored by": ["Priya Nair"],
        "Sponsored": ["Priya Nair"],
    }
    assert "Ten years of Friday calls" in client.get(f"/guests/{world.tom.slug}").get_data(
        as_text=True
    )

    [mentor_link, _] = session.scalars(select(GuestLink.id).order_by(GuestLink.id)).all()
    assert post_form(client, page, f"{url}/{mentor_link}/delete")[0] == 303
    assert _network(client, world.tom.slug) == {"Sponsored": ["Priya Nair"]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"other": "priya-nair"}, "cannot mentor or sponsor themselves"),
        ({"other": "nobody-at-all"}, "No guest is called"),
        ({"relation": "adored"}, "Choose mentored, sponsored"),
        ({"note": "n" * 281}, "keep it to 280"),
    ],
)
def test_bad_links_are_refused(
    client: FlaskClient, session: Session, world: World, fields: dict[str, str], message: str
) -> None:
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)
    page = f"/studio/guests/{world.priya.slug}"
    form = {"relation": "mentored", "other": world.tom.slug, "note": ""} | fields
    status, html = post_form(client, page, f"{page}/links", **form)
    assert status == 400 and message in html
    assert _links(session) == []


def test_a_duplicate_link_is_refused_with_a_clear_message(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)
    priya, tom = f"/studio/guests/{world.priya.slug}", f"/studio/guests/{world.tom.slug}"
    assert (
        post_form(client, priya, f"{priya}/links", relation="mentored", other="Tom Berg")[0] == 303
    )
    # The same link said from the other end.
    status, html = post_form(
        client, tom, f"{tom}/links", relation="mentored_by", other="Priya Nair"
    )
    assert status == 400 and "That is recorded already: Priya Nair mentored Tom Berg." in html
    assert len(_links(session)) == 1


def test_only_public_guests_are_linked(
    client: FlaskClient, session: Session, world: World, episodes_dir: Path
) -> None:
    unheard = make_episode(session, world.show, episodes_dir, published_at=None)
    draft_only = add_guest(session, unheard, "Draft Only")
    trashed = add_guest(session, world.episode, "Trashed Guest")
    for other in (draft_only, trashed, world.tom):
        session.add(GuestLink(from_guest_id=other.id, to_guest_id=world.priya.id,
                              kind=GuestLinkKind.MENTOR))  # fmt: skip
    session.commit()
    guest_trash.trash_guest(session, trashed)
    session.commit()
    assert _network(client, world.priya.slug) == {"Mentored by": ["Tom Berg"]}


def test_the_probe_set(client: FlaskClient, session: Session, world: World) -> None:
    url = f"/studio/guests/{world.priya.slug}/links"
    assert client.post(url, data={"relation": "mentored", "other": "tom-berg"}).status_code == 303
    sign_in_new_user(client, session, "host@example.com", shows=[world.show])
    token = csrf_token(client, "/studio/")
    form = {"csrf_token": token, "relation": "mentored", "other": "tom-berg"}
    assert client.post(url, data=form).status_code == 403  # guests are the admins'
    client.post("/studio/logout", data={"csrf_token": token})
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)
    token = csrf_token(client, "/studio/")
    assert client.post(url, data={"relation": "mentored", "other": "tom-berg"}).status_code == 400
    form = {"csrf_token": token, "relation": "mentored", "other": "tom-berg"}
    assert client.post("/studio/guests/nobody/links", data=form).status_code == 404
    gone = f"{url}/999999/delete"
    assert client.post(gone, data={"csrf_token": token}).status_code == 404
    assert _links(session) == []


# Follow-up episodes


def test_an_episode_follows_up_another_and_both_pages_link_it(
    client: FlaskClient, session: Session, world: World, episodes_dir: Path
) -> None:
    later = make_episode(session, world.show, episodes_dir, title="Night shifts, a year on")
    add_topic(session, world.episode, "Shifts")
    for _ in range(5):  # more topic-related episodes than related shows
        add_topic(session, make_episode(session, world.show, episodes_dir), "Shifts")
    session.commit()
    sign_in_new_user(client, session, "host@example.com", shows=[world.show])
    editor = f"/studio/shows/{world.show.slug}/episodes/{later.id}"
    page = client.get(editor).get_data(as_text=True)
    assert f'<option value="{world.episode.id}">Night shifts</option>' in page
    form = edit_form(client, editor, title=later.title, status="published",
                     follows_up=str(world.episode.id))  # fmt: skip
    form["publish_at"] = ""
    response = client.post(editor, data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[-600:]
    session.expire_all()
    assert session.get(Episode, later.id).follows_up_id == world.episode.id  # type: ignore[union-attr]

    earlier_page = client.get(f"/{world.show.slug}/episodes/{world.episode.slug}")
    text = earlier_page.get_data(as_text=True)
    assert "Followed up in:" in text and f'/episodes/{later.slug}">Night shifts, a year on' in text
    later_page = client.get(f"/{world.show.slug}/episodes/{later.slug}").get_data(as_text=True)
    assert f'Follows up: <a href="/{world.show.slug}/episodes/{world.episode.slug}"' in later_page
    from lxml import html

    related = _texts(html.fromstring(text), "section.related li a")
    assert related[0] == "Night shifts, a year on"


def test_a_draft_follow_up_is_not_linked_and_other_shows_are_refused(
    client: FlaskClient, session: Session, world: World, episodes_dir: Path
) -> None:
    draft = make_episode(session, world.show, episodes_dir, title="Draft follow-up",
                         published_at=None)  # fmt: skip
    draft.follows_up_id = world.episode.id
    foreign = make_episode(session, make_show(session, slug="other"), episodes_dir)
    session.commit()
    text = client.get(f"/{world.show.slug}/episodes/{world.episode.slug}").get_data(as_text=True)
    assert "Followed up in" not in text and "Draft follow-up" not in text

    sign_in_new_user(client, session, "host@example.com", shows=[world.show])
    editor = f"/studio/shows/{world.show.slug}/episodes/{draft.id}"
    form = edit_form(client, editor, title=draft.title, follows_up=str(foreign.id))
    response = client.post(editor, data=form)
    assert response.status_code == 400
    assert "follows up another episode of the same show" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Episode, draft.id).follows_up_id == world.episode.id  # type: ignore[union-attr]
