"""Media files for podcast apps and web players: audio, artwork, transcripts and chapters.

`bp` lives here; routes live in modules beside it (delivery.py serves files), which register
on it when imported below.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from showapp.config import ConfigError

bp = Blueprint("media", __name__, url_prefix="/media")
ACCEL_MODES = {"", "x-accel", "x-sendfile"}


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    from showapp.media.recorder import init_recorder

    if state.app.config["MEDIA_ACCEL"] not in ACCEL_MODES:
        raise ConfigError("SHOWAPP_MEDIA_ACCEL must be empty, x-accel or x-sendfile.")
    app = state.app
    assert isinstance(app, Flask)
    if app.config["STATS_ENABLED"]:
        init_recorder(app)


# Imported last: these modules register their routes on `bp` above.
from showapp.media import delivery, documents  # noqa: E402, F401
