"""Engine, sessions and migrations.

One engine per app; one session per request, opened lazily and closed at teardown, so a
request that fails before it commits leaves nothing behind.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, g
from sqlalchemy import Connection, Dialect, Engine, Executable, Result, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.compiler import Compiled

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class NotMigrated(RuntimeError):
    """The database schema is missing or older than this code."""


def make_engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"), **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _begin_before_savepoint)
    return engine


def _begin_before_savepoint(connection: Connection, _name: str | None) -> None:
    """Python's sqlite3 opens a transaction only before a write, so a savepoint taken first
    (session.begin_nested() before anything was written) became the transaction itself, and
    releasing it committed for real: a half-made show stayed after its request failed."""
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (feeds, pages) proceed while a host saves; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 32 MiB of pages per connection, not SQLite's 2 MiB: at 100,000 episodes a topic page
    # looks up its 600 episodes' rows scattered over a 400 MB file, and with the default
    # cache that read cost 1.05 ms instead of 0.49 (the whole page, in one process: 5.7 ->
    # 4.4 ms). Only pages read fill it, so a small show's database stays small in memory.
    cursor.execute("PRAGMA cache_size=-32768")
    _gather_statistics(cursor)
    cursor.close()


def _gather_statistics(cursor: Any) -> None:
    """ANALYZE a database whose episodes have no planner statistics yet, or ten times the rows
    they were analysed at (PRAGMA optimize's rule). Without them SQLite takes `deleted_at IS
    NULL` or `status IN (...)` for selective and walks that index over every episode: the
    network's latest episodes cost 200 ms at 100,000 episodes instead of a backward scan of
    ix_episodes_published_at. A full ANALYZE takes about half a second at that size, once;
    sampled ones (analysis_limit) misjudged those columns. PostgreSQL analyzes by itself."""
    tables = {
        row[0]
        for row in cursor.execute(
            "SELECT name FROM sqlite_master WHERE name IN ('episodes', 'sqlite_stat1')"
        )
    }
    if "episodes" not in tables:
        return
    episodes = cursor.execute("SELECT count(*) FROM episodes").fetchone()[0]
    analysed = None
    if "sqlite_stat1" in tables:
        analysed = cursor.execute(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'episodes' LIMIT 1"
        ).fetchone()
    if episodes == 0 or (analysed and episodes < 10 * int(analysed[0].split()[0])):
        return
    cursor.execute("ANALYZE")


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    app.extensions["showapp.engine"] = engine
    # An app that is dropped (each test builds one) closes its pooled connections rather than
    # leaving them to the garbage collector, which PostgreSQL's driver warns about.
    weakref.finalize(app, engine.dispose)
    app.extensions["showapp.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine(app: Flask | None = None) -> Engine:
    engine: Engine = (app or current_app).extensions["showapp.engine"]
    return engine


def new_session(app: Flask | None = None) -> Session:
    """A session outside the request cycle (CLI commands, tests); the caller closes it."""
    factory: sessionmaker[Session] = (app or current_app).extensions["showapp.sessionmaker"]
    return factory()


def get_session() -> Session:
    """The current request's session."""
    if "db_session" not in g:
        g.db_session = new_session()
    session: Session = g.db_session
    return session


P = ParamSpec("P")
S = TypeVar("S", bound=Executable)
# Statements built by a @prepared builder, by id, each held (so its id stays its own) with its
# compiled form per database dialect.
_PREPARED: dict[int, tuple[Executable, weakref.WeakKeyDictionary[Dialect, Compiled]]] = {}


def prepared(build: Callable[P, S]) -> Callable[P, S]:
    """functools.cache for a builder of read statements that rows() runs: each statement is
    built once per process and compiled once per database, then run as its compiled form.

    SQLAlchemy's own statement cache still costs each run its cache key's hash and lookup
    (a deep tuple: the related-episodes query has four subqueries): 15 to 30 µs a statement
    here, and a public page runs six to eleven of them."""

    @functools.cache
    @functools.wraps(build)
    def built(*args: P.args, **kwargs: P.kwargs) -> S:
        statement = build(*args, **kwargs)
        _PREPARED[id(statement)] = (statement, weakref.WeakKeyDictionary())
        return statement

    return cast(Callable[P, S], built)


def _compiled(statement: Executable, dialect: Dialect) -> Compiled | None:
    held = _PREPARED.get(id(statement))
    if held is None or held[0] is not statement:
        return None
    by_dialect = held[1]
    found = by_dialect.get(dialect)
    if found is None:
        found = by_dialect[dialect] = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    return found


def rows(
    session: Session, statement: Executable, params: Mapping[str, Any] | None = None
) -> Result[Any]:
    """Run a statement that selects columns, not entities, on the session's connection (after
    the flush session.execute would do): public pages run many small ones, and the ORM's
    execution path around each cost 40 of its 90 µs. A @prepared one runs precompiled."""
    if session.autoflush:
        session.flush()
    connection = session.connection()
    compiled = _compiled(statement, connection.dialect)
    # A Compiled executes through Connection.execute as SQLAlchemy's own statement cache
    # would run it after a hit, with the same events (query counters see it).
    return connection.execute(cast(Any, compiled or statement), params or {})


def after_outer_commit(
    factory: sessionmaker[Session], key: str, callback: Callable[[Any], None]
) -> None:
    """Once a transaction of `factory`'s sessions that noted `key` in session.info commits,
    call `callback` with the note; forget the note when it rolls back.

    Only the outermost transaction counts: SQLAlchemy sends a savepoint's release and its
    rollback as after_commit and after_rollback too, and acting on a release announced feeds,
    woke the mail runner and dropped page caches before the rows were out."""

    def _committed(session: Session) -> None:
        if not session.in_nested_transaction() and key in session.info:
            callback(session.info.pop(key))

    def _rolled_back(session: Session) -> None:
        if not session.in_nested_transaction():
            session.info.pop(key, None)

    event.listen(factory, "after_commit", _committed)
    event.listen(factory, "after_rollback", _rolled_back)


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(app: Flask) -> None:
    """Apply every migration; running it again does nothing."""
    with get_engine(app).begin() as connection:
        config = alembic_config(app.config["DATABASE_URL"])
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def check_migrated(app: Flask) -> None:
    heads = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    with get_engine(app).connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        raise NotMigrated(
            "The database is not migrated to this version of showapp "
            f"(at {sorted(current) or 'nothing'}, needs {sorted(heads)}). Run: showapp init"
        )
