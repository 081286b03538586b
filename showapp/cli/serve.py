"""`showapp run`: Flask's development server, whose links follow the address it listens on.

Pages and feeds write absolute links from SHOWAPP_BASE_URL. Left unset, it used to be
http://127.0.0.1:5000 whatever --port said, so `make run PORT=5101` served links to port 5000.
Now an unset SHOWAPP_BASE_URL is taken from --host and --port before the app is made, and the
server says so on start; a set one is used as it is (the public address behind a proxy).
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask.cli import run_command as flask_run

# Addresses that mean "every interface": a browser cannot open them, so links use loopback.
ANY_ADDRESS = {"0.0.0.0", "::", ""}


def base_url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ANY_ADDRESS else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"  # an IPv6 address in a URL
    return f"http://{shown}:{port}"


def _run(**options: Any) -> None:
    if not os.environ.get("SHOWAPP_BASE_URL"):
        derived = base_url_for(options["host"], options["port"])
        # Before the app is made (by Flask's run, below), and inherited by the reloader's child.
        os.environ["SHOWAPP_BASE_URL"] = derived
        click.secho(
            f"SHOWAPP_BASE_URL is not set: links in pages and feeds point to {derived}. "
            "Set it to the public address when others will reach this server another way.",
            fg="yellow",
            err=True,
        )
    # One process serves everything: it also runs the background jobs, on threads started by
    # its first request (the reloader's watching parent never serves, so it runs none).
    os.environ.setdefault("SHOWAPP_JOBS_IN_PROCESS", "true")
    click.get_current_context().invoke(flask_run, **options)


run_command = click.Command(
    "run",
    params=list(flask_run.params),
    callback=_run,
    help="Run the development server. Without SHOWAPP_BASE_URL, links follow --host and --port.",
)
