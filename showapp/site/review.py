"""A guest's review link: the episode page as it will look, comments, approval.

Guests have no account, so these pages sit on the site blueprint, outside the studio's
sign-in gate; the signed token in the URL is the only key. Nothing here goes through the page
cache, and every answer tells search engines and caches to keep away.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue

from showapp.columns import utc_now
from showapp.db import get_session
from showapp.errors import InvalidInput, NotFound
from showapp.models import CommentAnchor, ReviewDecision, ReviewLink
from showapp.security.sessions import limiter
from showapp.services.advice import public as advice_pages
from showapp.services.audio.files import AUDIO_TYPES
from showapp.services.catalog import cards, lookups
from showapp.services.catalog.episode_page import Neighbours
from showapp.services.review import comments as review_comments
from showapp.services.review import links as review_links
from showapp.site import bp
from showapp.site.helpers import parse_start
from showapp.site.shows import PlayerMedia, episode_meta
from showapp.storage import current_storage

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251 - only for annotations

WRITE_LIMIT = "30 per minute; 300 per day"
TOO_MANY = "Too many messages sent from your address"  # errors.py adds how long to wait


@bp.after_request
def _keep_reviews_private(response: Response) -> Response:
    if request.endpoint in REVIEW_ENDPOINTS:
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Cache-Control"] = "private, no-store"
        # The token is in the URL: never hand it to another site in a Referer.
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/review/<token>")
def review_page(token: str) -> ResponseReturnValue:
    link = _link_or_explain(token, expired_ok=True)
    if isinstance(link, tuple):
        return link
    live = _public_url(link)
    if live is not None:
        return _advice_outcome(link, live)
    if link.expires_at <= utc_now():
        return _gone(review_links.expiry_message(link), 410)
    if review_links.mark_opened(link):
        get_session().commit()
        link = review_links.link_for_token(
            get_session(), token, str(current_app.config["SECRET_KEY"])
        )
    return _render(link, token, 200)


@bp.post("/review/<token>/comments")
@limiter.limit(WRITE_LIMIT, error_message=TOO_MANY)
def review_comment(token: str) -> ResponseReturnValue:
    def add_comment(session: Session, link: ReviewLink) -> None:
        given = _comment_from_form()
        review_comments.add_guest_comment(session, link, given, link.episode.duration_seconds)

    closed = "The episode is public now: comments are closed."
    return _guest_writes(token, add_comment, closed, anchor="comments", sent="comment")


@bp.post("/review/<token>/decision")
@limiter.limit(WRITE_LIMIT, error_message=TOO_MANY)
def review_decision(token: str) -> ResponseReturnValue:
    def decide(session: Session, link: ReviewLink) -> None:
        decision = _decision(request.form.get("decision", ""))
        review_comments.decide(session, link, decision, request.form.get("message", ""))

    return _guest_writes(token, decide, "The episode is public now.", "decision", "decision")


def _guest_writes(
    token: str, write: Callable[[Session, ReviewLink], None], closed: str, anchor: str, sent: str
) -> ResponseReturnValue:
    """A guest's post on a valid link: stored whole, or the page again with the message and
    what was typed; once the episode is public, nothing more is taken (409)."""
    link = _link_or_explain(token)
    if isinstance(link, tuple):
        return link
    if _public_url(link) is not None:
        return _render(link, token, 409, error=closed)
    session = get_session()
    try:
        write(session, link)
    except InvalidInput as error:
        session.rollback()
        return _render(link, token, 400, error=str(error), keep=request.form)
    session.commit()
    return Response(status=303, headers={"Location": _page(token, anchor, sent=sent)})


@bp.get("/review/<token>/audio")
def review_audio(token: str) -> ResponseReturnValue:
    """The draft's audio for whoever holds a valid link; /media counts downloads, this
    does not, so a guest's preview plays never show up in the statistics."""
    link = _link_or_explain(token)
    if isinstance(link, tuple):
        return link
    if not link.episode.audio_file:
        abort(404, "This episode has no audio yet.")
    return send_audio(link.episode.audio_file)


REVIEW_ENDPOINTS = {f"site.{name}" for name in ("review_page", "review_comment",
                    "review_decision", "review_audio")}  # fmt: skip


