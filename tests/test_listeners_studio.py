"""Moderation in the studio: the queue of listeners' reports and stories, what a host does
with each, one click from a story to a draft episode or a guest, and the access rules."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import (
    Advice,
    AdviceReport,
    Episode,
    EpisodeStatus,
    Guest,
    MentorStory,
    Moderation,
    Show,
    UserRole,
)
from showapp.services.catalog import writes
from tests.factories import make_show
from tests.listener_helpers import make_advice
from tests.studio_helpers import csrf_token, login, make_user

QUEUE = "/studio/shows/mentoring/listeners"


@pytest.fixture
def world(session: Session, episodes_dir: Path) -> tuple[Show, Advice]:
    show, _, advice = make_advice(session, episodes_dir)
    make_user(session, "host@example.com", shows=[show])
    other = make_show(session, slug="other", title="Other Show")
    make_user(session, "other@example.com", shows=[other])
    session.commit()
    return show, advice


@pytest.fixture
def host(app: Flask, world: tuple[Show, Advice]) -> FlaskClient:
    client = app.test_client()
    assert login(client, "host@example.com").status_code == 303
    return client


def _report(session: Session, advice: Advice, story: str, **fields: object) -> AdviceReport:
    report = AdviceReport(advice_id=advice.id, story=story, name="JK", **fields)
    session.add(report)
    session.commit()
    return report


def _story(session: Session, show: Show, story: str, **fields: object) -> MentorStory:
    fields.setdefault("mentor_name", "Mrs Okafor")
    fields.setdefault("name", "Ana Lima")
    row = MentorStory(show_id=show.id, story=story, **fields)
    session.add(row)
    session.commit()
    return row


def _post(host: FlaskClient, url: str, **data: object) -> tuple[int, str]:
    form = {"csrf_token": csrf_token(host, QUEUE), **data}
    response = host.post(url, data=form, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def _act(
    host: FlaskClient, kind: str, item_id: int, action: str, **data: object
) -> tuple[int, str]:
    return _post(host, f"{QUEUE}/{kind}/{item_id}", action=action, **data)


def _fresh(session: Session, row: AdviceReport | MentorStory) -> AdviceReport | MentorStory:
    session.expire_all()
    found = session.get(type(row), row.id)
    assert found is not None
    return found


def test_the_queue_shows_waiting_reports_and_stories_newest_first_with_context(
    host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    show, advice = world
    old = _report(session, advice, "Older report", created_at=utc_now() - timedelta(days=2))
    _story(session, show, "A mentor story", created_at=utc_now() - timedelta(days=1))
    _report(session, advice, "Newest report", email="jk@example.com")
    _report(session, advice, "Already approved", status=Moderation.APPROVED)
    page = host.get(QUEUE).get_data(as_text=True)
    assert page.index("Newest report") < page.index("A mentor story") < page.index("Older report")
    assert "Already approved" not in page
    assert "Ask for the night shift once." in page and "Priya Raman" in page
    assert "Night shifts" in page and "About their mentor <strong>Mrs Okafor</strong>" in page
    assert 'class="badge nav-count">3<' in page  # the menu's waiting count
    approved = host.get(f"{QUEUE}?state=approved").get_data(as_text=True)
    assert "Already approved" in approved and "Older report" not in approved
    stories_only = host.get(f"{QUEUE}?kind=story").get_data(as_text=True)
    assert "A mentor story" in stories_only and "Older report" not in stories_only
    assert f'id="report-{old.id}"' in page


def test_the_studio_home_counts_what_listeners_wait_for_on_each_show(
    host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    show, advice = world

    def waiting() -> str:
        home = lxml.html.fromstring(host.get("/studio/").get_data(as_text=True))
        (fact,) = home.xpath('//div[@class="listeners-waiting"]/dd')
        return " ".join(fact.text_content().split())

    assert waiting() == "Nothing to read"
    _report(session, advice, "A waiting report")
    _report(session, advice, "Read already", status=Moderation.APPROVED)
    _story(session, show, "A waiting story")
    _story(session, make_show(session, slug="elsewhere"), "Another show's story")
    assert waiting() == "Reports and mentor stories 2 to read"
    home = lxml.html.fromstring(host.get("/studio/").get_data(as_text=True))
    assert home.xpath('//div[@class="listeners-waiting"]//a/@href') == [QUEUE]


def test_the_queue_is_paged(
    host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    _, advice = world
    now = utc_now()
    for n in range(25):
        session.add(AdviceReport(advice_id=advice.id, story=f"report number {n:02d}", name="X",
                                 created_at=now - timedelta(minutes=n)))  # fmt: skip
    session.commit()
    first = host.get(QUEUE).get_data(as_text=True)
    second = host.get(f"{QUEUE}?page=2").get_data(as_text=True)
    assert "report number 00" in first and "report number 19" in first
    assert "report number 20" not in first and "report number 24" in second
    assert "Page 1 of 2 (25)" in first
    assert host.get(f"{QUEUE}?page=x").status_code == 404


def test_approve_and_reject(
    host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    _, advice = world
    report = _report(session, advice, "It worked")
    status, page = _act(host, "report", report.id, "approve")
    assert status == 200 and "Approved." in page
    approved = _fresh(session, report)
    assert approved.status == Moderation.APPROVED and approved.moderated_at is not None
    _act(host, "report", report.id, "reject")
    assert _fresh(session, report).status == Moderation.REJECTED


def test_shortening_keeps_the_original_and_refuses_longer_text(
    host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    _, advice = world
    words = "I asked for the night shift, and after a month I knew every machine in the plant."
    report = _report(session, advice, words)
    status, _ = _act(host, "report", report.id, "shorten", story="I asked; I learnt the plant.")
    assert status == 200
    edited = _fresh(session, report)
    assert (edited.story, edited.original_story) == ("I asked; I learnt the plant.", words)
    page = host.get(QUEUE).get_data(as_text=True)
    assert "The listener's original" in page
    status, page = _act(host, "report", report.id, "shorten", story=words + " And more.")
    assert status == 400 and "may not be longer than what the listener wrote" in page
    status, page = _act(host, "report", report.id, "shorten", story="  ")
    assert status == 400 and "empty" in page
    _act(host, "report", report.id, "restore")
    restored = _fresh(session, report)
    assert (restored.story, restored.original_story) == (words, "")


def test_a_reply_is_stored_for_the_mail_sender(
    host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    _, advice = world
    with_mail = _report(session, advice, "Worked", email="jk@example.com")
    without = _report(session, advice, "Also worked")
    status, _ = _act(host, "report", with_mail.id, "reply", reply="Thank you, JK!")
    assert status == 200
    replied = _fresh(session, with_mail)
    assert replied.host_reply == "Thank you, JK!" and replied.replied_at is None
    status, page = _act(host, "report", without.id, "reply", reply="Hello")
    assert status == 400 and "left no e-mail address" in page
    assert _fresh(session, without).host_reply == ""
    status, page = _act(host, "report", with_mail.id, "reply", reply="x" * 2001)
    assert status == 400
    assert _fresh(session, with_mail).host_reply == "Thank you, JK!"


def test_bulk_reject_leaves_other_shows_alone(
    app: Flask, host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    show, advice = world
    other = session.scalars(select(Show).where(Show.slug == "other")).one()
    a = _report(session, advice, "spam one")
    b = _story(session, show, "spam two")
    foreign = _story(session, other, "another show's story")
    kept = _report(session, advice, "a real one")
    items = [f"report-{a.id}", f"story-{b.id}", f"story-{foreign.id}", "nonsense", "story-x"]
    status, page = _post(host, f"{QUEUE}/reject", items=items)
    assert status == 200 and "Rejected 2 of 3 chosen." in page
    assert _fresh(session, a).status == Moderation.REJECTED
    assert _fresh(session, b).status == Moderation.REJECTED
    assert _fresh(session, foreign).status == Moderation.PENDING
    assert _fresh(session, kept).status == Moderation.PENDING
    status, page = _post(host, f"{QUEUE}/reject")
    assert status == 400 and "Tick the reports and stories" in page


def test_a_story_is_published_only_when_approved_with_consent(
    host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    show, _ = world
    story = _story(session, show, "She believed in me", consent_to_publish=True)
    private = _story(session, show, "Keep this private", status=Moderation.APPROVED)
    status, page = _act(host, "story", story.id, "publish")
    assert status == 400 and "Approve the story before" in page
    _act(host, "story", story.id, "approve")
    status, _ = _act(host, "story", story.id, "publish")
    assert status == 200 and _fresh(session, story).published_at is not None  # type: ignore[union-attr]
    assert "She believed in me" in host.get("/mentoring/mentors").get_data(as_text=True)
    status, page = _act(host, "story", private.id, "publish")
    assert status == 400 and "did not agree to publication" in page
    _act(host, "story", story.id, "unpublish")
    assert "She believed in me" not in host.get("/mentoring/mentors").get_data(as_text=True)
    _act(host, "story", story.id, "publish")
    _act(host, "story", story.id, "reject")  # rejecting takes it off the site too
    assert "She believed in me" not in host.get("/mentoring/mentors").get_data(as_text=True)


def test_reports_have_no_separate_publishing(
    host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    _, advice = world
    report = _report(session, advice, "Worked")
    assert _act(host, "report", report.id, "publish")[0] == 400
    assert _act(host, "report", report.id, "dance")[0] == 400


def test_one_click_draft_episode_is_idempotent(
    host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    show, _ = world
    story = _story(session, show, "She read every draft.\nEvery one.", consent_to_publish=True)
    url = f"{QUEUE}/story/{story.id}/draft-episode"
    first = host.post(url, data={"csrf_token": csrf_token(host, QUEUE)})
    assert first.status_code == 303
    second = host.post(url, data={"csrf_token": csrf_token(host, QUEUE)})
    assert second.headers["Location"] == first.headers["Location"]
    session.expire_all()
    drafts = session.scalars(select(Episode).where(Episode.title.like("%Okafor%"))).all()
    assert len(drafts) == 1
    draft = drafts[0]
    assert draft.status == EpisodeStatus.DRAFT and draft.show_id == show.id
    assert first.headers["Location"].endswith(f"/episodes/{draft.id}")
    assert "> She read every draft.\n> Every one." in draft.notes_md
    assert "— Ana Lima, about Mrs Okafor" in draft.notes_md
    assert _fresh(session, story).draft_episode_id == draft.id  # type: ignore[union-attr]
    editor = host.get(first.headers["Location"]).get_data(as_text=True)
    assert "A listener&#39;s great mentor: Mrs Okafor" in editor


def test_invite_as_guest_makes_the_listener_or_the_mentor_a_guest(
    host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    show, _ = world
    story = _story(session, show, "Story one", email="ana@example.com")
    status, page = _post(host, f"{QUEUE}/story/{story.id}/guest", who="storyteller")
    assert status == 200 and "Ana Lima is a guest now" in page
    guest = session.scalars(select(Guest).where(Guest.slug == "ana-lima")).one()
    assert guest.email == "ana@example.com"
    assert _fresh(session, story).guest_id == guest.id  # type: ignore[union-attr]
    mentor_story = _story(session, show, "Story two", mentor_name="Dr Ruth Bell")
    _post(host, f"{QUEUE}/story/{mentor_story.id}/guest", who="mentor")
    mentor = session.scalars(select(Guest).where(Guest.slug == "dr-ruth-bell")).one()
    assert mentor.email == ""
    status, _ = _post(host, f"{QUEUE}/story/{mentor_story.id}/guest", who="nobody")
    assert status == 400


def test_a_listener_cannot_put_their_address_on_an_existing_guest(
    host: FlaskClient, session: Session, world: tuple[Show, Advice]
) -> None:
    show, _ = world
    story = _story(session, show, "I am Priya", name="Priya Raman", email="attacker@example.com")
    status, page = _post(host, f"{QUEUE}/story/{story.id}/guest", who="storyteller")
    assert status == 200 and "their details are unchanged" in page
    priya = session.scalars(select(Guest).where(Guest.slug == "priya-raman")).one()
    assert priya.email == ""


def test_an_admin_lands_on_the_new_guests_page(
    app: Flask, session: Session, world: tuple[Show, Advice]
) -> None:
    show, _ = world
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    story = _story(session, show, "Story", email="ana@example.com")
    admin = app.test_client()
    login(admin, "admin@example.com")
    response = admin.post(
        f"{QUEUE}/story/{story.id}/guest",
        data={"csrf_token": csrf_token(admin, QUEUE), "who": "storyteller"},
    )
    assert response.headers["Location"] == "/studio/guests/ana-lima"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", QUEUE),
        ("post", f"{QUEUE}/report/1"),
        ("post", f"{QUEUE}/reject"),
        ("post", f"{QUEUE}/story/1/draft-episode"),
        ("post", f"{QUEUE}/story/1/guest"),
    ],
)
def test_access_rules(
    app: Flask, session: Session, world: tuple[Show, Advice], method: str, path: str
) -> None:
    show, advice = world
    _report(session, advice, "r")  # id 1
    _story(session, show, "s")  # id 1
    anonymous = app.test_client()
    response = getattr(anonymous, method)(path)
    assert response.status_code in (302, 303) and "/studio/login" in response.headers["Location"]
    other = app.test_client()
    login(other, "other@example.com")
    token = csrf_token(other, "/studio/")
    assert getattr(other, method)(path, data={"csrf_token": token}).status_code == 403
    host = app.test_client()
    login(host, "host@example.com")
    if method == "post":
        assert host.post(path, data={"action": "approve"}).status_code == 400  # no CSRF
    # An unknown item id, or for the pages without one an unknown show: 404.
    unknown = path.replace("/1", "/999") if "/1" in path else path.replace("mentoring", "nope")
    token = csrf_token(host, QUEUE)
    assert getattr(host, method)(unknown, data={"csrf_token": token}).status_code == 404
    assert host.post(f"{QUEUE}/advice/1", data={"csrf_token": token}).status_code == 404


def test_an_item_of_another_show_is_not_found(
    host: FlaskClient, session: Session, world: tuple[Show, Advice], episodes_dir: Path
) -> None:
    other = session.scalars(select(Show).where(Show.slug == "other")).one()
    foreign = _story(session, other, "not yours")
    episode = writes.create_episode(session, other, title="x")
    foreign_advice = Advice(episode_id=episode.id, text="elsewhere")
    session.add(foreign_advice)
    session.commit()
    foreign_report = _report(session, foreign_advice, "not yours either")
    assert _act(host, "story", foreign.id, "approve")[0] == 404
    assert _act(host, "report", foreign_report.id, "approve")[0] == 404
    assert _fresh(session, foreign).status == Moderation.PENDING
