"""Unsubscribing from a message's link, with no account.

GET shows what the link would stop and asks; POST stops it. A mail program's one-click
unsubscribe (RFC 8058) POSTs `List-Unsubscribe=One-Click` to the same URL. These POSTs carry
no CSRF token: the signed token in the URL is the key, which another site cannot know, and
one-click posts come from mail servers that have no form to read a token from.
"""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import InvalidInput
from showapp.models import MailKind
from showapp.services.mail import optouts
from showapp.site import bp

WHAT = {
    MailKind.DIGEST: "the weekly e-mail about listeners who tried your advice",
    MailKind.REVIEW_ACTIVITY: "e-mails about guests' comments and approvals",
    MailKind.FOLLOW_UPS: "reminders of follow-ups that are due",
    MailKind.REVIEW_LINK: "review links from the show's hosts",
    MailKind.INVITE: "invitations",
    MailKind.REPLY: "replies from the show",
    MailKind.GUEST_INVITE: "invitations to come on a show",
}


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> ResponseReturnValue:
    try:
        wanted = optouts.read_token(token, str(current_app.config["SECRET_KEY"]))
    except optouts.TokenExpired as error:
        return _page("unsubscribe_gone", 410, message=str(error), status=410)
    except InvalidInput as error:
        return _page("unsubscribe_gone", 400, message=str(error), status=400)
    if request.method == "GET":
        return _page("unsubscribe", 200, wanted=wanted, what=WHAT[wanted.kind], token=token)
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    everything = not one_click and request.form.get("scope") == "all"
    session = get_session()
    optouts.opt_out(session, wanted.email, None if everything else wanted.kind)
    session.commit()
    what = "any e-mail from this site but replies you ask for" if everything else WHAT[wanted.kind]
    return _page("unsubscribed", 200, wanted=wanted, what=what)


def _page(name: str, code: int, **context: object) -> tuple[str, int, dict[str, str]]:
    html = render_template(f"site/{name}.html", **context)
    # The token is in the URL: keep it out of Referer headers, search engines and caches.
    headers = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
               "Cache-Control": "private, no-store"}  # fmt: skip
    return html, code, headers
