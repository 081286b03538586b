"""Name the app and platform behind a user agent, and spot bots, with the OPAWG lists.

The lists prescribe the order: bots, apps, libraries, browsers, and the first entry that
matches wins; devices name the platform of anything that is not a bot.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "opawg"
UPSTREAM_URL = "https://raw.githubusercontent.com/opawg/user-agents-v2/master/src/"
PATTERN_FILES = ("bots", "apps", "libraries", "browsers", "devices", "referrers")
ORDER = ("bots", "apps", "libraries", "browsers")


@dataclass(frozen=True)
class Agent:
    app: str  # "" when no list names it
    kind: str  # bots, apps, libraries, browsers, or "" for unknown
    platform: str  # a device name from devices.json, or ""

    @property
    def is_bot(self) -> bool:
        return self.kind == "bots"

    @property
    def is_browser(self) -> bool:
        return self.kind == "browsers"


@dataclass(frozen=True)
class _Entry:
    name: str
    pattern: re.Pattern[str]


@lru_cache(maxsize=4)
def _load(folder: Path, name: str) -> tuple[_Entry, ...]:
    data = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return tuple(_Entry(entry["name"], re.compile(entry["pattern"])) for entry in data["entries"])


def _first_match(entries: tuple[_Entry, ...], text: str) -> str | None:
    for entry in entries:
        if entry.pattern.search(text):
            return entry.name
    return None


@lru_cache(maxsize=4096)
def classify(user_agent: str, folder: Path = DATA_DIR) -> Agent:
    """The OPAWG reading of a user agent; results are cached, as apps repeat the same few."""
    for kind in ORDER:
        name = _first_match(_load(folder, kind), user_agent)
        if name is not None:
            platform = "" if kind == "bots" else _first_match(_load(folder, "devices"), user_agent)
            return Agent(name, kind, platform or "")
    return Agent("", "", _first_match(_load(folder, "devices"), user_agent) or "")


def refresh(source: str, folder: Path = DATA_DIR) -> list[str]:
    """Replace the shipped lists with those in `source` (a folder or a base URL).

    Every file is read and checked before any is replaced, so a broken download leaves the
    current lists in place. Returns the names of the files written.
    """
    contents = {name: _fetch(source, f"{name}.json") for name in PATTERN_FILES}
    for name, text in contents.items():
        _check_patterns(name, text)
    with tempfile.TemporaryDirectory(dir=folder.parent) as staging:
        for name, text in contents.items():
            (Path(staging) / f"{name}.json").write_text(text, encoding="utf-8")
        for name in contents:
            shutil.move(str(Path(staging) / f"{name}.json"), folder / f"{name}.json")
    _load.cache_clear()
    classify.cache_clear()
    return [f"{name}.json" for name in contents]


def _fetch(source: str, filename: str) -> str:
    if source.startswith(("http://", "https://")):
        url = source.rstrip("/") + "/" + filename
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (admin-given URL)
            body: bytes = response.read()
        return body.decode("utf-8")
    return (Path(source) / filename).read_text(encoding="utf-8")


def _check_patterns(name: str, text: str) -> None:
    try:
        entries = json.loads(text)["entries"]
        for entry in entries:
            re.compile(entry["pattern"])
            str(entry["name"])
    except (ValueError, KeyError, TypeError, re.error) as error:
        raise ValueError(f"{name}.json is not a valid OPAWG list: {error}") from error
