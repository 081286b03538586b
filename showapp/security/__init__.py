"""Who may do what, app-wide: CSRF on every POST, sign-in sessions (revocable on the server,
without "Vary: Cookie" on feeds and media), rate limits, and the security headers of every
response. create_app installs them; the studio's gate (studio/__init__.py) builds on them."""
