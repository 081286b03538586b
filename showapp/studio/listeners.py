"""What listeners sent a show, in the studio: the moderation queue of "I tried this" reports
and mentor stories (approve, shorten, reject, reply, publish), and one click from a story to a
draft episode or a guest. Replies are stored for the mail sender, which sends them."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from showapp.db import get_session
from showapp.errors import InvalidInput, ShowappError
from showapp.mail import messages, this_app
from showapp.models import AdviceReport, MentorStory, Moderation, UserRole
from showapp.services.listeners import moderation, stories, story_actions
from showapp.studio import bp, current_show, list_page, redirect_303

STATES = {state.value: state for state in Moderation}
KIND_FILTERS: dict[str, moderation.Kind | None] = {
    "all": None,
    "report": "report",
    "story": "story",
}
DONE = {
    "approve": "Approved.",
    "reject": "Rejected: it will not be shown.",
    "shorten": "Shortened; the listener's original is kept.",
    "restore": "Back to the listener's own words.",
    "reply": "Reply saved: it goes out by e-mail.",
    "publish": "Published on the show's stories page.",
    "unpublish": "Taken off the show's stories page.",
}


@bp.context_processor
def _pending_in_nav() -> dict[str, Any]:
    """The count of waiting reports and stories beside "Listeners" in the show's menu."""
    show = g.get("studio_show")
    if show is None or not current_user.is_authenticated:
        return {}
    return {"nav_counts": {"studio.listener_queue": moderation.pending_count(get_session(), show)}}


@bp.get("/shows/<show_slug>/listeners")
def listener_queue(show_slug: str) -> ResponseReturnValue:
    return _queue_page(200)


@bp.post("/shows/<show_slug>/listeners/<any(report, story):kind>/<int:item_id>")
def moderate_listener_post(show_slug: str, kind: str, item_id: int) -> ResponseReturnValue:
    row = _item_or_404(kind, item_id)
    action = request.form.get("action", "")
    if action not in DONE:
        return _refused("Choose what to do with it.")
    session = get_session()
    try:
        _apply(action, row)
        session.flush()
    except ShowappError as error:
        session.rollback()
        return _refused(str(error))
    session.commit()
    flash(DONE[action], "success")
    return redirect_303(_back() + f"#{kind}-{item_id}")


def _apply(action: str, row: AdviceReport | MentorStory) -> None:
    form = request.form
    if action == "approve":
        moderation.approve(row)
    elif action == "reject":
        moderation.reject(row)
    elif action == "shorten":
        moderation.shorten(row, form.get("story", ""))
    elif action == "restore":
        moderation.restore(row)
    elif action == "reply":
        moderation.reply(row, form.get("reply", ""))
    elif isinstance(row, MentorStory):
        moderation.publish(get_session(), row, on=action == "publish")
    else:
        raise InvalidInput("Reports are shown under their advice once approved; there is no "
                           "separate publishing.")  # fmt: skip


@bp.post("/shows/<show_slug>/listeners/reject")
def reject_listener_posts(show_slug: str) -> ResponseReturnValue:
    keys = [_key(value) for value in request.form.getlist("items")]
    chosen = [key for key in keys if key is not None]
    if not chosen:
        return _refused("Tick the reports and stories to reject first.")
    done = moderation.reject_many(get_session(), current_show(), chosen)
    get_session().commit()
    flash(f"Rejected {done} of {len(chosen)} chosen.", "success")
    return redirect_303(_back())


@bp.post("/shows/<show_slug>/listeners/story/<int:item_id>/draft-episode")
def story_to_episode(show_slug: str, item_id: int) -> ResponseReturnValue:
    story = _story_or_404(item_id)
    episode, made = story_actions.draft_episode(get_session(), current_show(), story)
    get_session().commit()
    if made:
        flash("A draft episode was made from the story: edit it before you publish.", "success")
    return redirect_303(
        url_for("studio.edit_episode", show_slug=current_show().slug, episode_id=episode.id)
    )


@bp.post("/shows/<show_slug>/listeners/story/<int:item_id>/guest")
def story_to_guest(show_slug: str, item_id: int) -> ResponseReturnValue:
    story = _story_or_404(item_id)
    chosen = request.form.get("who", "")
    if chosen not in ("storyteller", "mentor"):
        return _refused("Choose whom to invite: the listener or their mentor.")
    who: story_actions.Who = "mentor" if chosen == "mentor" else "storyteller"
    session = get_session()
    try:
        invited = story_actions.invite_guest(session, story, who)
    except ShowappError as error:
        session.rollback()
        return _refused(str(error))
    guest = invited.guest
    mailed = who == "storyteller" and invited.created and bool(guest.email)
    if mailed:
        messages.queue_guest_invite(
            this_app(), session, story, guest, current_show(), current_user._get_current_object()
        )
    session.commit()
    if mailed:
        flash(f"{guest.name} is a guest now, and an invitation is on its way.", "success")
    elif invited.created:
        flash(f"{guest.name} is a guest now.", "success")
    else:
        flash(f"Linked to the guest {guest.name} (their details are unchanged).", "info")
    if current_user.role == UserRole.ADMIN:
        return redirect_303(url_for("studio.edit_guest", guest_slug=guest.slug))
    return redirect_303(_back() + f"#story-{item_id}")


def _item_or_404(kind: str, item_id: int) -> AdviceReport | MentorStory:
    row = moderation.find(get_session(), current_show(), kind, item_id)
    if row is None:
        abort(404, "This show has no such report or story.")
    return row


def _story_or_404(item_id: int) -> MentorStory:
    row = _item_or_404("story", item_id)
    assert isinstance(row, MentorStory)
    return row


def _key(value: str) -> tuple[str, int] | None:
    kind, _, number = value.partition("-")
    return (kind, int(number)) if kind in moderation.KINDS and number.isdigit() else None


def _filters() -> tuple[str, str]:
    """?state= and ?kind= (the form's own hidden fields on posts); unknown values fall back."""
    values = request.form if request.method == "POST" else request.args
    state = values.get("state", "pending")
    kind = values.get("kind", "all")
    return (state if state in STATES else "pending", kind if kind in KIND_FILTERS else "all")


def _back() -> str:
    state, kind = _filters()
    page = request.form.get("page", "1")
    args: dict[str, Any] = {"state": state, "kind": kind}
    if page.isdigit() and int(page) > 1:
        args["page"] = int(page)
    return url_for("studio.listener_queue", show_slug=current_show().slug, **args)


def _refused(message: str) -> ResponseReturnValue:
    flash(f"{message} Nothing was changed.", "error")
    return _queue_page(400)


def _queue_page(status: int) -> tuple[str, int]:
    show = current_show()
    state, kind = _filters()
    page = list_page() if request.method == "GET" else 1
    session = get_session()
    items = moderation.queue(session, show, STATES[state], KIND_FILTERS[kind], page)
    html = render_template(
        "studio/listeners.html", show=show, items=items, state=state, kind=kind,
        states=list(STATES), kinds=KIND_FILTERS, has_published=stories.has_published(session, show),
        # The queue's filters come from a posted form too, so its pager links are made here.
        page_url=lambda n, _endpoint=None: url_for("studio.listener_queue", show_slug=show.slug,
                                                   state=state, kind=kind, page=n),
    )  # fmt: skip
    return html, status
