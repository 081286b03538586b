"""Configuration: code defaults, then SHOWAPP_* environment variables, then a test mapping."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

REPO_ROOT = Path(__file__).resolve().parent.parent

# Every key here can be overridden by an environment variable named SHOWAPP_<KEY>.
DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: SQLite file instance/showapp.sqlite3
    "EPISODES_DIR": str(REPO_ROOT / "episodes"),
    "BASE_URL": "http://127.0.0.1:5000",
    "SECRET_KEY": None,
    "MAX_CONTENT_LENGTH": 512 * 1024 * 1024,
    "SITE_TITLE": "showapp",
    "SITE_CACHE_SIZE": 1024,  # rendered public pages kept per worker; 0 turns the cache off
    # Media delivery: "" (Flask sends files), "x-accel" (nginx) or "x-sendfile".
    "MEDIA_ACCEL": "",
    "MEDIA_ACCEL_PREFIX": "/_media",
    # A measurement service's prefix for feed enclosures, e.g. https://op3.dev/e/
    "MEDIA_PREFIX_URL": "",
    "STATS_ENABLED": True,
    # How many reverse proxies add X-Forwarded-For in front of the app (nginx: 1).
    "TRUSTED_PROXIES": 0,
    "STATS_FLUSH_SECONDS": 2.0,
    # Raw media requests are deleted this many days after they were counted (0: kept).
    "STATS_KEEP_REQUESTS_DAYS": 90,
    # Flask-Limiter storage for sign-in limits: in memory per process, or e.g. redis://host:6379
    "RATELIMIT_STORAGE_URI": "memory://",
    "WEBSUB_HUB": "",  # e.g. https://pubsubhubbub.appspot.com/
    "PUBNOTIFY_URL": "",  # e.g. https://api.podcastindex.org/api/1.0/hub/pubnotify
    "WEBSUB_ATTEMPTS": 4,
    "WEBSUB_BACKOFF": 2.0,  # seconds before the first retry, doubled each time
    "FEED_MAX_AGE": 300,  # seconds a CDN or proxy may serve a feed without asking again
    # The network feed carries this many newest episodes across shows (docs/feeds.md).
    "NETWORK_FEED_LIMIT": 300,
    "FEED_CACHE_DIR": None,  # rendered feed files; None: the instance folder's feeds/
    # Let studio imports fetch from loopback and private addresses (tests, a LAN-only dev setup).
    "IMPORT_ALLOW_PRIVATE": False,
    # Mail (docs/configuration.md, "E-mail"): with no SMTP host, messages are held in the
    # studio's outbox.
    "SMTP_HOST": "",
    "SMTP_PORT": 0,  # 0: 25, 587 or 465 by SMTP_SECURITY
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_SECURITY": "none",  # none | starttls | tls
    "MAIL_FROM": "",  # "": "<SITE_TITLE> <noreply@<BASE_URL's host>>"
    "MAIL_REPLY_TO": "",
    # Mail is sent by the job queue (a commit that queued a message enqueues its sending, and
    # a job each minute queues digests and reminders); False: only `showapp mail` sends.
    "MAIL_AUTO_SEND": True,
    "MAIL_MAX_ATTEMPTS": 6,
    "MAIL_RETRY_SECONDS": 60,  # before the first retry, doubled each time
    # What an export archive (showapp import x.zip, studio restore) may unpack to in total.
    "ARCHIVE_MAX_BYTES": 20 * 1024**3,
    # Where stored files live: "local" (EPISODES_DIR) or "s3" (a bucket; docs/storage.md).
    "STORAGE": "local",
    "S3_BUCKET": "",
    "S3_ENDPOINT_URL": "",  # empty: AWS itself
    "S3_REGION": "",
    "S3_ACCESS_KEY_ID": "",  # empty: boto3's own lookup (environment, instance role)
    "S3_SECRET_ACCESS_KEY": "",
    "S3_PUBLIC_BASE_URL": "",  # a public bucket or CDN; empty: presigned URLs
    "S3_URL_TTL": 900,  # seconds a presigned URL stays valid
    # Background jobs (docs/configuration.md): "sqlite" (a file in JOBS_DIR, no server),
    # "redis" (JOBS_REDIS_URL) or "immediate" (each job runs where it is enqueued: tests).
    "JOBS": "sqlite",
    "JOBS_REDIS_URL": "redis://127.0.0.1:6379/0",
    "JOBS_DIR": None,  # the SQLite queue and the media-hit spool; None: the instance folder
    "JOBS_QUEUE": "showapp",  # the queue's name, and its Redis keys' prefix
    "JOBS_WORKERS": 2,  # consumer threads
    # Each process that serves requests also runs a consumer (`showapp run` turns this on).
    "JOBS_IN_PROCESS": False,
    # A running job that has not stamped its row for this long lost its worker: run again.
    "JOBS_LEASE_SECONDS": 60,
    # A failed media download or rollup is tried again after this long, doubled each time.
    "JOBS_RETRY_SECONDS": 30.0,
    "STATS_ROLLUP_MINUTES": 5,  # download figures are rolled up this often (1 to 60)
}

SECRET_KEY_FILE = "secret_key"
ACCEL_MODES = {"", "x-accel", "x-sendfile"}
SMTP_SECURITY_MODES = {"none", "starttls", "tls"}
STORAGE_KINDS = {"local", "s3"}
JOBS_KINDS = {"sqlite", "redis", "immediate"}


class ConfigError(RuntimeError):
    """The app cannot start with the configuration it was given."""


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        # from_prefixed_env parses JSON, so SHOWAPP_MAX_CONTENT_LENGTH=1000 arrives as an int.
        app.config.from_prefixed_env("SHOWAPP")
    else:
        app.config.update(test_config)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = "sqlite:///" + str(Path(app.instance_path) / "showapp.sqlite3")
    app.config["BASE_URL"] = str(app.config["BASE_URL"]).rstrip("/")
    app.config["EPISODES_DIR"] = str(Path(app.config["EPISODES_DIR"]).resolve())
    feed_cache = app.config["FEED_CACHE_DIR"] or Path(app.instance_path) / "feeds"
    app.config["FEED_CACHE_DIR"] = str(Path(feed_cache).resolve())
    app.config["SECRET_KEY"] = resolve_secret_key(app)
    app.config["JOBS_DIR"] = str(Path(app.config["JOBS_DIR"] or app.instance_path).resolve())
    check_jobs(app.config)
    limit = app.config["NETWORK_FEED_LIMIT"]
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
        raise ConfigError("SHOWAPP_NETWORK_FEED_LIMIT must be a whole number from 1 to 10000.")
    if app.config["SMTP_SECURITY"] not in SMTP_SECURITY_MODES:
        raise ConfigError("SHOWAPP_SMTP_SECURITY must be none, starttls or tls.")
    if app.config["MEDIA_ACCEL"] not in ACCEL_MODES:
        raise ConfigError("SHOWAPP_MEDIA_ACCEL must be empty, x-accel or x-sendfile.")
    check_storage(app.config)


def check_storage(config: Any) -> None:
    if config["STORAGE"] not in STORAGE_KINDS:
        raise ConfigError("SHOWAPP_STORAGE must be local or s3.")
    if config["STORAGE"] == "s3" and not config["S3_BUCKET"]:
        raise ConfigError("SHOWAPP_STORAGE=s3 needs SHOWAPP_S3_BUCKET.")


def check_jobs(config: dict[str, Any]) -> None:
    if config["JOBS"] not in JOBS_KINDS:
        raise ConfigError("SHOWAPP_JOBS must be sqlite, redis or immediate.")
    workers = config["JOBS_WORKERS"]
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 64:
        raise ConfigError("SHOWAPP_JOBS_WORKERS must be a whole number from 1 to 64.")
    minutes = config["STATS_ROLLUP_MINUTES"]
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 60:
        raise ConfigError("SHOWAPP_STATS_ROLLUP_MINUTES must be a whole number from 1 to 60.")


def resolve_secret_key(app: Flask) -> str:
    """Return the configured key, or the one `showapp init` wrote to the instance folder.

    Outside debug and testing the app refuses to sign sessions with a guessable key.
    """
    configured = app.config.get("SECRET_KEY")
    if configured:
        return str(configured)
    key_file = Path(app.instance_path) / SECRET_KEY_FILE
    if key_file.is_file():
        return key_file.read_text().strip()
    if app.debug or app.testing:
        return "dev"
    raise ConfigError(
        "No secret key: set SHOWAPP_SECRET_KEY, or run `showapp init` to create "
        f"{key_file} for this install."
    )


def write_secret_key(instance_path: str) -> Path:
    """Create the instance secret key once; an existing key is kept so sessions survive."""
    import secrets

    path = Path(instance_path) / SECRET_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path
