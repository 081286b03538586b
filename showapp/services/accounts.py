"""Users and passwords."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from showapp.errors import InvalidInput
from showapp.models import User, UserRole

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    # werkzeug's scrypt: a memory-hard, vetted scheme that needs no extra dependency.
    return generate_password_hash(password, method="scrypt")


def password_matches(user: User, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash or "", password)


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
    user.password_hash = hash_password(password)
    session.flush()
    return user
