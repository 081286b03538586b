"""E-mail for the app: settings, message templates and the runner that sends them.

showapp/services/mail keeps the outbox and delivers it; this package is the app's side of it:
SMTP settings from the config, the absolute links a message carries, rendering the text and
HTML parts from templates/mail/, and the periodic runner (runner.py). Nothing here runs in a
request but `queue_*` (messages.py), which only adds a row to the request's transaction.
"""

from __future__ import annotations

from email.utils import formataddr
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

from showapp.models import MailKind
from showapp.services.mail import optouts
from showapp.services.mail.delivery import DeliveryPolicy
from showapp.services.mail.transport import SmtpSettings, SmtpTransport

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


def this_app() -> Flask:
    """The app of the current request, for the queue_* functions views call."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


def smtp_settings(app: Flask) -> SmtpSettings | None:
    """The configured SMTP server, or None: then messages are held in the studio's outbox."""
    host = str(app.config["SMTP_HOST"] or "").strip()
    if not host:
        return None
    security = str(app.config["SMTP_SECURITY"])
    return SmtpSettings(
        host=host,
        port=int(app.config["SMTP_PORT"] or DEFAULT_PORTS[security]),
        username=str(app.config["SMTP_USERNAME"] or ""),
        password=str(app.config["SMTP_PASSWORD"] or ""),
        security=security,
    )


def make_transport(app: Flask) -> SmtpTransport | None:
    settings = smtp_settings(app)
    return SmtpTransport(settings) if settings else None


def sender(app: Flask) -> str:
    configured = str(app.config["MAIL_FROM"] or "").strip()
    if configured:
        return configured
    host = urlsplit(str(app.config["BASE_URL"])).hostname or "localhost"
    if "." not in host:
        host += ".localdomain"  # an address needs a dotted domain to pass most servers
    return formataddr((str(app.config["SITE_TITLE"]), f"noreply@{host}"))


def delivery_policy(app: Flask) -> DeliveryPolicy:
    def unsubscribe(address: str, kind: MailKind) -> str:
        return unsubscribe_url(app, address, kind)

    return DeliveryPolicy(
        sender=sender(app),
        reply_to=str(app.config["MAIL_REPLY_TO"] or ""),
        unsubscribe_url=unsubscribe,
        max_attempts=int(app.config["MAIL_MAX_ATTEMPTS"]),
        backoff_seconds=float(app.config["MAIL_RETRY_SECONDS"]),
    )


def absolute_url(app: Flask, endpoint: str, **values: Any) -> str:
    """A link for a message: built outside any request, from SHOWAPP_BASE_URL."""
    adapter = app.url_map.bind("localhost", script_name="/")
    return str(app.config["BASE_URL"]) + adapter.build(endpoint, values)


def unsubscribe_url(app: Flask, address: str, kind: MailKind) -> str:
    token = optouts.token_for(address, kind, str(app.config["SECRET_KEY"]))
    return absolute_url(app, "site.unsubscribe", token=token)


def render(app: Flask, name: str, **context: Any) -> tuple[str, str]:
    """The plain-text and HTML parts of templates/mail/<name>.txt and .html. The HTML is
    autoescaped like every page; the text is not HTML, so it is not escaped."""
    context.setdefault("site_title", app.config["SITE_TITLE"])
    context.setdefault("base_url", app.config["BASE_URL"])
    text = app.jinja_env.get_template(f"mail/{name}.txt").render(context)
    html = app.jinja_env.get_template(f"mail/{name}.html").render(context)
    return text.strip() + "\n", html
