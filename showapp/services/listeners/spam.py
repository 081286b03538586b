"""The spam guard of the listeners' forms, without a third-party service.

A post is refused, and nothing stored, when:
- the honeypot field (hidden from people, filled by form-filling bots) has a value;
- its form token is missing, forged, younger than MIN_FILL_SECONDS (no person reads the page
  and writes a story that fast) or older than MAX_AGE_SECONDS (a replayed old page);
- it has more links than a story needs, or any link in a name;
- a field is too long, or the e-mail is not an address.
Rate limits per address and the cap of stories waiting per advice or show are applied by the
views and the services that store, so a burst is cut off before it reaches this module.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.errors import ShowappError
from showapp.models import Moderation

MIN_FILL_SECONDS = 3
MAX_AGE_SECONDS = 2 * 60 * 60
MAX_STORY = 2000
MAX_NAME = 80
MAX_MENTOR_NAME = 120
MAX_EMAIL = 255
MAX_LINKS_IN_STORY = 1
# The field bots fill in: a name that promises something worth filling.
HONEYPOT_FIELD = "website"
TOKEN_FIELD = "form_token"
_SALT = "showapp.listener-form"
# http(s) URLs, www. hosts and bare domains of the usual spam TLDs all count as links.
_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|info|biz|ru|cn|xyz|top|io|co|ly|me)\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]{2,}")


class Refused(ShowappError):
    """The post breaks a rule the listener can fix; the message says which."""


class TooManyWaiting(ShowappError):
    """So many posts already wait for the host that more are not taken for now (429)."""


class Honeypot(Exception):
    """A bot filled the hidden field: answered like a success, stored nowhere."""


@dataclass(frozen=True)
class ListenerPost:
    story: str
    name: str
    email: str
    consent: bool
    mentor_name: str = ""


class _ClockSigner(TimestampSigner):
    """A signer whose "now" can be given, so tokens are checked against one clock reading."""

    def __init__(self, secret: str, now: float | None) -> None:
        super().__init__(secret, salt=_SALT)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now if self.now is not None else time.time())


def issue_token(secret: str, purpose: str, now: float | None = None) -> str:
    """A token for one form (purpose names it, e.g. "tried:12"), stamped with the time the
    page was served."""
    return _ClockSigner(secret, now).sign(purpose).decode()


def check_token(secret: str, purpose: str, token: str, now: float | None = None) -> None:
    reload = "Reload the page, then send your story again."
    try:
        value, issued = _ClockSigner(secret, now).unsign(token, return_timestamp=True)
    except BadSignature as error:
        raise Refused(f"This form could not be checked. {reload}") from error
    if value.decode() != purpose:
        raise Refused(f"This form belongs to another page. {reload}")
    age = (now if now is not None else time.time()) - issued.timestamp()
    if age < MIN_FILL_SECONDS:
        raise Refused("That was sent faster than anyone can write: wait a moment, then send it.")
    if age > MAX_AGE_SECONDS:
        raise Refused(f"This form was open for more than two hours. {reload}")


def count_links(text: str) -> int:
    return len(_LINK.findall(text))


def read_post(
    form: Mapping[str, str], secret: str, purpose: str, *, with_mentor: bool = False
) -> ListenerPost:
    """The post's fields, checked; raises Honeypot, or Refused with what to fix."""
    if form.get(HONEYPOT_FIELD, "").strip():
        raise Honeypot
    check_token(secret, purpose, form.get(TOKEN_FIELD, ""))
    post = ListenerPost(
        story=_text(form.get("story", "")),
        name=" ".join(form.get("name", "").split()),
        email=form.get("email", "").strip(),
        consent=form.get("consent") in ("yes", "on", "1"),
        mentor_name=" ".join(form.get("mentor_name", "").split()) if with_mentor else "",
    )
    _check_fields(post, with_mentor)
    return post


def _text(value: str) -> str:
    # Line breaks are the listener's paragraphs; runs of blank lines and edge spaces are not.
    lines = [line.rstrip() for line in value.replace("\r\n", "\n").strip().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _check_fields(post: ListenerPost, with_mentor: bool) -> None:
    if not post.story:
        raise Refused("Write what happened: the story is empty.")
    if len(post.story) > MAX_STORY:
        raise Refused(
            f"The story is {len(post.story):,} characters long; at most {MAX_STORY:,} fit. "
            "Shorten it a little."
        )
    if count_links(post.story) > MAX_LINKS_IN_STORY:
        raise Refused("A story may hold one link at most: take the others out.")
    if with_mentor:
        _check_name(post.mentor_name, "Your mentor's name", MAX_MENTOR_NAME)
    _check_name(post.name, "Your name (or initials)", MAX_NAME)
    if post.email and (len(post.email) > MAX_EMAIL or not _EMAIL.fullmatch(post.email)):
        raise Refused(f"'{post.email[:60]}' is not an e-mail address; fix it or leave it empty.")


def _check_name(value: str, label: str, limit: int) -> None:
    if not value:
        raise Refused(f"{label} is missing.")
    if len(value) > limit:
        raise Refused(f"{label} is longer than {limit} characters.")
    if count_links(value) or "@" in value:
        raise Refused(f"{label} may not hold a link or an address.")


def refuse_floods_and_repeats(
    session: Session, model: Any, owner: Any, owner_id: int, story: str, cap: int, full: str
) -> None:
    """Before storing a post on `owner` (an advice's or a show's id column): refuse it when
    `cap` posts already wait for the host (`full` says so), or when this story was sent."""
    waiting = session.scalar(
        select(func.count(model.id)).where(owner == owner_id, model.status == Moderation.PENDING)
    )
    if (waiting or 0) >= cap:
        raise TooManyWaiting(full)
    same = select(model.id).where(owner == owner_id, model.story == story).limit(1)
    if session.scalar(same) is not None:
        raise Refused("This story was sent already: the host will read it.")
