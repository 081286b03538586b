"""A durable append-only spool: what a request must not lose, written as it is answered.

Media hits go here (media/recorder.py) and a job moves them into the database in batches.
`append` is one small write: an INSERT into a WAL-mode SQLite file with synchronous=NORMAL
(the write is in the OS's hands when it returns, so a killed worker loses nothing; only a
power cut can drop the last commits), or an RPUSH to Redis when SHOWAPP_JOBS=redis.

`take` leases a batch to one drainer and `done` deletes it; a batch whose drainer died
without calling `done` is offered again once its lease runs out, so an item is delivered at
least once.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Batch:
    items: list[bytes]
    token: Any  # what `done` needs to delete exactly these items


class Spool(Protocol):
    def append(self, item: bytes) -> None: ...

    def take(self, limit: int, lease_seconds: float) -> Batch: ...

    def done(self, batch: Batch) -> None: ...

    def size(self) -> int: ...


class SqliteSpool:
    def __init__(self, path: Path) -> None:
        # The file is made on first use, so an app that records nothing leaves none behind.
        self._path = path
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and process: sqlite3 connections cross neither.
        key = (os.getpid(), threading.get_ident())
        if getattr(self._local, "key", None) != key:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self._path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY, item BLOB NOT NULL, "
                "leased_until REAL NOT NULL DEFAULT 0)"
            )
            self._local.key, self._local.connection = key, connection
        found: sqlite3.Connection = self._local.connection
        return found

    def append(self, item: bytes) -> None:
        self._connection().execute("INSERT INTO spool (item) VALUES (?)", (item,))

    def take(self, limit: int, lease_seconds: float) -> Batch:
        connection = self._connection()
        now = time.time()
        connection.execute("BEGIN IMMEDIATE")
        try:
            rows = connection.execute(
                "SELECT id, item FROM spool WHERE leased_until < ? ORDER BY id LIMIT ?",
                (now, limit),
            ).fetchall()
            ids = [row[0] for row in rows]
            connection.executemany(
                "UPDATE spool SET leased_until = ? WHERE id = ?",
                [(now + lease_seconds, id_) for id_ in ids],
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return Batch([bytes(row[1]) for row in rows], ids)

    def done(self, batch: Batch) -> None:
        self._connection().executemany(
            "DELETE FROM spool WHERE id = ?", [(id_,) for id_ in batch.token]
        )

    def size(self) -> int:
        return int(self._connection().execute("SELECT count(*) FROM spool").fetchone()[0])


# Moves up to ARGV[1] items from the spool to a new lease list, due back at ARGV[2].
_TAKE = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
  redis.call('LTRIM', KEYS[1], #items, -1)
  redis.call('RPUSH', KEYS[2], unpack(items))
  redis.call('ZADD', KEYS[3], ARGV[2], KEYS[2])
end
return items
"""
# Puts the items of leases that ran out back on the spool.
_RETURN = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, lease in ipairs(expired) do
  local items = redis.call('LRANGE', lease, 0, -1)
  if #items > 0 then redis.call('LPUSH', KEYS[1], unpack(items)) end
  redis.call('DEL', lease)
  redis.call('ZREM', KEYS[2], lease)
end
return #expired
"""


class RedisSpool:
    def __init__(self, url: str, key: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url)
        self._key = key
        self._leases = f"{key}:leases"
        self._take = self._client.register_script(_TAKE)
        self._return = self._client.register_script(_RETURN)

    def append(self, item: bytes) -> None:
        self._client.rpush(self._key, item)

    def take(self, limit: int, lease_seconds: float) -> Batch:
        now = time.time()
        self._return(keys=[self._key, self._leases], args=[now])
        lease = f"{self._key}:lease:{uuid.uuid4().hex}"
        items = self._take(keys=[self._key, lease, self._leases], args=[limit, now + lease_seconds])
        return Batch([bytes(item) for item in items], lease)

    def done(self, batch: Batch) -> None:
        pipeline = self._client.pipeline()
        pipeline.delete(batch.token)
        pipeline.zrem(self._leases, batch.token)
        pipeline.execute()

    def size(self) -> int:
        return int(self._client.llen(self._key))


def make_spool(config: Any, name: str) -> Spool:
    """The spool `name` on the jobs store: Redis with SHOWAPP_JOBS=redis, else a SQLite file
    beside the jobs file."""
    if config["JOBS"] == "redis":
        return RedisSpool(str(config["JOBS_REDIS_URL"]), f"showapp.{config['JOBS_QUEUE']}.{name}")
    return SqliteSpool(Path(config["JOBS_DIR"]) / f"{name}.sqlite3")
