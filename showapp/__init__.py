"""showapp: a self-hosted podcast manager for interview shows."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from showapp.config import REPO_ROOT, load_config


def create_app(
    test_config: Mapping[str, Any] | None = None, *, check_migrations: bool = True
) -> Flask:
    """Build the app. Servers get one only on a migrated database; the CLI skips the check
    because `showapp init` is how a database gets migrated."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(REPO_ROOT / "templates"),
    )
    load_config(app, dict(test_config) if test_config is not None else None)
    Path(app.config["EPISODES_DIR"]).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO)

    from showapp import cli, db, errors, feed, templating
    from showapp.feed import bp as feed_bp
    from showapp.media import bp as media_bp
    from showapp.site import bp as site_bp
    from showapp.studio import init_app as init_studio

    db.init_app(app)
    if check_migrations:
        db.check_migrated(app)
    errors.register_error_handlers(app)
    templating.init_app(app)
    cli.init_app(app)
    feed.init_app(app)
    app.register_blueprint(media_bp)
    app.register_blueprint(feed_bp)
    init_studio(app)
    app.register_blueprint(site_bp)
    return app
