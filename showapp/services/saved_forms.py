"""Forms posted after a host's sign-in lapsed, kept until that host signs in again."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.errors import InvalidInput
from showapp.models import FormStash
from showapp.services.accounts import token_hash

STASH_LIFETIME = timedelta(hours=24)
# The text of a form kept across a sign-in, in bytes (names and values, UTF-8): an episode's
# notes fit many times over; anything bigger is refused rather than stored.
MAX_STASH_BYTES = 256 * 1024
# Never carried over: a fresh token comes with the restored form.
NOT_KEPT = {"csrf_token"}


def stash_form(session: Session, user_id: int, path: str, data: dict[str, list[str]]) -> str:
    """Keep a form for `user_id`; returns the token that restores it on `path`.

    Raises InvalidInput when its text is over MAX_STASH_BYTES (nothing is stored)."""
    kept = {name: values for name, values in data.items() if name not in NOT_KEPT}
    size = sum(len(name.encode()) + sum(len(v.encode()) for v in vs) for name, vs in kept.items())
    if size > MAX_STASH_BYTES:
        raise InvalidInput(
            f"What you typed ({size // 1024} KB) is over the {MAX_STASH_BYTES // 1024} KB that "
            "can be kept across a sign-in, so it was not saved: sign in and enter it again."
        )
    _delete_expired(session)
    token = secrets.token_urlsafe(24)
    session.add(FormStash(user_id=user_id, token_hash=token_hash(token), path=path, data=kept))
    session.flush()
    return token


def pop_stash(session: Session, token: str, path: str, user_id: int) -> dict[str, Any] | None:
    """Take the form stashed by this user for this page (once), or None when unknown, too old
    or somebody else's."""
    _delete_expired(session)
    found = session.scalars(
        select(FormStash).where(
            FormStash.token_hash == token_hash(token),
            FormStash.path == path,
            FormStash.user_id == user_id,
        )
    ).one_or_none()
    if found is None:
        return None
    data = dict(found.data)
    session.delete(found)
    session.flush()
    return data


def _delete_expired(session: Session) -> None:
    session.execute(delete(FormStash).where(FormStash.created_at < utc_now() - STASH_LIFETIME))
