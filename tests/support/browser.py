"""Headless Chromium (Debian's chromium + chromedriver) driven by Selenium, for the HTML tests,
and a screenshot tool for people:

    python tests/browser.py outputs/article.html /tmp/article.png
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# Without the background-networking flags Chromium tries to reach Google at start-up.
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1400,1000"]


def available() -> str | None:
    """None when a browser can be started here, else the reason it cannot."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return None


def start(*, downloads: Path | None = None):
    """A headless Chromium; with ``downloads``, files the page downloads are saved there."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if downloads is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    if downloads is not None:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


def downloaded(folder: Path, *, timeout: float = 10.0) -> list[Path]:
    """The files in ``folder`` once no download is in progress (Chromium's ``.crdownload``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(folder.iterdir())
        if files and not any(f.suffix == ".crdownload" for f in files):
            return files
        time.sleep(0.1)
    raise TimeoutError(f"no finished download in {folder} after {timeout} s")


def requests(driver) -> list[str]:
    """URLs the page asked for since the last call."""
    events = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
    return [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]


def screenshot(page: Path, png: Path) -> Path:
    driver = start()
    try:
        driver.get(page.resolve().as_uri())
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(1400, min(max(height, 800), 6000))
        driver.save_screenshot(str(png))
    finally:
        driver.quit()
    return png


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python tests/browser.py PAGE.html SHOT.png")
    print(screenshot(Path(sys.argv[1]), Path(sys.argv[2])))
