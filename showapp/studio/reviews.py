"""Guest review in the studio: links per guest, their state, comments, replies, resolving."""

from __future__ import annotations

import secrets

from flask import Response, abort, current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.columns import utc_now
from showapp.db import get_session
from showapp.errors import InvalidInput, ShowappError
from showapp.mail import messages, this_app
from showapp.models import Episode, ReviewLink
from showapp.services.mail import guests as review_mail
from showapp.services.review import comments as review_comments
from showapp.services.review import links as review_links
from showapp.studio import bp, current_episode, current_show, redirect_303, signed_in_user
from showapp.studio.forms import ReplyForm, ReviewLinkForm


@bp.get("/shows/<show_slug>/episodes/<int:episode_id>/review")
def review_episode(show_slug: str, episode_id: int) -> ResponseReturnValue:
    return _review_page(current_episode(episode_id), 200)


@bp.post("/shows/<show_slug>/episodes/<int:episode_id>/review/links")
def save_review_link(show_slug: str, episode_id: int) -> ResponseReturnValue:
    """Create or renew a guest's link (action=create), or withdraw it (action=revoke)."""
    episode = current_episode(episode_id)
    form = ReviewLinkForm()
    session = get_session()
    try:
        guest_id = _int(form.guest_id.data, "guest")
        if request.form.get("action") == "revoke":
            review_links.revoke_link(session, episode, guest_id)
            message = "Review link withdrawn: it now shows the guest a 'withdrawn' page."
        else:
            if not form.validate():
                raise InvalidInput(" ".join(e for errs in form.errors.values() for e in errs))
            link = review_links.create_link(
                session,
                episode,
                guest_id,
                days=form.days.data or review_links.DEFAULT_DAYS,
                message=form.message.data or "",
            )
            message = _mail_link(link, episode, request.form.get("email", ""))
    except ShowappError as error:
        session.rollback()
        flash(str(error), "error")
        return _review_page(current_episode(episode_id), 400)
    session.commit()
    flash(message, "info")
    return redirect_303(_page_url(episode))


@bp.post("/shows/<show_slug>/episodes/<int:episode_id>/review/comments")
def answer_review_comment(show_slug: str, episode_id: int) -> ResponseReturnValue:
    """Reply to a guest's comment (action=reply), or mark it resolved / open again."""
    episode = current_episode(episode_id)
    form = ReplyForm()
    session = get_session()
    action = request.form.get("action", "reply")
    try:
        if not form.validate():
            raise InvalidInput(" ".join(e for errs in form.errors.values() for e in errs))
        comment = review_comments.episode_comment(
            session, episode.id, _int(form.comment_id.data, "comment")
        )
        if action in ("resolve", "reopen"):
            review_comments.set_resolved(comment, action == "resolve")
        else:
            review_comments.host_reply(
                session,
                comment,
                form.body.data or "",
                signed_in_user().id,
                request.form.get("key") or None,
            )
    except ShowappError as error:
        session.rollback()
        flash(str(error), "error")
        return _review_page(current_episode(episode_id), 400)
    session.commit()
    return redirect_303(_page_url(episode) + "#comments")


@bp.get("/shows/<show_slug>/episodes/<int:episode_id>/review/audio")
def review_audio(show_slug: str, episode_id: int) -> Response:
    """The draft's audio for the host's review page; never counted as a download."""
    episode = current_episode(episode_id)
    if not episode.audio_file:
        abort(404, "This episode has no audio yet.")
    from showapp.site.review import send_audio

    return send_audio(episode.audio_file)


def _mail_link(link: ReviewLink, episode: Episode, address: str) -> str:
    """Mail the link when the form gives the guest's address (kept on the guest, privately)."""
    session = get_session()
    guest = review_mail.set_guest_email(session, link.guest_id, address, signed_in_user())
    if guest is None or not guest.email:
        return "Review link ready: copy it into your e-mail to the guest."
    queued = messages.queue_review_link(this_app(), session, link, guest, episode, current_show())
    if queued is None:
        return f"Review link ready. {guest.email} has opted out of review links: send it yourself."
    return f"Review link ready and on its way to {guest.email} (see the outbox)."


def _int(value: str | None, what: str) -> int:
    try:
        return int(value or "")
    except ValueError as error:
        raise InvalidInput(f"The form does not say which {what} it is about.") from error


def _page_url(episode: Episode) -> str:
    return url_for("studio.review_episode", show_slug=current_show().slug, episode_id=episode.id)


def _review_page(episode: Episode, status: int) -> tuple[str, int]:
    session = get_session()
    show = current_show()
    secret = str(current_app.config["SECRET_KEY"])
    reviews = review_links.guest_reviews(session, episode)
    comments = review_links.episode_comments(session, episode)
    urls = {
        entry.guest.id: url_for(
            "site.review_page", token=review_links.token_for(entry.link, secret), _external=False
        )
        for entry in reviews
        if entry.link is not None
    }
    page = render_template(
        "studio/review.html",
        show=show,
        episode=episode,
        reviews=reviews,
        review_urls={k: str(current_app.config["BASE_URL"]) + v for k, v in urls.items()},
        comments=review_comments.in_time_order(comments),
        replies=review_comments.replies_by_comment(comments),
        missing=review_links.missing_approvals(session, episode),
        link_form=ReviewLinkForm(),
        reply_form=ReplyForm(),
        default_days=review_links.DEFAULT_DAYS,
        now=utc_now(),
        form_key=secrets.token_urlsafe,
    )
    return page, status
