"""Headless Chromium driven through selenium, for tests of the admin console.

The browser is Debian's ``chromium`` with its ``chromedriver`` (``scripts/ensure_test_tools.sh`` installs both);
selenium is given both paths, so its Selenium Manager never runs and nothing is downloaded. Chromium starts with
a new empty profile and without its background services (the machine's network is closed: they would only be
refused and slow it down).

Selenium's calls block, so :class:`Browser` runs them in a thread: the test's event loop keeps serving the SDK
clients meanwhile. Screenshots go to the test's directory and, when ``TURMS_CONSOLE_SCREENSHOTS`` names a
directory (``docs/admin-console`` for the documentation), there too.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
WIDTH, HEIGHT, MAX_SHOT_HEIGHT = 1400, 1000, 2400
SCREENSHOTS_ENV = "TURMS_CONSOLE_SCREENSHOTS"
T = TypeVar("T")


def start_chromium() -> tuple[webdriver.Chrome, Path]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            raise AssertionError(
                f"{path} is missing: run scripts/ensure_test_tools.sh (Debian chromium, chromium-driver)"
            )
    profile = Path(tempfile.mkdtemp(prefix="turms-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size={WIDTH},{HEIGHT}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    return driver, profile


class Browser:
    """One Chromium for a test module, with async helpers for the console's pages."""

    def __init__(self, driver: webdriver.Chrome, profile: Path, base_url: str, shots: Path) -> None:
        self.driver = driver
        self.profile = profile
        self.base_url = base_url
        self.shots = shots
        extra = os.environ.get(SCREENSHOTS_ENV)
        self.extra_shots = Path(extra) if extra else None

    def quit(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)

    async def run(self, action: Callable[[], T]) -> T:
        return await asyncio.to_thread(action)

    async def open(self, path: str) -> None:
        await self.run(lambda: self.driver.get(self.base_url + path))

    async def find(self, css: str, within: float = 10.0) -> WebElement:
        """The first element matching ``css``, waiting for it to appear."""

        def wait() -> WebElement:
            deadline = time.monotonic() + within
            while True:
                found = self.driver.find_elements(By.CSS_SELECTOR, css)
                if found:
                    return found[0]
                if time.monotonic() > deadline:
                    raise AssertionError(f"no {css!r} on {self.driver.current_url}:\n{self.driver.page_source[:3000]}")
                time.sleep(0.05)

        return await self.run(wait)

    async def all(self, css: str) -> list[WebElement]:
        return await self.run(lambda: self.driver.find_elements(By.CSS_SELECTOR, css))

    async def text(self, css: str) -> str:
        element = await self.find(css)
        return await self.run(lambda: element.text)

    async def wait_for(self, condition: Callable[[], bool], what: str, within: float = 15.0) -> None:
        """Poll ``condition`` (run in the browser's thread) until it holds."""

        def wait() -> None:
            deadline = time.monotonic() + within
            while not condition():
                if time.monotonic() > deadline:
                    raise AssertionError(f"{what}: not within {within} s on {self.driver.current_url}")
                time.sleep(0.1)

        await self.run(wait)

    async def fill(self, css: str, value: str) -> None:
        element = await self.find(css)

        def type_in() -> None:
            element.clear()
            element.send_keys(value)

        await self.run(type_in)

    async def click(self, css: str, *, confirm: bool = False) -> None:
        """Click ``css`` (accepting the confirmation dialog it opens when ``confirm``) and wait for the next page."""
        element = await self.find(css)

        def act() -> None:
            before = self.driver.find_element(By.TAG_NAME, "html")
            element.click()
            if confirm:
                deadline = time.monotonic() + 5
                while True:
                    try:
                        self.driver.switch_to.alert.accept()
                        break
                    except Exception:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.05)
            deadline = time.monotonic() + 15
            while True:  # the old page's element goes stale once the next page has loaded
                try:
                    before.is_enabled()
                except Exception:
                    break
                if time.monotonic() > deadline:
                    raise AssertionError(f"clicking {css!r} did not load a page")
                time.sleep(0.05)
            self.driver.find_element(By.TAG_NAME, "body")

        await self.run(act)

    async def js(self, script: str, *args: Any) -> Any:
        return await self.run(lambda: self.driver.execute_script(script, *args))

    async def log_in(self, login: str, password: str) -> None:
        await self.open("/console/login")
        await self.fill("#login", login)
        await self.fill("#password", password)
        await self.click("#submit")

    async def log_out(self) -> None:
        await self.click("#logout")
        await self.find("#login")

    async def screenshot(self, name: str) -> Path:
        """The whole page (up to 2,400 px high) as ``<name>.png``."""
        path = self.shots / f"{name}.png"

        def shoot() -> None:
            # The window's height includes the browser's own frame, which the page does not get.
            page, frame = self.driver.execute_script(
                "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]"
            )
            self.driver.set_window_size(WIDTH, max(HEIGHT, min(int(page), MAX_SHOT_HEIGHT) + int(frame)))
            try:
                self.driver.save_screenshot(str(path))
            finally:
                self.driver.set_window_size(WIDTH, HEIGHT)

        await self.run(shoot)
        if self.extra_shots is not None:
            self.extra_shots.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.extra_shots / path.name)
        return path

    async def console_errors(self) -> list[str]:
        """The browser log's errors since the last call (CSP violations, failed scripts, failed requests)."""
        entries = await self.run(lambda: self.driver.get_log("browser"))
        return [e["message"] for e in entries if e.get("level") == "SEVERE"]
