"""Files an upload killed mid-write (kill -9) leaves in a show's folder are removed a day later,
at app start and by `showapp stats rollup`; files being written and finished files stay."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from flask.testing import FlaskCliRunner

from showapp import create_app, db
from showapp.config import REPO_ROOT
from showapp.services.audio.files import PartFile

DAY = 24 * 3600


def _file(path: Path, age_seconds: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xfb" * 100)
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def _folder(episodes_dir: Path) -> dict[str, Path]:
    show = episodes_dir / "pod"
    return {
        "old upload": _file(show / ".upload-0123456789abcdef.mp3.part", 2 * DAY),
        "old tagged copy": _file(show / ".tag-0123456789abcdef.mp3.part", DAY + 60),
        "fresh upload": _file(show / ".upload-fedcba9876543210.mp3.part", 60),
        "finished audio": _file(show / "first-0a1b2c3d.mp3", 30 * DAY),
        "resumable feed download": _file(show / ".import-abc.part", 30 * DAY),
    }


def test_app_start_removes_old_leftovers_only(app_config: dict[str, Any], tmp_path: Path) -> None:
    episodes_dir = Path(app_config["EPISODES_DIR"])
    files = _folder(episodes_dir)
    app = create_app(app_config)
    db.get_engine(app).dispose()
    assert not files["old upload"].exists() and not files["old tagged copy"].exists()
    for kept in ("fresh upload", "finished audio", "resumable feed download"):
        assert files[kept].exists(), kept


def test_rollup_removes_a_file_left_by_a_killed_upload(
    runner: FlaskCliRunner, episodes_dir: Path
) -> None:
    # A real upload process killed with SIGKILL while it writes: its lock dies with it.
    script = (
        "import sys, time; from pathlib import Path; "
        "from showapp.services.audio.files import PartFile; "
        "part = PartFile(Path(sys.argv[1]), '.mp3'); part.write(b'x' * 1000); part.flush(); "
        "print(part.path, flush=True); time.sleep(60)"
    )
    killed = subprocess.Popen(
        [sys.executable, "-c", script, str(episodes_dir / "pod")],
        stdout=subprocess.PIPE,
        cwd=REPO_ROOT,
    )
    assert killed.stdout is not None
    orphan = Path(killed.stdout.readline().decode().strip())
    killed.kill()
    killed.wait(timeout=10)
    killed.stdout.close()
    # An upload still being written, as old as the orphan (a stalled client): its lock keeps it.
    writing = PartFile(episodes_dir / "pod", ".mp3")
    try:
        for path in (orphan, writing.path):
            stamp = time.time() - 2 * DAY
            os.utime(path, (stamp, stamp))
        result = runner.invoke(args=["stats", "rollup"])
        assert result.exit_code == 0, result.output
        assert "Removed 1 file left behind by interrupted uploads." in result.output
        assert not orphan.exists()
        assert writing.path.exists()
    finally:
        writing.discard()
