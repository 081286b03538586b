"""The studio's list pages at bench size: median of 20 requests through the test client, as
an admin who is signed in through the real form."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from showapp import create_app, db  # noqa: E402
from showapp.models import UserRole  # noqa: E402
from tests.studio_helpers import login, make_user  # noqa: E402

REPEATS = 20


def studio_timings(config: dict[str, Any], show: str) -> dict[str, float]:
    app = create_app(config)
    with db.new_session(app) as session:
        make_user(session, "bench@example.com", role=UserRole.ADMIN)
        session.commit()
    client = app.test_client()
    assert login(client, "bench@example.com").status_code in (302, 303)
    pages = {
        "studio home (shows)": "/studio/",
        "episode list": f"/studio/shows/{show}/episodes",
        "guest list": "/studio/guests",
        "topic list": "/studio/topics",
        "downloads dashboard": f"/studio/shows/{show}/downloads",
    }
    timings: dict[str, float] = {}
    for name, path in pages.items():
        samples = []
        for _ in range(REPEATS + 1):
            started = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        timings[name] = statistics.median(samples[1:])  # the first warms the templates
    db.get_engine(app).dispose()
    return timings
