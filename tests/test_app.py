"""The app factory: configuration, refusing unsafe or unmigrated starts."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from showapp import create_app
from showapp.config import ConfigError
from showapp.db import NotMigrated, new_session
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


def test_an_app_that_is_dropped_is_freed(app_config: dict[str, Any]) -> None:
    """Session hooks live in SQLAlchemy's class-level registry; had they held the app, every
    app built in a process (each test builds one) would stay in memory with its engine."""
    app = create_app({**app_config, "MAIL_AUTO_SEND": True})
    with app.app_context():
        session = new_session(app)
        make_show(session, slug="freed")
        session.commit()  # runs the hooks: feed stamps, search, page cache, mail
        session.close()
    assert app.test_client().get("/freed/").status_code == 200
    dropped = weakref.ref(app)
    del app, session
    gc.collect()
    assert dropped() is None
