"""'I tried this': a listener reports back on a piece of advice through the real app, and the
spam guard refuses what a bot sends, storing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import Advice, AdviceReport, Moderation
from showapp.services.listeners import spam
from tests.listener_helpers import SECRET, aged_token, count, make_advice, post_form

STORY = "I asked for one night shift.\n\nMy manager said yes, and I learnt the whole plant."


@pytest.fixture
def advice(session: Session, episodes_dir: Path) -> Advice:
    return make_advice(session, episodes_dir)[2]


def _url(advice: Advice) -> str:
    return f"/advice/{advice.id}/tried"


def _send(
    client: FlaskClient, advice: Advice, ip: str = "10.0.0.1", **fields: str
) -> tuple[int, str]:
    given = {"story": STORY, "name": "J. K.", "email": "jk@example.com", "consent": "yes"}
    given.update(fields)
    response = post_form(client, _url(advice), f"tried:{advice.id}", given, ip=ip)
    return response.status_code, response.get_data(as_text=True)


def test_the_page_shows_the_advice_its_guest_and_episode(
    client: FlaskClient, advice: Advice
) -> None:
    response = client.get(_url(advice))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ask for the night shift once." in page
    assert "Priya Raman" in page
    assert 'href="/mentoring/episodes/night-shifts?t=1"' in page
    assert "Publish my story on this site" in page
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in page and "style=" not in page


def test_a_report_is_stored_as_pending_and_thanked(
    client: FlaskClient, session: Session, advice: Advice
) -> None:
    status, _ = _send(client, advice)
    assert status == 303
    thanks = client.get(f"{_url(advice)}/thanks")
    assert "It will appear on the site after the host has read it" in thanks.get_data(as_text=True)
    session.expire_all()
    report = session.query(AdviceReport).one()
    assert (report.story, report.name, report.email) == (STORY, "J. K.", "jk@example.com")
    assert report.consent_to_publish and report.status == Moderation.PENDING


def test_without_the_tick_the_report_is_not_for_publication(
    client: FlaskClient, session: Session, advice: Advice
) -> None:
    given = {"story": STORY, "name": "JK"}
    response = post_form(client, _url(advice), f"tried:{advice.id}", given)
    assert response.status_code == 303
    report = session.query(AdviceReport).one()
    assert not report.consent_to_publish and report.email == ""


def test_unknown_advice_and_advice_of_a_draft_are_not_found(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    _, _, draft_advice = make_advice(session, episodes_dir, published=False, slug="drafty")
    assert client.get("/advice/999/tried").status_code == 404
    assert client.get(_url(draft_advice)).status_code == 404
    form = {"csrf_token": "x", "story": STORY, "name": "JK"}
    assert client.post(_url(draft_advice), data=form).status_code in (400, 404)
    assert count(session, AdviceReport) == 0


def test_a_filled_honeypot_is_thanked_and_dropped(
    client: FlaskClient, session: Session, advice: Advice
) -> None:
    status, _ = _send(client, advice, website="https://cheap-pills.example")
    assert status == 303  # to the same thank-you page a person gets
    assert count(session, AdviceReport) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"story": ""}, "the story is empty"),
        ({"story": "   \n  "}, "the story is empty"),
        ({"story": "x" * 2001}, "at most 2,000 fit"),
        ({"story": "See https://a.example/1 and https://b.example/2"}, "one link at most"),
        ({"story": "Buy at www.pills.example and cheap.ru"}, "one link at most"),
        ({"name": ""}, "Your name (or initials) is missing"),
        ({"name": "N" * 81}, "longer than 80 characters"),
        ({"name": "Visit spam.com"}, "may not hold a link"),
        ({"name": "http://x.example"}, "may not hold a link"),
        ({"email": "not an address"}, "is not an e-mail address"),
        ({"email": "a@b"}, "is not an e-mail address"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(
    client: FlaskClient, session: Session, advice: Advice, fields: dict[str, str], message: str
) -> None:
    status, page = _send(client, advice, **fields)
    assert status == 400
    assert message in page
    assert 'role="alert"' in page
    assert count(session, AdviceReport) == 0


def test_what_was_typed_is_kept_and_script_is_shown_as_text(
    client: FlaskClient, session: Session, advice: Advice
) -> None:
    status, page = _send(client, advice, story="<script>alert(1)</script> " + "y" * 2000)
    assert status == 400
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    status, _ = _send(client, advice, story="<script>alert(1)</script> it worked")
    assert status == 303
    assert session.query(AdviceReport).one().story == "<script>alert(1)</script> it worked"


def test_a_post_faster_than_anyone_types_is_refused(
    client: FlaskClient, session: Session, advice: Advice
) -> None:
    given = {"story": STORY, "name": "JK"}
    response = post_form(client, _url(advice), f"tried:{advice.id}", given, seconds_ago=None)
    assert response.status_code == 400
    assert "faster than anyone can write" in response.get_data(as_text=True)
    assert count(session, AdviceReport) == 0


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "could not be checked"),
        ("forged.token.value", "could not be checked"),
        ("stale", "open for more than two hours"),
        ("other", "belongs to another page"),
    ],
)
def test_missing_forged_stale_or_borrowed_tokens_are_refused(
    client: FlaskClient, session: Session, advice: Advice, token: str | None, message: str
) -> None:
    tokens = {
        "stale": aged_token(f"tried:{advice.id}", spam.MAX_AGE_SECONDS + 60),
        "other": aged_token("mentors:1"),
    }
    page = client.get(_url(advice)).get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    data = {"csrf_token": csrf, "story": STORY, "name": "JK", "website": ""}
    if token is not None:
        data["form_token"] = tokens.get(token, token)
    response = client.post(_url(advice), data=data, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(session, AdviceReport) == 0


def test_csrf_stays_on(client: FlaskClient, session: Session, advice: Advice) -> None:
    data = {"form_token": aged_token(f"tried:{advice.id}"), "story": STORY, "name": "JK"}
    response = client.post(_url(advice), data=data)
    assert response.status_code == 400
    assert count(session, AdviceReport) == 0


def test_the_same_story_twice_is_refused(
    client: FlaskClient, session: Session, advice: Advice
) -> None:
    assert _send(client, advice)[0] == 303
    status, page = _send(client, advice, ip="10.0.0.2")
    assert status == 400 and "sent already" in page
    assert count(session, AdviceReport) == 1


def test_a_spam_burst_from_one_address_is_cut_off_after_five_posts(
    client: FlaskClient, session: Session, advice: Advice
) -> None:
    """100 posts in a minute: links, a filled honeypot, and plain ones. After the fifth post
    (whatever it was) the address gets 429 and nothing more is even read."""
    page = client.get(_url(advice)).get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    token = aged_token(f"tried:{advice.id}")
    statuses = []
    for n in range(100):
        kind = n % 3
        data = {
            "csrf_token": csrf,
            "form_token": token,
            "name": "Bot",
            "story": f"Great post {n} https://spam.example/{n} https://more.example/{n}"
            if kind == 0 else f"Plain story number {n}",
            "website": "https://spam.example" if kind == 1 else "",
        }  # fmt: skip
        response = client.post(_url(advice), data=data, environ_base={"REMOTE_ADDR": "6.6.6.6"})
        statuses.append(response.status_code)
    assert statuses[:5] == [400, 303, 303, 400, 303]
    assert set(statuses[5:]) == {429}
    refused = client.post(
        _url(advice), data={"csrf_token": csrf}, environ_base={"REMOTE_ADDR": "6.6.6.6"}
    )
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Too many stories sent from your address" in refused.get_data(as_text=True)
    # Of the five read, only the plain one (n = 2) was stored: the honeypot posts (1, 4) were
    # thanked like it, the posts with links (0, 3) refused.
    stored = [r.story for r in session.query(AdviceReport)]
    assert stored == ["Plain story number 2"]
    # Another address is not affected.
    assert _send(client, advice, ip="10.0.0.3")[0] == 303


def test_a_flood_of_waiting_reports_closes_the_form_for_a_while(
    client: FlaskClient, session: Session, advice: Advice
) -> None:
    from showapp.services.listeners.reports import PENDING_CAP_PER_ADVICE

    session.add_all(
        AdviceReport(advice_id=advice.id, story=f"waiting {n}", name="X")
        for n in range(PENDING_CAP_PER_ADVICE)
    )
    session.commit()
    status, page = _send(client, advice)
    assert status == 429 and "waiting for the host" in page
    assert count(session, AdviceReport) == PENDING_CAP_PER_ADVICE


def test_tokens_are_signed_with_the_app_secret() -> None:
    token = spam.issue_token(SECRET, "tried:1", now=1000.0)
    spam.check_token(SECRET, "tried:1", token, now=1010.0)
    with pytest.raises(spam.Refused):
        spam.check_token("another secret", "tried:1", token, now=1010.0)
