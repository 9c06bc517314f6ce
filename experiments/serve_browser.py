"""The page of ``n2n serve`` in a real headless Chromium: ``python -m experiments.serve_browser`` takes the docs'
screenshot ``docs/serve.png``; the browser tests (``tests/test_serve_browser.py``) drive the page with the same
helpers.

Chromium is Debian's ``chromium`` with its ``chromium-driver`` (``apt-get install chromium chromium-driver``),
driven by Selenium; the server runs as ``python -m n2n serve`` in a child process on a free loopback port, with its
temporary folder inside a folder the caller gives (so that the caller can check what it leaves behind).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Iterator

from n2n.paths import EXAMPLES, REPO_ROOT

OUT = REPO_ROOT / "docs" / "serve.png"
# As root, in a container, with no network: no sandbox, no GPU, nothing that phones home.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")
SERVER_START_SECONDS = 300  # torch's import alone took 20 s on the shared 2-core machine


def find_chromium() -> tuple[str, str] | None:
    """``(browser, driver)`` paths of Chromium and its WebDriver, or ``None`` when either is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 just now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(tmpdir: Path, *options: str) -> Iterator[str]:
    """``n2n serve`` with ``options`` on a free loopback port, its temporary files under ``tmpdir``; yields its URL.
    Stopped with Ctrl+C (SIGINT) on exit, as a person would stop it."""
    port = free_port()
    env = dict(os.environ, TMPDIR=str(tmpdir), PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
               OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    log = tempfile.TemporaryFile()
    server = subprocess.Popen([sys.executable, "-m", "n2n", "serve", "--port", str(port), *options], env=env,
                              stdout=log, stderr=subprocess.STDOUT, cwd=tmpdir)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if server.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"n2n serve stopped with code {server.returncode}: {log.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}api/config", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"n2n serve did not answer on {url} within {SERVER_START_SECONDS} s") from None
                time.sleep(0.2)
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@contextlib.contextmanager
def headless_chromium(profile: Path, downloads: Path, width: int = 1280, height: int = 800):
    """A Selenium driver of headless Chromium with a fresh profile in ``profile``, saving downloads into ``downloads``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_chromium()
    if found is None:
        raise FileNotFoundError("Chromium not found: apt-get install chromium chromium-driver")
    browser, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        yield driver
    finally:
        driver.quit()


def add_photos(driver, *paths: Path) -> None:
    """Pick ``paths`` with the page's file chooser, as a person does."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "files").send_keys("\n".join(str(path) for path in paths))


def wait_until(driver, script: str, timeout: float) -> object:
    """Run the JavaScript expression ``script`` until it gives a true value; that value, or ``TimeoutError``."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(f"return {script};")
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page never satisfied {script} within {timeout} s")
        time.sleep(0.2)


def open_page(driver, url: str) -> None:
    """Load the page and wait for its settings (read from the server) to be filled in."""
    driver.get(url)
    wait_until(driver, "document.querySelectorAll('#model option').length > 0", 30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="replace an existing screenshot")
    args = parser.parse_args(argv)
    if OUT.exists() and not args.force:
        raise SystemExit(f"{OUT} exists; add --force to replace it")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for name in ("server", "profile", "downloads"):
            (folder / name).mkdir()
        photo = folder / "fig-and-bowl.png"
        shutil.copy(EXAMPLES / "example_noisy.png", photo)
        with running_server(folder / "server") as url, headless_chromium(folder / "profile", folder / "downloads") as driver:
            open_page(driver, url)
            add_photos(driver, photo)
            wait_until(driver, "document.querySelector('.job.done') && document.querySelector('#after').naturalWidth", 300)
            driver.execute_script("document.querySelector('[data-zoom=\"2\"]').click();")
            time.sleep(0.5)
            driver.save_screenshot(str(OUT))
    print(f"wrote {OUT.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
