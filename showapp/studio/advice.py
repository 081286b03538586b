"""The episode's Advice tab: list, add, edit, delete and reorder the advice said in it.

Every change claims the episode's version first (as chapters and soundbites do), so two hosts
editing the same episode get a 409 instead of silently overwriting each other. Bad input
re-renders the page with the message and a 400; nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import ShowappError
from showapp.models import Advice, Episode
from showapp.services.advice import pieces
from showapp.services.catalog import editing
from showapp.services.catalog.text import clock
from showapp.studio import bp, current_episode, current_show, redirect_303

ADVICE_URL = "/shows/<show_slug>/episodes/<int:episode_id>/advice"
FIELDS = ("text", "guest_id", "moment")


@bp.route(ADVICE_URL, methods=["GET", "POST"])
def edit_advice(show_slug: str, episode_id: int) -> ResponseReturnValue:
    episode = current_episode(episode_id)
    if request.method == "GET":
        return _page(episode, 200)
    typed = _typed()
    return _save(episode, lambda: pieces.add_advice(get_session(), episode, **typed),
                 "Added the advice.", typed=typed)  # fmt: skip


@bp.post(f"{ADVICE_URL}/<int:advice_id>")
def update_advice(show_slug: str, episode_id: int, advice_id: int) -> ResponseReturnValue:
    episode = current_episode(episode_id)
    advice = _advice_or_404(episode, advice_id)
    typed = _typed()
    return _save(episode, lambda: pieces.update_advice(get_session(), advice, episode, **typed),
                 "Saved the advice.", editing_id=advice_id, typed=typed)  # fmt: skip


@bp.post(f"{ADVICE_URL}/<int:advice_id>/delete")
def delete_advice(show_slug: str, episode_id: int, advice_id: int) -> ResponseReturnValue:
    episode = current_episode(episode_id)
    advice = _advice_or_404(episode, advice_id)
    return _save(episode, lambda: pieces.delete_advice(get_session(), advice),
                 "Deleted the advice.")  # fmt: skip


@bp.post(f"{ADVICE_URL}/<int:advice_id>/move")
def move_advice(show_slug: str, episode_id: int, advice_id: int) -> ResponseReturnValue:
    episode = current_episode(episode_id)
    _advice_or_404(episode, advice_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        abort(400, "Move the advice up or down.")
    return _save(episode, lambda: pieces.move_advice(get_session(), episode, advice_id, step),
                 "Moved the advice.")  # fmt: skip


def _typed() -> dict[str, str]:
    return {name: request.form.get(name, "") for name in FIELDS}


def _advice_or_404(episode: Episode, advice_id: int) -> Advice:
    found = pieces.get_advice(get_session(), episode, advice_id)
    if found is None:
        abort(404, "This episode has no such piece of advice.")
    return found


def _save(
    episode: Episode,
    store: Callable[[], Any],
    done: str,
    *,
    editing_id: int | None = None,
    typed: dict[str, str] | None = None,
) -> ResponseReturnValue:
    session = get_session()
    try:
        with editing.stale_edits():
            editing.claim_version(session, episode, request.form.get("version"))
            store()
            session.commit()
    except editing.StaleEdit as error:
        session.rollback()
        flash(f"Nothing was changed: {error} Your text is still in the form.", "error")
        return _page(current_episode(episode.id), 409, editing_id, typed)
    except ShowappError as error:
        session.rollback()
        flash(f"Nothing was changed: {error}", "error")
        return _page(current_episode(episode.id), 400, editing_id, typed)
    flash(done, "info")
    return redirect_303(
        url_for("studio.edit_advice", show_slug=current_show().slug, episode_id=episode.id)
    )


def _page(
    episode: Episode,
    status: int,
    editing_id: int | None = None,
    typed: dict[str, str] | None = None,
) -> tuple[str, int]:
    """The tab; after refused input, the form that was posted (the add form, or the piece
    being edited) holds what the host typed."""
    rows = [_row(piece) for piece in pieces.list_advice(get_session(), episode)]
    if typed is not None and editing_id is not None:
        rows = [{**row, **typed} if row["id"] == editing_id else row for row in rows]
    new = typed if typed is not None and editing_id is None else dict.fromkeys(FIELDS, "")
    page = render_template(
        "studio/advice.html", show=current_show(), episode=episode, rows=rows, new=new,
        guests=pieces.credited_guests(episode), max_text=pieces.MAX_TEXT,
        duration=clock(episode.duration_seconds) if episode.duration_seconds else "",
    )  # fmt: skip
    return page, status


def _row(piece: Advice) -> dict[str, Any]:
    moment = clock(piece.start_seconds) if piece.start_seconds is not None else ""
    return {"id": piece.id, "text": piece.text, "guest_id": str(piece.guest_id or ""),
            "moment": moment}  # fmt: skip
