"""Security headers on every response Flask sends: a Content-Security-Policy without inline
script, nosniff, a Referrer-Policy, and framing refused except for the embeddable player.

The site and the studio share one origin, so a script that got onto a public page (through a
guest's `javascript:` link, say) could act as a signed-in host. The policy makes the browser
refuse any script we did not ship as a file under /static.
Responses the WSGI layers build without Flask (fresh feeds, media handed to nginx) set
nosniff themselves: feed/http.py and media/delivery.py.
"""

from __future__ import annotations

from flask import Flask, Response, request

EMBED_PREFIX = "/embed/"
_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # Imported shows keep their artwork and audio on the old host until they are downloaded.
    "img-src": "'self' https: data:",
    "media-src": "'self' https:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(framable: bool) -> str:
    policy = {**_POLICY, "frame-ancestors": "*"} if framable else _POLICY
    return "; ".join(f"{directive} {sources}" for directive, sources in policy.items())


PAGE_POLICY = content_security_policy(framable=False)
EMBED_POLICY = content_security_policy(framable=True)
SHARED_HEADERS = {
    # Browsers must not guess a type: an uploaded "audio" file is never run as HTML or script.
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


# Feeds and media are read by apps and players, not rendered as pages: they get what the WSGI
# layers beneath Flask send for them too (nosniff), so both answers carry the same headers.
NOT_DOCUMENTS = {"feed", "media"}


def add_security_headers(response: Response) -> Response:
    """setdefault throughout: a view that chose a stricter value (the review pages send
    `Referrer-Policy: no-referrer`) keeps it; blueprint hooks run before this one."""
    if request.blueprint in NOT_DOCUMENTS:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
    # Any site may frame the player: that is what the embed code is for.
    wanted = EMBED_HEADERS if request.path.startswith(EMBED_PREFIX) else PAGE_HEADERS
    # One pass over the headers, where a setdefault per header scanned them four times.
    present = {name.lower() for name, _value in response.headers}
    response.headers.extend(
        [(name, value) for name, value in wanted if name.lower() not in present]
    )
    return response


EMBED_HEADERS = (*SHARED_HEADERS.items(), ("Content-Security-Policy", EMBED_POLICY))
PAGE_HEADERS = (
    *SHARED_HEADERS.items(),
    ("Content-Security-Policy", PAGE_POLICY),
    ("X-Frame-Options", "DENY"),
)
