"""Media files for podcast apps and web players: audio, artwork, transcripts and chapters.

`bp` lives here; routes live in modules beside it (delivery.py serves files), which register
on it when imported below.
"""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask.blueprints import BlueprintSetupState

from showapp.config import ConfigError
from showapp.studio.security import limiter

bp = Blueprint("media", __name__, url_prefix="/media")
ACCEL_MODES = {"", "x-accel", "x-sendfile"}


@limiter.request_filter
def _not_rate_limited() -> bool:
    # No media view has a limit, and resolving that took a sixth of the app's time on each
    # range a podcast app asks for (as for the feeds, see showapp/feed/__init__.py).
    return request.blueprint == "media"


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    from showapp.media.proxied import ProxiedAudio
    from showapp.media.recorder import init_recorder

    if state.app.config["MEDIA_ACCEL"] not in ACCEL_MODES:
        raise ConfigError("SHOWAPP_MEDIA_ACCEL must be empty, x-accel or x-sendfile.")
    app = state.app
    assert isinstance(app, Flask)
    if app.config["STATS_ENABLED"]:
        init_recorder(app)
    # Installed whatever the mode: it reads MEDIA_ACCEL per request and passes on without it.
    app.wsgi_app = ProxiedAudio(app, app.wsgi_app)  # type: ignore[method-assign]


# Imported last: these modules register their routes on `bp` above.
from showapp.media import delivery, documents  # noqa: E402, F401
