"""Guests and topics, kept tidy by an admin: search, edit, rename, merge and delete.

Guests and topics are shared by every show, so these pages are for admins. A merge or a
delete is asked for twice: the first post shows what will happen, the second (with
``confirm``) does it. Old slugs keep answering, with a 301 (services/catalog/guests_topics.py).
Both kinds go through the same views; a `Directory` says what differs between them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import ShowappError
from showapp.models import Topic
from showapp.services.advice import guest_links
from showapp.services.catalog import guests_topics
from showapp.services.wording import counted
from showapp.studio import admin_only, bp, list_page, redirect_303

Row = Any  # Guest or Topic


@dataclass(frozen=True)
class Directory:
    kind: str  # "guest" or "topic": names the templates, endpoints and slug argument
    find: Callable[..., Row | None]  # (session, slug)
    listing: Callable[..., Any]  # (session, search)
    update: Callable[..., Row]
    fields: tuple[str, ...]  # form fields passed to `update` besides name and slug
    count: Callable[..., int]  # what a merge moves: appearances or tagged episodes
    count_name: str  # the template variable for that count
    merge: Callable[..., guests_topics.MergeReport]  # (session, keep, other)
    merged_note: tuple[str, str]  # (what moves, "{moved} … {combined} …") after a merge

    def row_or_404(self, slug: str) -> Row:
        row = self.find(get_session(), slug)
        if row is None:
            abort(404, f"No {self.kind} has this address.")
        return row

    def url(self, action: str, row: Row) -> str:
        return url_for(f"studio.{action}_{self.kind}", **{f"{self.kind}_slug": row.slug})


GUESTS = Directory(
    "guest", guests_topics.get_guest, guests_topics.list_guests, guests_topics.update_guest,
    ("bio", "organisation", "job_title", "links", "email"), guests_topics.count_appearances,
    "appearances", guests_topics.merge_guests,
    ("appearance", "{moved} moved, {combined} combined"),
)  # fmt: skip
TOPICS = Directory(
    "topic", guests_topics.get_topic, guests_topics.list_topics, guests_topics.update_topic,
    ("description",), guests_topics.count_tagged_episodes, "episodes",
    guests_topics.merge_topics, ("episode", "{moved} moved, {combined} already had it"),
)  # fmt: skip


@bp.get("/guests")
@admin_only
def list_guests() -> ResponseReturnValue:
    return _listing(GUESTS)


@bp.get("/topics")
@admin_only
def list_topics() -> ResponseReturnValue:
    return _listing(TOPICS)


@bp.route("/guests/<guest_slug>", methods=["GET", "POST"])
@admin_only
def edit_guest(guest_slug: str) -> ResponseReturnValue:
    return _edit(GUESTS, guest_slug)


@bp.route("/topics/<topic_slug>", methods=["GET", "POST"])
@admin_only
def edit_topic(topic_slug: str) -> ResponseReturnValue:
    return _edit(TOPICS, topic_slug)


@bp.post("/guests/<guest_slug>/merge")
@admin_only
def merge_guest(guest_slug: str) -> ResponseReturnValue:
    """Merge this guest into the one chosen in ``into``; the first post only asks."""
    return _merge(GUESTS, guest_slug)


@bp.post("/topics/<topic_slug>/merge")
@admin_only
def merge_topic(topic_slug: str) -> ResponseReturnValue:
    return _merge(TOPICS, topic_slug)


@bp.post("/topics/<topic_slug>/delete")
@admin_only
def delete_topic(topic_slug: str) -> ResponseReturnValue:
    session = get_session()
    topic: Topic = TOPICS.row_or_404(topic_slug)
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


def _listing(directory: Directory) -> str:
    search = request.args.get("q", "")
    rows = directory.listing(get_session(), search, page=list_page())
    return render_template(f"studio/{directory.kind}s.html", search=search, rows=rows,
                           **{f"{directory.kind}s": rows})  # fmt: skip


def _edit(directory: Directory, slug: str) -> ResponseReturnValue:
    row = directory.row_or_404(slug)
    if request.method == "GET":
        return _page(directory, row, 200)
    form = request.form
    extra: dict[str, Any] = {name: form.get(name, "") for name in directory.fields}
    if "links" in extra:
        extra["links"] = extra["links"].splitlines()
    session = get_session()
    try:
        directory.update(session, row, name=form.get("name", ""),
                         slug=form.get("slug", "").strip(), **extra)  # fmt: skip
        session.commit()
    except ShowappError as error:
        session.rollback()
        flash(f"Nothing was changed: {error}", "error")
        # The stored row names the page and its links; the form keeps what was typed.
        return _page(directory, directory.row_or_404(slug), 400, typed=form)
    flash(f"Saved {row.name}.", "info")
    return redirect_303(directory.url("edit", row))


def guest_page(guest: Row, status: int) -> tuple[str, int]:
    """A guest's edit page (guest_photos.py answers a refused photo with it)."""
    return _page(GUESTS, guest, status)


def _page(
    directory: Directory, row: Row, status: int, typed: Mapping[str, str] | None = None
) -> tuple[str, int]:
    session = get_session()
    page = render_template(
        f"studio/{directory.kind}.html",
        values=_form_values(directory, row, typed),
        others=[other for other in directory.listing(session, "", page=None) if other.id != row.id],
        **{directory.kind: row, directory.count_name: directory.count(session, row)},
        **(_guest_extras(session, row) if directory.kind == "guest" else {}),
    )
    return page, status


def _form_values(directory: Directory, row: Row, typed: Mapping[str, str] | None) -> dict[str, str]:
    """The edit form's fields: what was posted when it was refused, else what is stored."""
    names = ("name", "slug", *directory.fields)
    if typed is not None:
        return {name: typed.get(name, "") for name in names}
    values = {name: getattr(row, name) or "" for name in names if name != "links"}
    if "links" in names:
        values["links"] = "\n".join(row.links or [])
    return values


def _guest_extras(session: Any, guest: Row) -> dict[str, Any]:
    """The guest page's mentor/sponsor links and the shows to set a follow-up in."""
    return {
        "guest_links": guest_links.studio_links(session, guest),
        "link_relations": guest_links.RELATIONS,
        "link_help": guest_links.HELP,
        "follow_up_shows": guest_links.shows_of(session, guest),
    }


def _merge(directory: Directory, slug: str) -> ResponseReturnValue:
    session = get_session()
    other = directory.row_or_404(slug)
    keep = directory.find(session, request.form.get("into", ""))
    if keep is None or keep.id == other.id:
        flash(f"Nothing was merged: choose another {directory.kind} to merge into.", "error")
        return _page(directory, other, 400)
    if not request.form.get("confirm"):
        return render_template(
            "studio/confirm_merge.html", kind=directory.kind, keep=keep, other=other,
            moving=directory.count(session, other), action=directory.url("merge", other),
            cancel=directory.url("edit", other),
        )  # fmt: skip
    report = directory.merge(session, keep, other)
    session.commit()
    moved = directory.merged_note[1].format(
        moved=counted(report.moved, directory.merged_note[0]), combined=report.combined
    )
    flash(f"Merged {other.name} into {keep.name}: {moved}. "
          f"/{directory.kind}s/{slug} now redirects here.", "info")  # fmt: skip
    return redirect_303(directory.url("edit", keep))
