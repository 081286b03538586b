"""showapp: a self-hosted podcast manager for interview shows.

`create_app` is where everything the app does at runtime is installed, in order: extensions,
SQLAlchemy session hooks, background runners, blueprints, and the WSGI layers beneath Flask.
No blueprint and no import installs behaviour of its own.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from showapp.config import REPO_ROOT, load_config
from showapp.services.urls import RowIdConverter


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
    # Before any route is added: every <int:...> in a URL is a row id.
    app.url_map.converters["int"] = RowIdConverter
    load_config(app, dict(test_config) if test_config is not None else None)
    Path(app.config["EPISODES_DIR"]).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO)
    _remove_leftovers(app)

    from showapp import db, storage

    db.init_app(app)
    # Every stored file goes through app.extensions["storage"]: EPISODES_DIR or a bucket
    # (SHOWAPP_STORAGE); with a bucket, EPISODES_DIR only holds uploads being probed.
    storage.init_app(app)
    if check_migrations:
        db.check_migrated(app)
    _install_extensions(app)
    _install_session_hooks(app)
    _install_background_runners(app)
    _register_blueprints(app)
    _install_wsgi_layers(app)
    return app


def _remove_leftovers(app: Flask) -> None:
    from showapp.services.audio.files import remove_leftover_parts

    # An upload killed mid-write (kill -9) leaves a .part file; a day later nobody owns it.
    # Uploads are staged under EPISODES_DIR on both storage backends.
    remove_leftover_parts(Path(app.config["EPISODES_DIR"]))


def _install_extensions(app: Flask) -> None:
    from showapp import cli, errors, templating
    from showapp.security import headers as security_headers
    from showapp.security import sessions as security
    from showapp.studio.uploads import StudioRequest

    # Requests stream an uploaded audio file straight into its show's folder, hashing it.
    app.request_class = StudioRequest
    # CSRF on every POST, Flask-Login sessions, Flask-Limiter (sign-in and review posts).
    security.init_app(app)
    # 400/403/404/410/413/429/500 as pages, or JSON for clients that ask for it.
    errors.register_error_handlers(app)
    # CSP (no inline script), nosniff, Referrer-Policy, no framing but /embed/: one origin for all.
    security_headers.init_app(app)
    # Template filters and globals: formatting, URLs of feeds and media; no queries.
    templating.init_app(app)
    # `showapp init`, `demo`, `episode`, `stats`, `trash`, `import`, `export`, `feed` commands.
    cli.init_app(app)


def _install_session_hooks(app: Flask) -> None:
    """Hooks on every session this app makes; their order is the order they run in."""
    from showapp.feed import announce_changed_feeds
    from showapp.media.visibility import AudioVisibility
    from showapp.services.catalog import text
    from showapp.services.feeds import stamps as feed_stamps
    from showapp.services.search import index as search_index
    from showapp.site.page_cache import forget_pages

    sessions = app.extensions["showapp.sessionmaker"]
    # SQLAlchemy keeps a sessionmaker's listeners for as long as the listeners keep the
    # sessionmaker alive: they hold the app weakly, or no app built in a process is ever freed.
    app_ref = weakref.ref(app)
    # Markdown notes become sanitised HTML when written, so no read path renders them.
    text.render_notes_when_written(sessions)
    # Feed-relevant writes bump the catalog stamp and log the episodes they changed, so feeds
    # rebuild (or splice) on the next request; committed changes are announced by WebSub.
    feed_stamps.install(sessions, lambda slugs: announce_changed_feeds(_alive(app_ref), slugs))
    # Which files are withheld (audio of drafts and of scheduled episodes before their time,
    # every file of an episode in the trash), known per process so /media answers with a dict
    # lookup; reread when the catalog changes.
    app.extensions["showapp.audio_visibility"] = AudioVisibility(app)

    def forget_public_state() -> None:
        current = _alive(app_ref)
        forget_pages(current)
        current.extensions["showapp.audio_visibility"].forget()
        current.extensions["showapp.network"].forget()

    # Episodes a transaction touched are reindexed for search before it commits; a commit
    # that changed a public page bumps the site revision, empties this process's pages and
    # makes it reread which audio is withheld and the network's settings.
    search_index.watch_sessions(sessions, forget_public_state)


def _alive(app_ref: weakref.ref[Flask]) -> Flask:
    app = app_ref()
    if app is None:  # only a session that outlived its app could get here
        raise RuntimeError("the app that made this session is gone")
    return app


def _install_background_runners(app: Flask) -> None:
    """Background work runs as jobs on a queue (showapp/jobs); nothing here starts a thread
    unless SHOWAPP_JOBS_IN_PROCESS asks each serving process to run a consumer."""
    from showapp import jobs
    from showapp.jobs.spool import make_spool
    from showapp.media.recorder import Recorder

    # The queue: imports, WebSub and Podcast Index pings, writing media hits, rollups.
    jobs.init_app(app)
    # Media hits for the download figures: appended to a durable spool per request and
    # written in batches by a job.
    if app.config["STATS_ENABLED"]:
        app.extensions["showapp.recorder"] = Recorder(
            app, make_spool(app.config, "hits"), float(app.config["STATS_FLUSH_SECONDS"])
        )
    _install_mail_runner(app)


def _install_mail_runner(app: Flask) -> None:
    from showapp.jobs import enqueue
    from showapp.services.mail.hooks import after_mail_commits

    if not app.config["MAIL_AUTO_SEND"]:
        return  # `showapp mail run-periodic` sends instead (and the tests, when they choose)

    # The "mail.periodic" job queues what is due every minute; a commit that queued a message
    # asks the queue to send it at once.
    app_ref = weakref.ref(app)  # see _install_session_hooks

    def send_soon() -> None:
        enqueue(_alive(app_ref), "mail.send")

    after_mail_commits(app.extensions["showapp.sessionmaker"], send_soon)


def _register_blueprints(app: Flask) -> None:
    from showapp.feed import bp as feed_bp
    from showapp.media import bp as media_bp
    from showapp.site import bp as site_bp
    from showapp.studio import bp as studio_bp

    app.register_blueprint(media_bp)  # /media: audio, artwork, transcripts, chapters
    app.register_blueprint(feed_bp)  # feeds and OPML for podcast apps
    app.register_blueprint(studio_bp)  # /studio: hosts, behind a sign-in
    app.register_blueprint(site_bp)  # the public site; last, since show slugs are top-level


def _install_wsgi_layers(app: Flask) -> None:
    """Layers beneath Flask, innermost first: two answer their requests without Flask, the
    outermost reads the proxy's headers for all of them."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from showapp.feed import make_fast_lane
    from showapp.media.proxied import ProxiedAudio

    # A fresh feed (or a 304) is sent from its file before Flask builds a request.
    app.wsgi_app = make_fast_lane(app)  # type: ignore[method-assign]
    # With SHOWAPP_MEDIA_ACCEL, audio is counted and handed to nginx (X-Accel-Redirect) or
    # Apache (X-Sendfile) here; without it the layer passes every request on.
    app.wsgi_app = ProxiedAudio(app, app.wsgi_app)  # type: ignore[method-assign]
    # Outermost: behind SHOWAPP_TRUSTED_PROXIES proxies, the client's address is the entry
    # those proxies added to X-Forwarded-For, so that rate limits and download figures tell
    # clients apart (not everyone as 127.0.0.1); earlier entries, which a client can forge,
    # are ignored. Only the address: links and Secure cookies follow SHOWAPP_BASE_URL, nginx
    # sets Host itself, and an https scheme from X-Forwarded-Proto would make Flask-WTF demand
    # a Referer, which the guest review page withholds (Referrer-Policy: no-referrer).
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=0, x_host=0, x_port=0, x_prefix=0
        )
