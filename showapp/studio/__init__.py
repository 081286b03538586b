"""The studio, at /studio: where hosts sign in, set up shows and publish episodes.

Everything here is behind one gate (``_gate``): a signed-in, active user for every endpoint
except those marked ``@public``; admin for those marked ``@admin_only``; and, for any URL with
a ``show_slug``, a user who may work on that show. Only then is the body read and the CSRF
token checked, so an anonymous or foreign upload never touches the media folder.
Modules that add studio pages register their views on ``bp`` and use ``current_show()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response as BaseResponse

from showapp.db import get_session
from showapp.errors import InvalidInput
from showapp.models import Episode, Show, User, UserRole
from showapp.services import accounts, saved_forms
from showapp.services.catalog import editing, lookups
from showapp.storage import current_storage

bp = Blueprint("studio", __name__, url_prefix="/studio")

View = TypeVar("View", bound=Callable[..., Any])
PUBLIC_ENDPOINTS: set[str] = set()
ADMIN_ENDPOINTS: set[str] = set()
STREAMING_ENDPOINTS: set[str] = set()
# Form posts that are kept when the sign-in lapsed, to be restored after the new sign-in
# (their text fields; a file chosen in the form has to be chosen again).
STASHABLE_MIMETYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    admin: bool = False  # shown to admins only


# The studio's navigation: studio-wide pages, then pages of the show being worked on (their
# endpoint takes show_slug).
NAV = [
    NavItem("Import", "studio.import_show"),
    NavItem("Outbox", "studio.outbox_list"),
    NavItem("Jobs", "studio.list_jobs"),
    NavItem("Guests", "studio.list_guests", admin=True),
    NavItem("Topics", "studio.list_topics", admin=True),
    NavItem("Show & guest trash", "studio.network_trash", admin=True),
    NavItem("Network", "studio.edit_network", admin=True),
]
SHOW_NAV = [
    NavItem("Follow-ups", "studio.follow_ups"),
    NavItem("Listeners", "studio.listener_queue"),
    NavItem("Downloads", "studio.show_downloads"),
    NavItem("Feed health", "studio.feed_health_page"),
    NavItem("Trash", "studio.show_trash"),
]


@bp.context_processor
def _navigation() -> dict[str, Any]:
    return {"studio_nav": NAV, "studio_show_nav": SHOW_NAV}


def public(view: View) -> View:
    """Let signed-out visitors reach this view (sign-in, invitations)."""
    PUBLIC_ENDPOINTS.add(f"studio.{view.__name__}")
    return view


def admin_only(view: View) -> View:
    ADMIN_ENDPOINTS.add(f"studio.{view.__name__}")
    return view


def streams_upload(view: View) -> View:
    """Audio files posted to this view are written straight into the show's media folder."""
    STREAMING_ENDPOINTS.add(f"studio.{view.__name__}")
    return view


def signed_in_user() -> User:
    user: User = current_user._get_current_object()
    return user


def current_show() -> Show:
    """The show named in the URL, already checked by the gate to be one this user may work on."""
    show: Show = g.studio_show
    return show


def current_episode(episode_id: int) -> Episode:
    """The episode in the URL, of the show in the URL; any other id is a 404."""
    episode = editing.get_show_episode(get_session(), current_show(), episode_id)
    if episode is None:
        abort(404, "This show has no such episode.")
    return episode


def may_work_on(show: Show) -> bool:
    return accounts.may_work_on(get_session(), signed_in_user(), show)


def require_show_access(show: Show) -> None:
    """403 unless the signed-in user may work on this show (for views that find a show by
    something other than the URL's show_slug)."""
    if not may_work_on(show):
        abort(403, "You are not a host of this show.")


@bp.before_request
def _gate() -> BaseResponse | None:
    endpoint = request.endpoint or ""
    if endpoint not in PUBLIC_ENDPOINTS:
        if not current_user.is_authenticated or not current_user.active:
            return _to_login(stash_form=endpoint not in STREAMING_ENDPOINTS)
        if endpoint in ADMIN_ENDPOINTS and current_user.role != UserRole.ADMIN:
            abort(403, "Only an admin can do this.")
        _check_show((request.view_args or {}).get("show_slug"))
        if endpoint in STREAMING_ENDPOINTS:
            g.stream_uploads_show = current_show().slug
            g.stream_uploads_to = current_storage().staging_dir(current_show().slug)
    from showapp.security.sessions import csrf

    csrf.protect()
    return None


def _check_show(show_slug: str | None) -> None:
    if show_slug is None:
        return
    show = lookups.get_show(get_session(), show_slug)
    if show is None:
        abort(404, "No show has this address.")
    require_show_access(show)
    g.studio_show = show


def _to_login(*, stash_form: bool) -> BaseResponse:
    """Send a signed-out visitor to sign in, keeping what they typed if they were saving."""
    if request.accept_mimetypes.best == "application/json":
        abort(401, "Your session has expired: sign in again in another tab, then retry.")
    target = request.full_path if request.query_string else request.path
    if stash_form and request.method == "POST" and request.mimetype in STASHABLE_MIMETYPES:
        token = _stash_for_lapsed_login()
        if token is not None:
            target = f"{request.path}?{urlencode({'restore': token})}"
    return redirect(url_for("studio.login", next=target), 303)


def _stash_for_lapsed_login() -> str | None:
    """Keep the posted form for the host whose sign-in lapsed, only when this is their session
    (it names them and was not ended) and the form carries its CSRF token; any other post is
    neither read nor stored, so nobody can plant text in a host's editor."""
    from showapp.security.sessions import csrf, lapsed_login

    user_id = lapsed_login()
    if user_id is None:
        return None
    try:
        csrf.protect()
    except CSRFError:
        return None
    try:
        token = saved_forms.stash_form(
            get_session(), user_id, request.path, request.form.to_dict(flat=False)
        )
    except InvalidInput as error:
        flash(str(error), "error")
        return None
    get_session().commit()
    return token


def list_page() -> int:
    """?page=N of a paged studio list (services/paging.Listing); nonsense is a 404."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        abort(404, "There is no such page.")
    return int(raw)


def redirect_303(location: str) -> Response:
    response: Response = redirect(location, 303)  # type: ignore[assignment]
    return response


from showapp.studio import (  # noqa: E402, F401
    advice,
    audio,
    auth,
    dashboard,
    episode_extras,
    episodes,
    follow_ups,
    guest_links,
    guest_photos,
    guest_trash,
    guests_topics,
    health,
    importing,
    jobs,
    listeners,
    network,
    outbox,
    reviews,
    show_trash,
    shows,
    trash,
    users,
)
