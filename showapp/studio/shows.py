"""The studio home and show settings, including artwork."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from showapp.db import get_session
from showapp.errors import ShowappError
from showapp.models import Show
from showapp.services import accounts, urls
from showapp.services.advice import follow_ups
from showapp.services.catalog import artwork, editing, show_overview, writes
from showapp.services.catalog.text import slugify
from showapp.services.feeds import settings as feed_settings
from showapp.services.listeners import moderation
from showapp.services.listeners.stories import DEFAULT_PROMPT
from showapp.services.stats import charts
from showapp.services.stats.network import network_summary
from showapp.storage import current_storage
from showapp.studio import admin_only, bp, current_show, redirect_303, signed_in_user
from showapp.studio.forms import ArtworkForm, ShowForm


@bp.get("/")
def index() -> str:
    """The studio home: a card per show with what needs doing and how it is heard."""
    session = get_session()
    now = datetime.now(UTC)
    shows = accounts.shows_for(session, signed_in_user())
    figures = network_summary(session, shows, now)
    overviews = show_overview.overviews(session, shows, now.date(), now, figures.daily)
    sparklines = {item.show.id: _sparkline(item) for item in overviews}
    return render_template(
        "studio/index.html",
        shows=shows,
        overviews=overviews,
        sparklines=sparklines,
        figures=figures,
        due=follow_ups.due_follow_ups(session, shows, now),
        listeners_waiting=moderation.pending_counts(session, shows),
    )


def _sparkline(item: show_overview.ShowOverview) -> Markup:
    points = [(day.strftime("%-d %b"), float(count)) for day, count in item.per_day]
    svg = charts.sparkline(
        points, title="Downloads per day, last 7 days", chart_id=f"spark-{item.show.id}"
    )
    # charts escapes every label it writes.
    return Markup(svg)  # noqa: S704


@bp.route("/shows/new", methods=["GET", "POST"])
@admin_only
def new_show() -> ResponseReturnValue:
    form = ShowForm()
    if not form.validate_on_submit():
        return _show_form(form, None, 400 if request.method == "POST" else 200)
    fields = _show_fields(form)
    # podcast:guid is made from the feed URL, so from the address the show will have.
    slug = form.slug.data or slugify(fields["title"])
    session = get_session()
    try:
        feed = urls.feed_url(current_app.config["BASE_URL"], "show", show_slug=slug)
        show = writes.create_show(session, slug=slug, feed_url=feed, **fields)
        editing.update_show(session, show, **fields)
    except ShowappError as error:
        session.rollback()
        flash(str(error), "error")
        return _show_form(form, None, 400)
    session.commit()
    flash(f"Show '{show.title}' created.", "info")
    return redirect_303(url_for("studio.edit_show", show_slug=show.slug))


@bp.route("/shows/<show_slug>/settings", methods=["GET", "POST"])
def edit_show(show_slug: str) -> ResponseReturnValue:
    show = current_show()
    form = ShowForm(obj=show)
    form.slug.render_kw = {"readonly": True}
    if not form.validate_on_submit():
        return _show_form(form, show, 400 if request.method == "POST" else 200)
    try:
        editing.update_show(get_session(), show, **_show_fields(form))
        # Both the configured address and the one this request came in on serve the feed.
        served_at = [current_app.config["BASE_URL"], request.url_root]
        feed_settings.move_feed(show, form.new_feed_url.data or "", served_at)
    except ShowappError as error:
        get_session().rollback()
        flash(str(error), "error")
        return _show_form(form, show, 400)
    get_session().commit()
    flash("Show settings saved.", "info")
    return redirect_303(url_for("studio.edit_show", show_slug=show.slug))


@bp.post("/shows/<show_slug>/artwork")
def upload_show_artwork(show_slug: str) -> ResponseReturnValue:
    show = current_show()
    upload = request.files.get("artwork")
    if upload is None or not upload.filename:
        flash("Choose an image file to upload.", "error")
        return _show_form(ShowForm(obj=show), show, 400)
    storage = current_storage()
    try:
        names = artwork.store_artwork(storage, show.slug, "cover", upload.stream)
    except ShowappError as error:
        flash(str(error), "error")
        return _show_form(ShowForm(obj=show), show, 400)
    previous, show.artwork = show.artwork, names[0]
    get_session().commit()
    artwork.delete_artwork(storage, previous)
    flash("Artwork saved.", "info")
    return redirect_303(url_for("studio.edit_show", show_slug=show.slug))


def _show_fields(form: ShowForm) -> dict[str, Any]:
    names = writes.SHOW_FIELDS | {"title"}
    return {name: _clean(form[name].data) for name in names if name in form}


def _clean(value: Any) -> Any:
    # A text field left out of the post arrives as None; the columns hold "" for "not set".
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


def _show_form(form: ShowForm, show: Show | None, status: int) -> tuple[str, int]:
    page = render_template(
        "studio/show_form.html",
        form=form,
        show=show,
        artwork_form=ArtworkForm(),
        time_zones=editing.time_zone_names(),
        copy_name=artwork.copy_name,
        default_mentor_prompt=DEFAULT_PROMPT,
    )
    return page, status
