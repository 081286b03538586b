"""Forms posted after the session expired, kept until the host signs in again."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import FormStash
from showapp.services.accounts import token_hash

STASH_LIFETIME = timedelta(days=2)
# Never carried over: a fresh token comes with the restored form.
NOT_KEPT = {"csrf_token"}


def stash_form(session: Session, path: str, data: dict[str, list[str]]) -> str:
    token = secrets.token_urlsafe(24)
    kept = {name: values for name, values in data.items() if name not in NOT_KEPT}
    session.add(FormStash(token_hash=token_hash(token), path=path, data=kept))
    session.flush()
    return token


def pop_stash(session: Session, token: str, path: str) -> dict[str, Any] | None:
    """Take the stashed form for this page (once), or None when unknown or too old."""
    session.execute(delete(FormStash).where(FormStash.created_at < utc_now() - STASH_LIFETIME))
    found = session.scalars(
        select(FormStash).where(FormStash.token_hash == token_hash(token), FormStash.path == path)
    ).one_or_none()
    if found is None:
        return None
    data = dict(found.data)
    session.delete(found)
    session.flush()
    return data
