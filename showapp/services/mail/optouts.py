"""Unsubscribing without an account: a signed token names an address and a kind of mail.

The token is the only key (itsdangerous, salted for this use, timed so an old message's link
eventually stops working); opting out is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput, NotFound
from showapp.models import MailKind, MailOptOut

TOKEN_SALT = "showapp.unsubscribe"
ALL = "all"
# A link in a message keeps working this long (a digest read months later still unsubscribes).
TOKEN_MAX_AGE = 400 * 24 * 3600


class TokenExpired(NotFound):
    """A genuine unsubscribe link that is too old (the page says so: 410)."""


@dataclass(frozen=True)
class Unsubscribe:
    email: str
    kind: MailKind


def normalise(email: str) -> str:
    return email.strip().lower()


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=TOKEN_SALT)


def token_for(email: str, kind: MailKind, secret: str) -> str:
    return str(_serializer(secret).dumps([normalise(email), kind.value]))


def read_token(token: str, secret: str, max_age: int = TOKEN_MAX_AGE) -> Unsubscribe:
    """The address and kind a token names; InvalidInput if it was tampered with or cut short,
    TokenExpired if it is genuine but too old."""
    try:
        email, kind = _serializer(secret).loads(token, max_age=max_age)
        return Unsubscribe(str(email), MailKind(kind))
    except SignatureExpired as error:
        raise TokenExpired(
            "This unsubscribe link has expired. Use the link in a newer message, or reply to "
            "one and ask to be taken off."
        ) from error
    except (BadSignature, TypeError, ValueError) as error:
        raise InvalidInput(
            "This unsubscribe link is not valid: check that it was copied whole."
        ) from error


def is_opted_out(session: Session, email: str, kind: MailKind) -> bool:
    query = select(MailOptOut.id).where(
        MailOptOut.email == normalise(email), or_(MailOptOut.kind == kind.value,
                                                  MailOptOut.kind == ALL)
    )  # fmt: skip
    return session.scalars(query).first() is not None


def opt_out(session: Session, email: str, kind: MailKind | None) -> None:
    """Stop mail of `kind` (None: every optional kind) to `email`; doing it twice is fine."""
    address, value = normalise(email), kind.value if kind else ALL
    exists = select(MailOptOut.id).where(MailOptOut.email == address, MailOptOut.kind == value)
    if session.scalars(exists).first() is not None:
        return
    try:
        with session.begin_nested():
            session.add(MailOptOut(email=address, kind=value))
    except IntegrityError:
        pass  # a one-click POST and the confirm form raced: the opt-out is there either way
