"""`showapp storage move`: an install's files to a bucket and back, resumable and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.services import network
from showapp.storage import LocalStorage, storage_of
from tests.factories import make_episode, make_show
from tests.s3server import S3Server


@pytest.fixture
def bucket_config(s3_server: S3Server) -> dict[str, Any]:
    """S3 settings with a fresh bucket, while SHOWAPP_STORAGE stays local."""
    config = s3_server.app_config(s3_server.new_bucket())
    config["STORAGE"] = "local"
    return config


@pytest.fixture
def app_config(app_config: dict[str, Any], bucket_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, **bucket_config}


def _move(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["storage", "move", *args])
    return result.exit_code, result.output


def test_move_to_s3_then_serve_from_the_bucket_then_back(
    app: Flask, session: Session, episodes_dir: Path, s3_server: S3Server, tmp_path: Path,
    live_server: str,
) -> None:  # fmt: skip
    show = make_show(session, slug="leaders", title="Leaders")
    episodes = [make_episode(session, show, episodes_dir) for _ in range(3)]
    row = network.settings_row(session)
    row.logo = "network/logo-1.png"  # named by the DB, but its file is gone
    session.commit()
    (episodes_dir / "leaders" / "notes.txt").write_text("an old file the DB does not name")
    local = LocalStorage(episodes_dir)
    files = sorted(local.names(""))

    code, output = _move(app, "--to", "s3", "--verify")
    summary = "5 files: 0 on s3 with the same sha256, 0 different, 4 not on s3, 1 missing"
    assert code == 1 and summary in output
    code, output = _move(app, "--to", "s3")
    assert code == 1, output  # the logo named by the DB is missing: said, and the exit fails
    assert "3 copied and checked" not in output and "4 copied and checked" in output
    assert "missing: network/logo-1.png" in output
    bucket = s3_server.client()
    name = app.config["S3_BUCKET"]
    keys = sorted(o["Key"] for o in bucket.list_objects_v2(Bucket=name)["Contents"])
    assert keys == files

    # Run again: everything is there with the same sha256, nothing is copied.
    row.logo = None
    session.commit()
    code, output = _move(app, "--to", "s3")
    assert code == 0 and "0 copied and checked, 4 on s3 with the same sha256" in output

    # A damaged copy is found by --verify and replaced by the next move.
    damaged = str(episodes[0].audio_file)
    bucket.put_object(Bucket=name, Key=damaged, Body=b"not the audio")
    code, output = _move(app, "--to", "s3", "--verify")
    assert code == 1 and f"differs on s3: {damaged}" in output
    code, output = _move(app, "--to", "s3")
    assert code == 0 and "1 copied and checked, 3 on s3" in output

    # Switched to the bucket, the media is served from it.
    served = create_app({**app.config, "STORAGE": "s3", "EPISODES_DIR": str(tmp_path / "spool")})
    try:
        client = served.test_client()
        answer = client.get(f"/media/{damaged}")
        assert answer.status_code == 302
        fetched = requests.get(answer.headers["Location"], timeout=10)
        assert fetched.content == (episodes_dir / damaged).read_bytes()
        # And back to a new folder: every file, the same bytes.
        back = tmp_path / "back"
        served.config["EPISODES_DIR"] = str(back)
        code, output = _move(served, "--to", "local")
        assert code == 0 and "4 copied and checked" in output, output
        for file in files:
            assert (back / file).read_bytes() == (episodes_dir / file).read_bytes()
    finally:
        db.get_engine(served).dispose()


def test_moving_to_the_backend_in_use_is_refused(app: Flask) -> None:
    code, output = _move(app, "--to", "local")
    assert code == 1 and "SHOWAPP_STORAGE is local already" in output
    assert storage_of(app).kind == "local"
