"""Every studio URL rule, requested as anonymous, as a host of another show and as an admin.

The walk reads app.url_map, so a new studio route is covered the moment it exists; a new POST
route fails here until it has a sample request below that an admin may make.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from showapp.models import (
    Advice,
    Episode,
    FollowUp,
    Guest,
    GuestLink,
    GuestLinkKind,
    MailKind,
    MailStatus,
    MentorStory,
    UserRole,
)
from showapp.services import accounts
from showapp.services.audio import retagging
from showapp.services.catalog import chapters, guest_trash, show_trash, trash, writes
from showapp.services.catalog.chapters import ChapterEntry
from showapp.services.importing import jobs as import_jobs
from showapp.services.jobs import runs as job_runs
from showapp.services.mail import outbox
from showapp.services.review import comments as review_comments
from showapp.services.review import links as review_links
from showapp.storage import LocalStorage
from tests.conftest import BASE_URL
from tests.factories import add_guest, add_topic, make_episode, make_mp3, make_show
from tests.studio_helpers import csrf_token, login, make_user

PUBLIC = {"studio.login", "studio.accept_invite"}
LAST_DELETES = {"studio.delete_advice", "studio.delete_follow_up", "studio.delete_guest_link"}
CHAPTERS_JSON = b'{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Start"}]}'
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n<v Ada>Hello there.\n"


def _png(size: int) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (10, 80, 160)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


SMALL_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Other</title>'
    b"<item><title>One</title><guid>other-1</guid>"
    b'<enclosure url="https://cdn.example/1.mp3" length="1" type="audio/mpeg"/></item>'
    b"</channel></rss>"
)


# What an admin sends to each POST endpoint: a real, valid request for it.
SAMPLE_POSTS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "studio.login": lambda ids: {"email": "admin@example.com", "password": ids["password"]},
    "studio.logout": lambda ids: {},
    "studio.retry_job": lambda ids: {},
    "studio.accept_invite": lambda ids: {"password": "a brand new password"},
    "studio.upload_episode": lambda ids: {"audio": (io.BytesIO(make_mp3(2.0)), "talk.mp3")},
    "studio.edit_episode": lambda ids: {
        "version": str(ids["version"]),
        "title": "Renamed",
        "status": "draft",
        "episode_type": "full",
        "topics": "Mentoring",
        # Keeps the guest credited, for the guest review samples.
        "guests-0-name": "Grace Lee",
        "guests-0-role": "guest",
    },
    "studio.preview_notes": lambda ids: {"notes_md": "**hi**"},
    "studio.new_show": lambda ids: {
        "title": "Brand new",
        "language": "en",
        "category": "Business",
        "subcategory": "Careers",
        "show_type": "episodic",
        "timezone": "Europe/Berlin",
    },
    "studio.edit_show": lambda ids: {
        "title": "Leaders renamed",
        "language": "en",
        "category": "Business",
        "subcategory": "",
        "show_type": "serial",
        "timezone": "UTC",
    },
    "studio.upload_show_artwork": lambda ids: {"artwork": (_png(1400), "cover.png")},
    "studio.edit_network": lambda ids: {"name": "Northwind", "logo": (_png(300), "logo.png")},
    "studio.upload_guest_photo": lambda ids: {"photo": (_png(300), "photo.png")},
    "studio.delete_guest_photo": lambda ids: {},
    "studio.users": lambda ids: {"email": "third@example.com", "name": "Third"},
    "studio.edit_user": lambda ids: {"shows": [ids["other_show_id"]]},
    "studio.set_user_active": lambda ids: {"active": "1"},
    "studio.reinvite_user": lambda ids: {},
    "studio.edit_chapters": lambda ids: {"start": ["0", "0:00:01.5"], "title": ["Hi", "Talk"]},
    "studio.upload_chapters": lambda ids: {
        "chapters_file": (io.BytesIO(CHAPTERS_JSON), "chapters.json")
    },
    "studio.chapters_from_audio": lambda ids: {},
    "studio.edit_transcripts": lambda ids: {
        "transcript": (io.BytesIO(VTT), "talk.vtt"),
        "language": "en",
    },
    "studio.edit_soundbites": lambda ids: {"start": "0.5", "duration": "2", "title": "Bite"},
    "studio.replace_audio": lambda ids: {"audio": (io.BytesIO(make_mp3(3.0, seed=77)), "v2.mp3")},
    "studio.edit_guest": lambda ids: {"name": "Grace Hopper", "slug": ids["guest_slug"]},
    "studio.merge_guest": lambda ids: {"into": "grace-m-hopper"},
    "studio.edit_topic": lambda ids: {"name": "Mentoring", "slug": ids["topic_slug"]},
    "studio.merge_topic": lambda ids: {"into": "mentorship"},
    "studio.delete_topic": lambda ids: {},
    # Without "confirm" a delete or purge only asks; restoring takes "Binned" out of the trash.
    "studio.delete_episode": lambda ids: {},
    "studio.purge_episode": lambda ids: {},
    "studio.restore_episode": lambda ids: {},
    # The same for guests: "Ada Binned" waits in the network trash.
    "studio.delete_guest": lambda ids: {},
    "studio.purge_guest": lambda ids: {},
    "studio.restore_guest": lambda ids: {},
    # And for shows: "Binned show" waits in the network trash.
    "studio.delete_show": lambda ids: {},
    "studio.purge_show": lambda ids: {},
    "studio.restore_show": lambda ids: {},
    "studio.refresh_downloads": lambda ids: {"days": "7"},
    "studio.save_review_link": lambda ids: {
        "guest_id": ids["guest_id"],
        "days": "7",
        "message": "Have a listen",
        "action": "create",
    },
    "studio.answer_review_comment": lambda ids: {
        "comment_id": ids["comment_id"],
        "body": "Done.",
        "action": "reply",
    },
    # The world's held message; SMTP is "set" in this module (to a port nothing listens on).
    "studio.resend_message": lambda ids: {},
    "studio.edit_advice": lambda ids: {
        "version": str(ids["version"]),
        "text": "Ask for the night shift.",
        "guest_id": str(ids["guest_id"]),
    },
    "studio.update_advice": lambda ids: {
        "version": str(ids["version"]),
        "text": "Ask for the day shift.",
        "guest_id": str(ids["guest_id"]),
        "moment": "0:01",
    },
    "studio.move_advice": lambda ids: {"version": str(ids["version"]), "direction": "down"},
    "studio.delete_advice": lambda ids: {"version": str(ids["version"])},
    "studio.follow_ups": lambda ids: {"note": "Ask Grace how it went.", "quick": "3"},
    "studio.finish_follow_up": lambda ids: {},
    "studio.delete_follow_up": lambda ids: {},
    "studio.add_guest_link": lambda ids: {"relation": "mentored", "other": "grace-lee"},
    "studio.delete_guest_link": lambda ids: {},
    "studio.import_show": lambda ids: {
        "show": "other",
        "source_file": (io.BytesIO(SMALL_FEED), "feed.xml"),
    },
    # A listener's mentor story waits in the show's queue (kind "story", item_id).
    "studio.moderate_listener_post": lambda ids: {"action": "approve"},
    "studio.reject_listener_posts": lambda ids: {"items": [f"story-{ids['item_id']}"]},
    "studio.story_to_episode": lambda ids: {},
    "studio.story_to_guest": lambda ids: {"who": "mentor"},
}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # "Send again" needs an SMTP server set; nothing is sent (no mail runner in tests).
    return {**app_config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": 9}


@pytest.fixture
def world(app: Flask, session: Session, episodes_dir: Path) -> dict[str, Any]:
    show = make_show(session, slug="leaders")
    other = make_show(session, slug="other")
    # A draft (guest review needs one) whose audio carries chapters, so "take chapters from
    # the audio file" has some to take, with guests and topics to merge and a guest reviewing.
    episode = make_episode(session, show, episodes_dir, published_at=None)
    chapters.replace_chapters(session, episode, [ChapterEntry(0.0, "Start")])
    with retagging.tag_episode_audio(session, episode, LocalStorage(episodes_dir), BASE_URL):
        session.flush()
    for name in ("Grace Hopper", "Grace M Hopper"):
        add_guest(session, episode, name)
    for name in ("Mentoring", "Mentorship"):
        add_topic(session, episode, name)
    guest = writes.find_or_create_guest(session, "Grace Lee")
    writes.credit_guest(session, episode, guest)
    link = review_links.create_link(session, episode, guest.id, days=7, message="")
    comment = review_comments.add_guest_comment(
        session, link, review_comments.CommentInput(body="Cut the cough"), None
    )
    advice = Advice(episode_id=episode.id, guest_id=guest.id, text="Write it down.")
    follow_up = FollowUp(show_id=show.id, note="Ask Grace again.", due_on=date(2030, 1, 1))
    hopper = session.scalars(select(Guest).where(Guest.slug == "grace-hopper")).one()
    mentor = GuestLink(from_guest_id=hopper.id, to_guest_id=guest.id, kind=GuestLinkKind.SPONSOR)
    session.add_all([advice, follow_up, mentor])
    binned = make_episode(session, show, episodes_dir, title="Binned")
    trash.trash_episode(session, binned)
    binned_guest = add_guest(session, binned, "Ada Binned")
    guest_trash.trash_guest(session, binned_guest)
    binned_show = make_show(session, slug="binned-show", title="Binned show")
    show_trash.trash_show(session, binned_show)
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    host = make_user(session, "host@example.com", shows=[other])
    invited, token = accounts.invite_host(session, "invited@example.com", "", [show.id])
    # An import the host started (hosts see their own imports, admins every one).
    job = import_jobs.create_job(
        session, user=host, source="feed.xml", show=other, download_media=False
    )
    # Mail about the host's show, held for want of an SMTP server: the host may open it.
    held = outbox.queue_message(
        session, to="grace@example.com", subject="Please listen", text="Hello",
        kind=MailKind.REVIEW_LINK, show_id=other.id,
    )  # fmt: skip
    assert held is not None
    held.status = MailStatus.HELD
    story = MentorStory(show_id=show.id, mentor_name="Mrs Okafor", story="She asked.", name="L")
    session.add(story)
    # A failed job about the host's show, to be run again (it fails again: nothing listens).
    run = job_runs.create_run(
        session, "feeds.ping", {"url": "http://127.0.0.1:9/hub", "method": "GET"},
        label="Announce", show_id=other.id,
    )  # fmt: skip
    job_runs.mark_error(session, run, "PingFailed", will_retry=False)
    session.commit()
    return {
        "run_id": run.id,
        "message_id": held.id,
        "show_slug": show.slug,
        "kind": "story",
        "item_id": story.id,
        "episode_id": episode.id,
        "version": episode.version,
        "user_id": host.id,
        "token": token,
        "other_show_id": other.id,
        "guest_slug": "grace-hopper",
        "topic_slug": "mentoring",
        "job_id": job.id,
        "password": "correct horse battery",
        "table": "episodes",
        "guest_id": guest.id,
        "comment_id": comment.id,
        "trashed_id": binned.id,
        "trashed_guest_id": binned_guest.id,
        "trashed_show_id": binned_show.id,
        "advice_id": advice.id,
        "follow_up_id": follow_up.id,
        "link_id": mentor.id,
    }


def studio_rules(app: Flask) -> list[Rule]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("studio.")]
    assert len(rules) >= 10
    return rules


def _calls(app: Flask) -> list[tuple[Rule, str]]:
    # Replacing the audio drops the chapters the world's audio carries, which "take chapters
    # from the audio" reads: it goes last, whatever order the routes were registered in.
    # Deleting a piece of advice, a follow-up or a guest link comes after the routes that
    # edit them.
    rules = sorted(
        studio_rules(app),
        key=lambda rule: (rule.endpoint == "studio.replace_audio", rule.endpoint in LAST_DELETES),
    )
    return [
        (rule, method)
        for rule in rules
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


def _url(app: Flask, rule: Rule, ids: dict[str, Any]) -> str:
    values = {name: ids[name] for name in rule.arguments}
    with app.test_request_context():
        adapter = app.url_map.bind("podcast.test")
        return adapter.build(rule.endpoint, values)


def _request(client: FlaskClient, method: str, url: str, data: dict[str, Any]) -> Any:
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data=data, content_type="multipart/form-data")
    # Read and close: some routes stream files (review audio, the export zip).
    response.get_data()
    response.close()
    return response


def test_every_post_route_has_a_sample(app: Flask) -> None:
    posts = {rule.endpoint for rule, method in _calls(app) if method == "POST"}
    missing = posts - set(SAMPLE_POSTS)
    assert not missing, f"add a sample admin request to SAMPLE_POSTS for {sorted(missing)}"


def test_anonymous_visitors_are_sent_to_sign_in(
    app: Flask, world: dict[str, Any], episodes_dir: Path
) -> None:
    before = sorted(p for p in episodes_dir.rglob("*"))
    for rule, method in _calls(app):
        client = app.test_client()
        url = _url(app, rule, world)
        data = {"csrf_token": "x", **SAMPLE_POSTS.get(rule.endpoint, lambda ids: {})(world)}
        response = _request(client, method, url, data)
        where = f"{method} {url}"
        if rule.endpoint in PUBLIC:
            assert response.status_code < 500, where
            continue
        assert response.status_code in (303, 401, 403), where
        if response.status_code == 303:
            assert response.location.startswith("/studio/login"), where
    assert sorted(p for p in episodes_dir.rglob("*")) == before


def test_a_host_of_another_show_gets_403(
    app: Flask, world: dict[str, Any], episodes_dir: Path
) -> None:
    before = sorted(p for p in episodes_dir.rglob("*"))
    for rule, method in _calls(app):
        if rule.endpoint in PUBLIC:
            continue
        client = app.test_client()
        login(client, "host@example.com")
        token = csrf_token(client, "/studio/")
        data = {"csrf_token": token, **SAMPLE_POSTS.get(rule.endpoint, lambda ids: {})(world)}
        url = _url(app, rule, world)
        response = _request(client, method, url, data)
        where = f"{method} {url}"
        if (
            "show_slug" in rule.arguments
            or rule.endpoint.startswith("studio.")
            and (rule.endpoint in _admin_endpoints())
        ):
            assert response.status_code == 403, where
        else:
            assert response.status_code < 400, where
    assert sorted(p for p in episodes_dir.rglob("*")) == before


def _admin_endpoints() -> set[str]:
    from showapp.studio import ADMIN_ENDPOINTS

    return ADMIN_ENDPOINTS


def test_an_admin_can_use_every_route(app: Flask, world: dict[str, Any], session: Session) -> None:
    for rule, method in _calls(app):
        # Replacing the audio or re-tagging it (chapters) saves the episode, too.
        session.rollback()
        world["version"] = session.scalar(
            select(Episode.version).where(Episode.id == world["episode_id"])
        )
        client = app.test_client()
        if rule.endpoint != "studio.accept_invite":
            login(client, "admin@example.com")
        token = csrf_token(client, "/studio/login")
        data = {"csrf_token": token, **SAMPLE_POSTS.get(rule.endpoint, lambda ids: {})(world)}
        url = _url(app, rule, world)
        response = _request(client, method, url, data)
        assert response.status_code < 400, f"{method} {url}: {response.status_code}"
