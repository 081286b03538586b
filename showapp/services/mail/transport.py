"""SMTP with the standard library: smtplib sends an email.message.EmailMessage.

The standard library is enough here: EmailMessage builds multipart/alternative with correct
encodings and headers, and smtplib speaks STARTTLS, implicit TLS and AUTH; what a library would
add (templating, connection pools) lives elsewhere or is not needed at this volume.
Failures are sorted into temporary (try again later: connection refused, 4xx, a lost
connection, bad credentials an admin can fix) and permanent (5xx for this message).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from types import TracebackType
from typing import Protocol

from showapp.models import MailKind, OutboxMessage
from showapp.services.mail.outbox import OPTIONAL_KINDS

SECURITY_MODES = ("none", "starttls", "tls")
TIMEOUT_SECONDS = 30


class TemporaryFailure(Exception):
    """Worth another attempt later."""


class PermanentFailure(Exception):
    """The server refused this message for good (5xx)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    security: str = "none"  # none | starttls | tls
    timeout: float = TIMEOUT_SECONDS


@dataclass(frozen=True)
class Envelope:
    """What every message gets from the install, besides its own content."""

    sender: str  # the From header, e.g. "Leaders <mail@podcast.example>"
    reply_to: str = ""
    # The one-click unsubscribe URL for this message's address and kind, if it has one.
    unsubscribe_url: str | None = None


class Transport(Protocol):
    def __enter__(self) -> Transport: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def send(self, message: EmailMessage) -> None: ...


def build_email(
    row: OutboxMessage, envelope: Envelope, message_id: str, date: datetime
) -> EmailMessage:
    """The message as it goes out: a plain-text part always, HTML as its alternative."""
    email = EmailMessage()
    email["Subject"] = row.subject
    email["From"] = envelope.sender
    email["To"] = row.to_address
    if envelope.reply_to:
        email["Reply-To"] = envelope.reply_to
    email["Date"] = format_datetime(date)
    email["Message-ID"] = message_id
    if envelope.unsubscribe_url and row.kind in OPTIONAL_KINDS:
        # RFC 2369 and RFC 8058: mail programs show an unsubscribe button that POSTs here.
        email["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if row.kind == MailKind.DIGEST or row.kind == MailKind.FOLLOW_UPS:
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to these
    email.set_content(row.text_body)
    if row.html_body:
        email.add_alternative(row.html_body, subtype="html")
    return email


def new_message_id(sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return make_msgid(domain=domain)


class SmtpTransport:
    """One connection for a round of deliveries, opened on the first message."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()

    def send(self, message: EmailMessage) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise _by_code(code, reply) from error
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as error:
            # Wrong credentials or no STARTTLS: the admin's to fix; the message is not at fault.
            self._close()
            raise TemporaryFailure(f"SMTP login or TLS failed: {error}") from error
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500:
                self._reset()
            else:
                self._close()
            raise _by_code(error.smtp_code, error.smtp_error) from error
        except (OSError, smtplib.SMTPException) as error:
            # Refused, timed out, disconnected: the next attempt reconnects.
            self._close()
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.security == "starttls":
                smtp.starttls(context=context)
            if s.username:
                smtp.login(s.username, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _reset(self) -> None:
        # After a refused message the connection is still good for the next one.
        if self._smtp is not None:
            try:
                self._smtp.rset()
            except (OSError, smtplib.SMTPException):
                self._close()

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _by_code(code: int, reply: bytes | str) -> Exception:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    described = f"SMTP {code}: {text}"
    return PermanentFailure(described) if code >= 500 else TemporaryFailure(described)