def send_audio(filename: str) -> Response:
    suffix = PurePosixPath(filename).suffix
    if suffix not in AUDIO_TYPES:
        abort(404)
    target = current_storage().redirect_url(filename, method=request.method)
    if target is not None:
        # A bucket: the object itself, presigned unless the bucket is public (docs/storage.md).
        redirected = Response(status=302, headers={"Location": target})
        redirected.headers["Cache-Control"] = "private, no-store"
        return redirected
    response = send_from_directory(
        current_app.config["EPISODES_DIR"], filename, mimetype=AUDIO_TYPES[suffix],
        conditional=True, max_age=0,
    )  # fmt: skip
    response.headers["Accept-Ranges"] = "bytes"
    response.cache_control.private = True
    response.cache_control.public = False
    return response


def _link_or_explain(token: str, expired_ok: bool = False) -> ReviewLink | tuple[str, int]:
    """The link, or the page that explains why it cannot be used (404 bad, 410 gone)."""
    secret = str(current_app.config["SECRET_KEY"])
    try:
        return review_links.link_for_token(get_session(), token, secret, expired_ok=expired_ok)
    except review_links.LinkUnusable as error:
        return _gone(str(error), 410)
    except NotFound as error:
        return _gone(str(error), 404)


def _advice_outcome(link: ReviewLink, episode_url: str) -> tuple[str, int]:
    """Once the episode is out, the link is the guest's page of "what came of your advice":
    their advice in it, how many listeners tried each piece, and the stories they published."""
    episode = link.episode
    meta = episode_meta(episode.show, episode)
    meta.title = f"What came of your advice · {episode.title}"
    meta.noindex = True
    html = render_template(
        "site/review_advice.html", meta=meta, guest=link.guest, episode=episode,
        show=episode.show, episode_url=episode_url,
        advice=advice_pages.guest_advice_in_episode(get_session(), link.guest, episode),
    )  # fmt: skip
    return html, 200


def _gone(message: str, status: int) -> tuple[str, int]:
    return render_template("site/review_gone.html", message=message, code=status), status


def _public_url(link: ReviewLink) -> str | None:
    """Once the episode is live the link leads to its public page."""
    episode = link.episode
    if lookups.get_public_episode(get_session(), episode.show, episode.slug) is None:
        return None
    return url_for("site.episode", show_slug=episode.show.slug, episode_slug=episode.slug)


def _comment_from_form() -> review_comments.CommentInput:
    form = request.form
    try:
        anchor = CommentAnchor(form.get("anchor", "general"))
    except ValueError as error:
        raise InvalidInput("Choose what the comment is about.") from error
    start = _seconds(form.get("start", ""), "start")
    if anchor == CommentAnchor.TIME and start is None:
        raise InvalidInput("Give the time in the audio this comment is about (e.g. 12:40).")
    return review_comments.CommentInput(
        body=form.get("body", ""),
        anchor=anchor,
        start_seconds=start,
        end_seconds=_seconds(form.get("end", ""), "end"),
        quote=form.get("quote", ""),
        key=form.get("key") or None,
    )


def _seconds(value: str, which: str) -> float | None:
    if not value.strip():
        return None
    seconds = parse_start(value)
    if seconds is None:
        raise InvalidInput(f"The {which} time '{value[:20]}' is not a time like 12:40 or 1:02:03.")
    return float(seconds)


def _decision(value: str) -> ReviewDecision:
    if value == "approve":
        return ReviewDecision.APPROVED
    if value == "changes":
        return ReviewDecision.CHANGES
    raise InvalidInput("Choose to approve or to ask for changes.")


def _page(token: str, anchor: str, sent: str) -> str:
    return url_for("site.review_page", token=token, sent=sent) + f"#{anchor}"


def _render(
    link: ReviewLink,
    token: str,
    status: int,
    *,
    error: str | None = None,
    keep: object = None,
) -> tuple[str, int]:
    episode = link.episode
    show = episode.show
    meta = episode_meta(show, episode)
    meta.noindex = True
    audio = url_for("site.review_audio", token=token) if episode.audio_file else None
    comments = link.comments
    html = render_template(
        "site/review.html",
        show=show,
        episode=episode,
        media=PlayerMedia(audio, audio, None, None) if audio else None,
        start=None,
        share_url=meta.canonical,
        around=Neighbours(None, None),
        related=[],
        people=cards.people_of(get_session(), episode.id),
        meta=meta,
        link=link,
        token=token,
        guest=link.guest,
        appearance=next((a for a in episode.appearances if a.guest_id == link.guest_id), None),
        comments=review_comments.in_time_order(comments),
        replies=review_comments.replies_by_comment(comments),
        error=error,
        keep=keep or {},
        sent=request.args.get("sent"),
        form_key=secrets.token_urlsafe(24),
        state=review_links.state_of(link),
    )
    return html, status
