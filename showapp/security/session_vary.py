"""Flask-Login without "Vary: Cookie" on every response, through public Flask hooks only.

Flask-Login reads the session after every response to manage remember-me cookies, which the
studio never issues. Any read of ``flask.session`` marks the session accessed, and Flask then
adds "Vary: Cookie" to the response: feeds and media would stop being cached by CDNs.

Only that read is discounted. Hooks registered on either side of Flask-Login's (Flask runs
after-request hooks in reverse order of registration) note the session's ``accessed`` flag
before it runs and put it back afterwards. Every other read still counts, and if Flask-Login
changes the session, Flask adds the header anyway when it writes the cookie.
"""

from __future__ import annotations

from flask import Flask, Request, Response, g
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import LoginManager, current_user


class _KeptSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie sessions, with the opened session also kept in ``g`` so that the hooks
    below can read its flags without going through ``flask.session``, which marks it."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.cookies.get(self.get_cookie_name(app)):
            session = super().open_session(app, request)
        else:
            # No cookie, nothing to verify: most requests (listeners, apps, crawlers) skip
            # building the signing serializer, a sixth of a page cache hit.
            session = self.session_class()
        g.opened_session = session
        return session


def init_login(app: Flask, login_manager: LoginManager) -> None:
    app.session_interface = _KeptSessionInterface()
    app.after_request(_restore_accessed)  # runs after Flask-Login's hook
    # Flask-Login's own context processor loads the user for every template, public pages
    # too, which never show who is signed in; the proxy loads it only where a template asks.
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(_signed_in_user)
    app.after_request(_note_accessed)  # runs before it


def _signed_in_user() -> dict[str, object]:
    return {"current_user": current_user}


def _note_accessed(response: Response) -> Response:
    session = g.get("opened_session")
    if session is not None:
        g.session_accessed_before_login = session.accessed
    return response


def _restore_accessed(response: Response) -> Response:
    session = g.get("opened_session")
    if session is not None and not g.pop("session_accessed_before_login", True):
        session.accessed = False
    return response
