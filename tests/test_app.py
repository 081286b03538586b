"""The app factory: configuration, refusing unsafe or unmigrated starts."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import sessionmaker

from showapp import create_app
from showapp.config import ConfigError
from showapp.db import NotMigrated, new_session
from showapp.services.search import index as search_index
from tests.factories import make_show


def test_refuses_an_unmigrated_database_naming_the_command(tmp_path: Path) -> None:
    config = {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
        "EPISODES_DIR": str(tmp_path / "media"),
    }
    with pytest.raises(NotMigrated, match="Run: showapp init"):
        create_app(config)


def test_refuses_to_start_in_production_without_a_secret_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty instance folder: after `make run`, the checkout's own holds the key that
    # `showapp init` wrote, which the app would rightly use.
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda _app: str(tmp_path / "instance"))
    config = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "EPISODES_DIR": str(tmp_path / "media"),
        "SECRET_KEY": None,
    }
    with pytest.raises(ConfigError, match="SHOWAPP_SECRET_KEY"):
        create_app(config, check_migrations=False)


def test_environment_variables_configure_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOWAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("SHOWAPP_EPISODES_DIR", str(tmp_path / "audio"))
    monkeypatch.setenv("SHOWAPP_BASE_URL", "https://pod.example.org/")
    monkeypatch.setenv("SHOWAPP_SECRET_KEY", "from-env")
    monkeypatch.setenv("SHOWAPP_MAX_CONTENT_LENGTH", "1000")
    app = create_app(check_migrations=False)
    assert app.config["DATABASE_URL"].endswith("env.db")
    assert app.config["EPISODES_DIR"] == str(tmp_path / "audio")
    assert app.config["BASE_URL"] == "https://pod.example.org"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["MAX_CONTENT_LENGTH"] == 1000


def test_a_test_config_ignores_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOWAPP_BASE_URL", "https://leaked.example.org")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "EPISODES_DIR": str(tmp_path),
        },  # fmt: skip
        check_migrations=False,
    )
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"


def test_an_app_that_is_dropped_is_freed_and_the_next_one_hooks_its_sessions(
    app_config: dict[str, Any],
) -> None:
    """Session hooks live in SQLAlchemy's class-level registry; had they held the app, every
    app built in a process (each test builds one) would stay in memory with its engine. And
    a new app's sessionmaker can reuse a freed one's address, which the registry still knows:
    no hook may be skipped for "already installed"."""
    for round_ in range(3):
        app = create_app({**app_config, "MAIL_AUTO_SEND": True})
        client = app.test_client()
        with app.app_context():
            session = new_session(app)
            show = make_show(session, slug=f"freed-{round_}", title="Before")
            session.commit()
            assert "Before" in client.get(f"/freed-{round_}/").get_data(as_text=True)
            show.title = "After"
            session.commit()  # the hooks: feed stamps, search, page cache, mail
            session.close()
        assert "After" in client.get(f"/freed-{round_}/").get_data(as_text=True), round_
        dropped = weakref.ref(app)
        del app, client, session, show
        gc.collect()
        assert dropped() is None


def test_every_new_sessionmaker_gets_the_search_hooks() -> None:
    """SQLAlchemy's registry keys listeners by the target's id(), and keeps the keys of freed
    sessionmakers: asking it whether a new one already has them answered yes at a reused
    address, and that app neither reindexed search nor dropped stale pages."""
    for _ in range(50):
        factory = sessionmaker()
        search_index.watch_sessions(factory)
        assert len(list(factory().dispatch.after_flush)) == 1
        del factory
        gc.collect()
