"""What listeners send without an account: "I tried this" on a piece of advice, and stories
for a show's "Did you have a great mentor?" call.

Every post passes the spam guard (services/listeners/spam.py) and a rate limit per address
shared by both forms; a post that fails stores nothing and notifies no one. The pages carry a
CSRF token and a fresh form token, so they are never cached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.models import Show
from showapp.security.sessions import limiter
from showapp.services.listeners import reports, spam, stories
from showapp.site import bp
from showapp.site.helpers import Meta, canonical, excerpt, show_or_404

# Per address, across both forms: a listener sends a story or two; a burst is a bot.
POST_LIMIT = "5 per minute;20 per day"
TOO_MANY = "Too many stories sent from your address"  # errors.py adds how long to wait
listener_limit = limiter.shared_limit(POST_LIMIT, scope="listener-posts", error_message=TOO_MANY)


@bp.after_request
def _never_cache_forms(response: Response) -> Response:
    if request.endpoint in LISTENER_ENDPOINTS:
        response.headers["Cache-Control"] = "private, no-store"
    return response


# "I tried this"


@bp.get("/advice/<int:advice_id>/tried")
def advice_tried(advice_id: int) -> ResponseReturnValue:
    return _tried_page(_advice_or_404(advice_id), 200)


@bp.post("/advice/<int:advice_id>/tried")
@listener_limit
def send_advice_report(advice_id: int) -> ResponseReturnValue:
    context = _advice_or_404(advice_id)
    return _take_post(
        purpose=f"tried:{advice_id}",
        store=lambda post: reports.add_report(get_session(), context.advice, post),
        page=lambda status, error: _tried_page(context, status, error, request.form),
        thanks=url_for("site.advice_tried_thanks", advice_id=advice_id),
    )


@bp.get("/advice/<int:advice_id>/tried/thanks")
def advice_tried_thanks(advice_id: int) -> ResponseReturnValue:
    context = _advice_or_404(advice_id)
    back = url_for("site.episode", show_slug=context.show.slug, episode_slug=context.episode.slug)
    return _thanks(context.show, back, context.episode.title)


def _advice_or_404(advice_id: int) -> reports.AdviceContext:
    context = reports.public_advice(get_session(), advice_id)
    if context is None:
        abort(404, "No advice in a published episode has this address.")
    return context


def _tried_page(
    context: reports.AdviceContext, status: int, error: str | None = None,
    keep: Mapping[str, str] | None = None,
) -> tuple[str, int]:  # fmt: skip
    show, episode = context.show, context.episode
    meta = Meta(
        title=f"I tried this: {excerpt(context.advice.text, 60)}",
        description=f"Tell {show.title} what happened when you tried this advice.",
        canonical=canonical("site.advice_tried", advice_id=context.advice.id),
        noindex=True,
    )
    html = render_template(
        "site/advice_tried.html", show=show, episode=episode, advice=context.advice,
        guest=context.guest, meta=meta, error=error, keep=keep or {},
        form_token=_token(f"tried:{context.advice.id}"),
    )  # fmt: skip
    return html, status


# "Did you have a great mentor?"


@bp.get("/<show_slug>/mentors")
def mentor_call(show_slug: str) -> ResponseReturnValue:
    return _mentors_page(show_or_404(show_slug), 200)


@bp.post("/<show_slug>/mentors")
@listener_limit
def send_mentor_story(show_slug: str) -> ResponseReturnValue:
    show = show_or_404(show_slug)
    if not show.mentor_call_open:
        closed = "The call for stories is closed, so nothing was stored. Thank you all the same."
        return _mentors_page(show, 403, closed)
    return _take_post(
        purpose=f"mentors:{show.id}",
        store=lambda post: stories.add_story(get_session(), show, post),
        page=lambda status, error: _mentors_page(show, status, error, request.form),
        thanks=url_for("site.mentor_call_thanks", show_slug=show.slug),
        with_mentor=True,
    )


@bp.get("/<show_slug>/mentors/thanks")
def mentor_call_thanks(show_slug: str) -> ResponseReturnValue:
    show = show_or_404(show_slug)
    return _thanks(show, url_for("site.mentor_call", show_slug=show.slug), "the stories")


def _mentors_page(
    show: Show, status: int, error: str | None = None, keep: Mapping[str, str] | None = None
) -> tuple[str, int]:
    meta = Meta(
        title=f"Did you have a great mentor? · {show.title}",
        description=excerpt(stories.prompt_of(show)),
        canonical=canonical("site.mentor_call", show_slug=show.slug),
    )
    html = render_template(
        "site/mentors.html", show=show, meta=meta, prompt=stories.prompt_of(show),
        stories=stories.published(get_session(), show), error=error, keep=keep or {},
        form_token=_token(f"mentors:{show.id}"),
    )  # fmt: skip
    return html, status


# Shared


def _take_post(
    *, purpose: str, store: Callable[[spam.ListenerPost], Any],
    page: Callable[[int, str], tuple[str, int]], thanks: str, with_mentor: bool = False,
) -> ResponseReturnValue:  # fmt: skip
    """Check the post, store it, and send the listener to the thank-you page; a bot that
    filled the honeypot is sent there too, with nothing stored."""
    session = get_session()
    try:
        post = spam.read_post(request.form, _secret(), purpose, with_mentor=with_mentor)
        store(post)
    except spam.Honeypot:
        session.rollback()
        return _see_other(thanks)
    except spam.TooManyWaiting as error:
        session.rollback()
        return page(429, str(error))
    except spam.Refused as error:
        session.rollback()
        return page(400, str(error))
    session.commit()
    return _see_other(thanks)


def _thanks(show: Show, back: str, back_label: str) -> tuple[str, int]:
    meta = Meta(
        title=f"Thank you · {show.title}",
        description="Your story was received.",
        canonical=canonical("site.show", show_slug=show.slug),
        noindex=True,
    )
    html = render_template(
        "site/listener_thanks.html", show=show, meta=meta, back=back, back_label=back_label
    )
    return html, 200


def _token(purpose: str) -> str:
    return spam.issue_token(_secret(), purpose)


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _see_other(location: str) -> Response:
    return Response(status=303, headers={"Location": location})


LISTENER_ENDPOINTS = {f"site.{name}" for name in ("advice_tried", "send_advice_report",
                      "advice_tried_thanks", "mentor_call", "send_mentor_story",
                      "mentor_call_thanks")}  # fmt: skip
