"""Stored files behind one interface, on this host's disk or in an S3-compatible bucket.

`init_app` picks the backend from SHOWAPP_STORAGE; views reach it with `current_storage()`
and pass it to services, which never look at EPISODES_DIR themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app

from showapp.storage.base import BadName, Storage, checked_name, content_type
from showapp.storage.local import LocalStorage

__all__ = [
    "BadName", "LocalStorage", "Storage", "checked_name", "content_type", "current_storage",
    "init_app", "make_storage", "storage_of",
]  # fmt: skip
KINDS = {"local", "s3"}


def make_storage(config: Any) -> Storage:
    """The backend the configuration names; the S3 one imports boto3 only when chosen."""
    root = Path(config["EPISODES_DIR"])
    if config["STORAGE"] != "s3":
        return LocalStorage(root)
    from showapp.storage.s3 import S3Settings, S3Storage

    settings = S3Settings(
        bucket=config["S3_BUCKET"],
        endpoint_url=config["S3_ENDPOINT_URL"] or None,
        region=config["S3_REGION"] or None,
        access_key_id=config["S3_ACCESS_KEY_ID"] or None,
        secret_access_key=config["S3_SECRET_ACCESS_KEY"] or None,
        public_base_url=config["S3_PUBLIC_BASE_URL"] or "",
        url_ttl=int(config["S3_URL_TTL"]),
    )
    # EPISODES_DIR still holds uploads while they are probed, before they go to the bucket.
    return S3Storage(settings, root)


def init_app(app: Flask) -> None:
    app.extensions["storage"] = make_storage(app.config)


def current_storage() -> Storage:
    return storage_of(current_app)


def storage_of(app: Flask) -> Storage:
    storage: Storage = app.extensions["storage"]
    return storage
