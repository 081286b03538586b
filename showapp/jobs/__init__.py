"""Background work on a queue (huey): imports, pings, hit writing, rollups; mail later.

How to add work (e-mail's sender, for one):

    from showapp.jobs import task, enqueue

    @task("mail.send", retries=5, retry_delay=30)   # retries wait 30 s, 60 s, 120 s, ...
    def send_mail(app: Flask, outbox_id: int) -> None: ...

    enqueue(app, "mail.send", label="Invitation to ana@example.com", outbox_id=42)

Then import the module in showapp/jobs/tasks.py, the list of the app's background work, so
that every consumer knows the task. Arguments are JSON keyword values. A job that raises is
retried with backoff and, once out of retries, shows as failed on /studio/jobs with its error
and a retry button; a job whose worker is killed runs again (so make it idempotent).

Where jobs run: `showapp run` runs a consumer on threads of its own process; in production
`showapp worker` runs one beside gunicorn, whose web workers only enqueue.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from showapp.jobs.registry import periodic_task, task
from showapp.jobs.runtime import Jobs, get_jobs

__all__ = ["Jobs", "enqueue", "get_jobs", "init_app", "periodic_task", "task"]


def init_app(app: Flask) -> Jobs:
    """Give the app its queue; with SHOWAPP_JOBS_IN_PROCESS, each process that serves a
    request also runs a consumer (started then, so that it exists after gunicorn's fork)."""
    from showapp.jobs import tasks  # noqa: F401  (declares the app's tasks)

    jobs = app.extensions["showapp.jobs"] = Jobs(app)
    if app.config["JOBS_IN_PROCESS"]:
        app.before_request(jobs.start_consumer)
    return jobs


def enqueue(app: Flask, name: str, **options: Any) -> int | None:
    """Queue task `name`: see Jobs.enqueue for label=, show_id=, delay= and retries=."""
    return get_jobs(app).enqueue(name, **options)
