"""Shared helpers for the browser tests: Chromium, viewports, axe-core and console errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from showapp.config import REPO_ROOT
from tests.conftest import require
from tests.studio_helpers import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "test-artifacts" / "site"
AXE_DIR = REPO_ROOT / ".cache" / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
STUDIO_VIEWPORT = {"width": 1200, "height": 900}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required", "--mute-audio",
]  # fmt: skip


def install_axe() -> Path | None:
    """axe-core from npm into .cache/axe (once); None when npm is missing."""
    if AXE_JS.exists():
        return AXE_JS
    npm = shutil.which("npm")
    if npm is None:
        return None
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            npm,
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(AXE_DIR),
            "axe-core@4",
        ],
        check=True,
        timeout=300,
    )
    return AXE_JS if AXE_JS.exists() else None


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; the test is skipped (in CI, failed) without it."""
    require(CHROMIUM.exists(), "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def browser_page(viewport: str) -> Iterator[tuple[Any, list[str]]]:
    """A page at a viewport, and the list its console errors and page errors land in."""
    with chromium() as browser:
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page, errors


@contextmanager
def studio_page(shots: Path) -> Iterator[Any]:
    """A page at the studio tests' desktop size; their screenshots go to `shots`."""
    shots.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        yield browser.new_page(viewport=STUDIO_VIEWPORT)


def sign_in(page: Any, url: str, email: str, landing: str) -> None:
    """Open `url`, which shows the sign-in form, sign in as `email` with the test password,
    and wait for the page the form leads to (`landing`, a URL glob)."""
    page.goto(url)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(landing)


def serious_violations(page: Any, axe_js: Path) -> list[str]:
    # Through the DevTools protocol: a <script> tag would be inline script, which the site's
    # Content-Security-Policy refuses.
    page.evaluate(axe_js.read_text())
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document);
            return result.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => v.id + ' (' + v.impact + '): '
                + v.nodes.map(n => n.target.join(' ')).join(', '));
        }"""
    )
    return list(found)


def screenshot(page: Any, name: str, viewport: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}-{viewport}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_until(page: Any, expression: str, timeout: float = 30.0) -> None:
    """page.wait_for_function that works under the site's Content-Security-Policy: Playwright
    runs that one's expression through the page's own eval(), which `script-src 'self'`
    forbids, while page.evaluate goes through the DevTools protocol, which no policy governs."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(expression):
                return
        except Error as error:
            # The page navigated between two polls: poll the next document.
            if "context was destroyed" not in error.message:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {expression}")
        page.wait_for_timeout(50)


def current_time(page: Any) -> float:
    return float(page.evaluate("document.querySelector('audio').currentTime"))


def dump(value: Any) -> str:
    return json.dumps(value, indent=1)
