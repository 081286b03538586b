"""The `task` decorator: how a module declares background work, before any app exists.

A task is a plain function `func(app, **kwargs)`. Declaring it only records it here; each app's
`Jobs` (runtime.py) registers every declared task with its own huey instance, so one process
can hold several apps (the tests do) and importing a module never starts anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

TaskFunc = Callable[..., None]
Func = TypeVar("Func", bound=TaskFunc)
# A periodic task's schedule: given a config, a predicate on UTC datetimes (huey's crontab).
Schedule = Callable[[dict[str, Any]], Callable[[datetime], bool]]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    func: TaskFunc
    retries: int = 0
    retry_delay: float = 0.0
    # Each retry waits this many times longer than the one before.
    retry_backoff: float = 2.0
    # A job_runs row for the studio's jobs page; off for frequent housekeeping.
    tracked: bool = True
    schedule: Schedule | None = None


TASKS: dict[str, TaskSpec] = {}


def task(
    name: str, *, retries: int = 0, retry_delay: float = 0.0, retry_backoff: float = 2.0,
    tracked: bool = True,
) -> Callable[[Func], Func]:  # fmt: skip
    """Declare `func(app, **kwargs)` as background work named `name`.

    Enqueue it with `showapp.jobs.enqueue(app, name, **kwargs)`; the keyword arguments must be
    JSON values (they are stored in the job's row and in the queue). A failure is retried
    `retries` times, the first after `retry_delay` seconds, each next one `retry_backoff` times
    later; the last failure marks the job failed, with its error, on /studio/jobs.
    """

    def decorator(func: Func) -> Func:
        TASKS[name] = TaskSpec(name, func, retries, retry_delay, retry_backoff, tracked)
        return func

    return decorator


def periodic_task(name: str, schedule: Schedule, *, tracked: bool = True) -> Callable[[Func], Func]:
    """Declare `func(app)` to run on a schedule in whichever consumer runs periodic tasks."""

    def decorator(func: Func) -> Func:
        TASKS[name] = TaskSpec(name, func, tracked=tracked, schedule=schedule)
        return func

    return decorator
