"""Guests and topics, kept tidy by an admin: search, edit, rename, merge and delete.

Guests and topics are shared by every show, so these pages are for admins. A merge or a
delete is asked for twice: the first post shows what will happen, the second (with
``confirm``) does it. Old slugs keep answering, with a 301 (services/catalog/guests_topics.py).
"""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import ShowappError
from showapp.models import Guest, Topic
from showapp.services.catalog import guests_topics
from showapp.studio import add_nav_item, admin_only, bp, redirect_303


def _guest_or_404(slug: str) -> Guest:
    guest = guests_topics.get_guest(get_session(), slug)
    if guest is None:
        abort(404, "No guest has this address.")
    return guest


def _topic_or_404(slug: str) -> Topic:
    topic = guests_topics.get_topic(get_session(), slug)
    if topic is None:
        abort(404, "No topic has this address.")
    return topic


@bp.get("/guests")
@admin_only
def list_guests() -> ResponseReturnValue:
    search = request.args.get("q", "")
    guests = guests_topics.list_guests(get_session(), search)
    return render_template("studio/guests.html", guests=guests, search=search)


@bp.route("/guests/<guest_slug>", methods=["GET", "POST"])
@admin_only
def edit_guest(guest_slug: str) -> ResponseReturnValue:
    guest = _guest_or_404(guest_slug)
    if request.method == "GET":
        return _guest_page(guest, 200)
    form = request.form
    session = get_session()
    try:
        guests_topics.update_guest(
            session,
            guest,
            name=form.get("name", ""),
            slug=form.get("slug", "").strip(),
            bio=form.get("bio", ""),
            organisation=form.get("organisation", ""),
            job_title=form.get("job_title", ""),
            links=form.get("links", "").splitlines(),
        )
        session.commit()
    except ShowappError as error:
        session.rollback()
        flash(f"Nothing was changed: {error}", "error")
        return _guest_page(_guest_or_404(guest_slug), 400)
    flash(f"Saved {guest.name}.", "info")
    return redirect_303(url_for("studio.edit_guest", guest_slug=guest.slug))


def _guest_page(guest: Guest, status: int) -> tuple[str, int]:
    session = get_session()
    page = render_template(
        "studio/guest.html",
        guest=guest,
        appearances=guests_topics.count_appearances(session, guest),
        others=[g for g in guests_topics.list_guests(session) if g.id != guest.id],
    )
    return page, status


@bp.post("/guests/<guest_slug>/merge")
@admin_only
def merge_guest(guest_slug: str) -> ResponseReturnValue:
    """Merge this guest into the one chosen in ``into``; the first post only asks."""
    session = get_session()
    other = _guest_or_404(guest_slug)
    keep = guests_topics.get_guest(session, request.form.get("into", ""))
    if keep is None or keep.id == other.id:
        flash("Nothing was merged: choose another guest to merge into.", "error")
        return _guest_page(other, 400)
    if not request.form.get("confirm"):
        page = render_template(
            "studio/confirm_merge.html",
            kind="guest",
            keep=keep,
            other=other,
            moving=guests_topics.count_appearances(session, other),
            action=url_for("studio.merge_guest", guest_slug=other.slug),
            cancel=url_for("studio.edit_guest", guest_slug=other.slug),
        )
        return page
    report = guests_topics.merge_guests(session, keep, other)
    session.commit()
    flash(
        f"Merged {other.name} into {keep.name}: {report.moved} appearances moved, "
        f"{report.combined} combined. /guests/{guest_slug} now redirects here.",
        "info",
    )
    return redirect_303(url_for("studio.edit_guest", guest_slug=keep.slug))


@bp.get("/topics")
@admin_only
def list_topics() -> ResponseReturnValue:
    search = request.args.get("q", "")
    topics = guests_topics.list_topics(get_session(), search)
    return render_template("studio/topics.html", topics=topics, search=search)


@bp.route("/topics/<topic_slug>", methods=["GET", "POST"])
@admin_only
def edit_topic(topic_slug: str) -> ResponseReturnValue:
    topic = _topic_or_404(topic_slug)
    if request.method == "GET":
        return _topic_page(topic, 200)
    session = get_session()
    try:
        guests_topics.update_topic(
            session,
            topic,
            name=request.form.get("name", ""),
            slug=request.form.get("slug", "").strip(),
            description=request.form.get("description", ""),
        )
        session.commit()
    except ShowappError as error:
        session.rollback()
        flash(f"Nothing was changed: {error}", "error")
        return _topic_page(_topic_or_404(topic_slug), 400)
    flash(f"Saved {topic.name}.", "info")
    return redirect_303(url_for("studio.edit_topic", topic_slug=topic.slug))


def _topic_page(topic: Topic, status: int) -> tuple[str, int]:
    session = get_session()
    page = render_template(
        "studio/topic.html",
        topic=topic,
        episodes=guests_topics.count_tagged_episodes(session, topic),
        others=[t for t in guests_topics.list_topics(session) if t.id != topic.id],
    )
    return page, status


@bp.post("/topics/<topic_slug>/merge")
@admin_only
def merge_topic(topic_slug: str) -> ResponseReturnValue:
    session = get_session()
    other = _topic_or_404(topic_slug)
    keep = guests_topics.get_topic(session, request.form.get("into", ""))
    if keep is None or keep.id == other.id:
        flash("Nothing was merged: choose another topic to merge into.", "error")
        return _topic_page(other, 400)
    if not request.form.get("confirm"):
        return render_template(
            "studio/confirm_merge.html",
            kind="topic",
            keep=keep,
            other=other,
            moving=guests_topics.count_tagged_episodes(session, other),
            action=url_for("studio.merge_topic", topic_slug=other.slug),
            cancel=url_for("studio.edit_topic", topic_slug=other.slug),
        )
    report = guests_topics.merge_topics(session, keep, other)
    session.commit()
    flash(
        f"Merged {other.name} into {keep.name}: {report.moved} episodes moved, "
        f"{report.combined} already had it. /topics/{topic_slug} now redirects here.",
        "info",
    )
    return redirect_303(url_for("studio.edit_topic", topic_slug=keep.slug))


@bp.post("/topics/<topic_slug>/delete")
@admin_only
def delete_topic(topic_slug: str) -> ResponseReturnValue:
    session = get_session()
    topic = _topic_or_404(topic_slug)
    if not request.form.get("confirm"):
        return render_template(
            "studio/confirm_delete_topic.html",
            topic=topic,
            episodes=guests_topics.count_tagged_episodes(session, topic),
        )
    guests_topics.delete_topic(session, topic)
    session.commit()
    flash(f"Deleted the topic {topic.name}; its episodes keep their other topics.", "info")
    return redirect_303(url_for("studio.list_topics"))


add_nav_item("Guests", "studio.list_guests", admin=True)
add_nav_item("Topics", "studio.list_topics", admin=True)
