"""Whether a failed sign-in's time tells which e-mails have an account: wrong passwords for a
known e-mail and for an unknown one, interleaved, through the app (rate limits off).

Run: .venv/bin/python bench/signin_timing.py  (prints figures; writes only to a temp folder)
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path

from flask.testing import FlaskClient

from showapp import create_app, db
from showapp.models import User
from showapp.services import accounts

ROUNDS = 10
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _attempt(client: FlaskClient, token: str, email: str) -> float:
    start = time.perf_counter()
    response = client.post(
        "/studio/login", data={"email": email, "password": "wrong password", "csrf_token": token}
    )
    assert response.status_code == 401, response.status_code
    return (time.perf_counter() - start) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
                "EPISODES_DIR": str(folder / "episodes"),
                "FEED_CACHE_DIR": str(folder / "feeds"),
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
            },
            check_migrations=False,
        )
        db.upgrade(app)
        with db.new_session(app) as session:
            password = accounts.hash_password("the real password")
            session.add(User(email="known@example.com", password_hash=password))
            session.commit()
        client = app.test_client()
        found = TOKEN.search(client.get("/studio/login").get_data(as_text=True))
        assert found
        times: dict[str, list[float]] = {"known e-mail": [], "unknown e-mail": []}
        for _ in range(ROUNDS):
            times["known e-mail"].append(_attempt(client, found.group(1), "known@example.com"))
            times["unknown e-mail"].append(_attempt(client, found.group(1), "nobody@example.com"))
        print(f"failed sign-in, {ROUNDS} interleaved rounds each (ms)")
        for label, values in times.items():
            print(
                f"  {label:15s} median {statistics.median(values):6.1f}"
                f"  min {min(values):6.1f}  max {max(values):6.1f}"
            )
        known, unknown = (statistics.median(v) for v in times.values())
        print(f"  ratio unknown/known: {unknown / known:.2f}")
        db.get_engine(app).dispose()


if __name__ == "__main__":
    main()
