"""Mail: how long a round of the runner takes, and how fast the outbox drains to a local SMTP
server (aiosmtpd), on a fresh SQLite database.

Run: .venv/bin/python bench/mail.py [--guests 500]  (prints figures; writes only to a temp folder)
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from showapp import create_app, db
from showapp.columns import utc_now
from showapp.mail.messages import queue_periodic
from showapp.mail.runner import deliver_now
from showapp.models import Advice, AdviceReport, Moderation
from showapp.services.catalog import writes


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        return "250 OK"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guests", type=int, default=500)
    args = parser.parse_args()
    port = _port()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        app = create_app({
            "TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{folder}/b.db",
            "EPISODES_DIR": str(folder / "episodes"), "FEED_CACHE_DIR": str(folder / "feeds"),
            "BASE_URL": "http://podcast.test", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
            "MAIL_AUTO_SEND": False,
        }, check_migrations=False)  # fmt: skip
        db.upgrade(app)
        with db.new_session(app) as session:
            _seed(session, args.guests)
            start = time.perf_counter()
            counts = queue_periodic(app, session, utc_now())
            session.commit()
            queued = time.perf_counter() - start
        sink = Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            with db.new_session(app) as session:
                start = time.perf_counter()
                total = 0
                while True:
                    report = deliver_now(app, session)
                    total += report.sent
                    if report.sent == 0:
                        break
                sent = time.perf_counter() - start
        finally:
            controller.stop()
        print(
            f"queued {counts.digests} digests ({args.guests} guests, 3 reports each) "
            f"in {queued:.2f} s ({queued / max(counts.digests, 1) * 1000:.1f} ms each)"
        )
        print(f"delivered {total} to aiosmtpd in {sent:.2f} s ({total / sent:.0f} messages/s, "
              f"one connection per round of 100); received {sink.count}")  # fmt: skip
        db.get_engine(app).dispose()


def _seed(session: object, guests: int) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    feed = "http://podcast.test/leaders/feed.xml"
    show = writes.create_show(session, slug="leaders", title="Leaders", feed_url=feed)
    for n in range(guests):
        episode = writes.create_episode(session, show, title=f"Episode {n}", slug=f"e-{n}")
        guest = writes.find_or_create_guest(session, f"Guest {n}")
        guest.email = f"guest{n}@example.com"
        session.flush()
        advice = Advice(episode_id=episode.id, guest_id=guest.id, text=f"Advice {n}")
        session.add(advice)
        session.flush()
        session.add_all(
            AdviceReport(advice_id=advice.id, story="It worked.", name=f"L{k}",
                         status=Moderation.APPROVED, consent_to_publish=True)
            for k in range(3)
        )  # fmt: skip
    session.commit()


if __name__ == "__main__":
    main()
