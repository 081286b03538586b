"""Users, passwords, roles and invitations."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from showapp.columns import utc_now
from showapp.errors import InvalidInput
from showapp.models import Invite, Show, User, UserRole, show_hosts

MIN_PASSWORD_LENGTH = 10
INVITE_LIFETIME = timedelta(days=7)
# Checked when the e-mail is unknown (or the account inactive or without a password), so that
# every failed sign-in costs the same scrypt work and its timing does not tell which accounts
# exist. Same method and parameters as hash_password; the password it hashes is irrelevant.
DUMMY_HASH = (
    "scrypt:32768:8:1$1yVX5zxUaaYTq7Ch$caff93d31805a7825130a04551e95d9249a5cf45d2e8434eda116552"
    "38778029c7e8a8ef02f5b33bd13994abb26c3b8941be9d04554c19871cae865fc6b50f72"
)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    # werkzeug's scrypt: a memory-hard, vetted scheme that needs no extra dependency.
    return generate_password_hash(password, method="scrypt")


def password_matches(user: User | None, password: str) -> bool:
    """Whether this is the user's password; with no user (or no password set) the dummy hash
    is checked instead, so the answer takes as long as for a real account."""
    stored = user.password_hash if user is not None else None
    matches = check_password_hash(stored or DUMMY_HASH, password)
    return matches and stored is not None


def set_password(user: User, password: str) -> None:
    """Set a new password and end the user's other sessions: whoever knew the old one (or
    copied a cookie) is signed out."""
    user.password_hash = hash_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: sessions signed in before this no longer load the user."""
    user.session_version = (user.session_version or 1) + 1


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalise_email(email))).one_or_none()


def normalise_email(email: str) -> str:
    cleaned = email.strip().lower()
    if "@" not in cleaned or cleaned.startswith("@") or cleaned.endswith("@"):
        raise InvalidInput(f"'{email}' is not an e-mail address.")
    return cleaned


def create_admin(session: Session, email: str, password: str) -> User:
    """Create an admin, or make an existing user an admin with this password."""
    user = get_user_by_email(session, email)
    if user is None:
        user = User(email=normalise_email(email))
        session.add(user)
    user.role = UserRole.ADMIN
    user.active = True
    set_password(user, password)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (never say which part was wrong)."""
    try:
        user = get_user_by_email(session, email)
    except InvalidInput:
        user = None
    # The hash is checked on every path (a dummy one for unknown e-mails and inactive accounts):
    # a quick refusal would tell an attacker which addresses have an account.
    candidate = user if user is not None and user.active else None
    if not password_matches(candidate, password) or candidate is None:
        return None
    return candidate


def list_users(session: Session) -> Sequence[User]:
    query = select(User).options(selectinload(User.shows)).order_by(User.email)
    return session.scalars(query).all()


def get_user_with_shows(session: Session, user_id: int) -> User | None:
    query = select(User).where(User.id == user_id).options(selectinload(User.shows))
    return session.scalars(query).one_or_none()


def may_work_on(session: Session, user: User, show: Show) -> bool:
    """Admins work on every show; a host only on the shows they are assigned to."""
    if user.role == UserRole.ADMIN:
        return True
    assigned = select(show_hosts).where(
        show_hosts.c.show_id == show.id, show_hosts.c.user_id == user.id
    )
    return session.execute(assigned).first() is not None


def shows_for(session: Session, user: User) -> Sequence[Show]:
    """The shows this user works on; a show in the trash is on the admins' Trash page only."""
    query = select(Show).where(Show.deleted_at.is_(None)).order_by(Show.title)
    if user.role != UserRole.ADMIN:
        query = query.join(show_hosts, show_hosts.c.show_id == Show.id).where(
            show_hosts.c.user_id == user.id
        )
    return session.scalars(query).all()


def invite_host(
    session: Session, email: str, name: str, show_ids: Sequence[int], now: datetime | None = None
) -> tuple[User, str]:
    """Create an inactive host with no password and return them with a one-time token.

    Only the token's hash is stored, so a leaked database cannot be used to take the invite.
    """
    email = normalise_email(email)
    if get_user_by_email(session, email) is not None:
        raise InvalidInput(f"{email} already has an account.")
    user = User(email=email, name=name.strip(), role=UserRole.HOST, active=True)
    session.add(user)
    session.flush()
    set_host_shows(session, user, show_ids)
    return user, new_invite(session, user, now)


def new_invite(session: Session, user: User, now: datetime | None = None) -> str:
    token = secrets.token_urlsafe(32)
    expires = (now or utc_now()) + INVITE_LIFETIME
    session.add(Invite(user_id=user.id, token_hash=token_hash(token), expires_at=expires))
    session.flush()
    return token


def find_invite(session: Session, token: str, now: datetime | None = None) -> Invite | None:
    """An unused, unexpired invite for this token, or None."""
    invite = session.scalars(
        select(Invite).where(Invite.token_hash == token_hash(token))
    ).one_or_none()
    if invite is None or invite.used_at is not None or invite.expires_at <= (now or utc_now()):
        return None
    return invite


def accept_invite(session: Session, token: str, password: str) -> User:
    invite = find_invite(session, token)
    if invite is None:
        raise InvalidInput(
            "This invitation link was already used or has expired; ask for a new one."
        )
    user = session.get(User, invite.user_id)
    if user is None or not user.active:
        raise InvalidInput("This account has been deactivated.")
    set_password(user, password)
    invite.used_at = utc_now()
    session.flush()
    return user


def set_host_shows(session: Session, user: User, show_ids: Sequence[int]) -> None:
    session.execute(delete(show_hosts).where(show_hosts.c.user_id == user.id))
    for show_id in sorted(set(show_ids)):
        session.execute(insert(show_hosts).values(show_id=show_id, user_id=user.id))
    session.expire(user, ["shows"])
    session.flush()


def set_active(session: Session, user: User, active: bool, acting: User) -> None:
    if user.id == acting.id and not active:
        raise InvalidInput("You cannot deactivate your own account.")
    if user.active and not active:
        end_sessions(user)
    user.active = active
    session.flush()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
