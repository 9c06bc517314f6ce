"""``n2n serve`` in a real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium): a noisy
photo uploaded through the page comes back denoised, downloads as a file of the right size and a better PSNR, and
an oversized photo gets the page's message. The server runs as ``python -m n2n serve`` in a child process and is
stopped with Ctrl+C; its temporary folder must be gone then. Skipped only where Chromium is missing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from experiments.serve_browser import add_photos, find_chromium, headless_chromium, open_page, running_server, wait_until
from n2n.metrics import psnr

pytestmark = pytest.mark.browser
if find_chromium() is None:
    pytest.skip("Chromium not found (apt-get install chromium chromium-driver): browser tests skipped",
                allow_module_level=True)

# The 64 x 64 photo (about 12 kB, 0.004 megapixels) passes both limits; 200 x 200 noise (about 120 kB) is over the
# size limit (checked by the page before sending), a flat 200 x 200 photo (1 kB, 0.04 megapixels) over the
# megapixel limit (checked by the server, which reads the file's header).
UPLOAD_LIMIT_MB = 0.05
MEGAPIXEL_LIMIT = 0.01
DONE_SECONDS = 240  # start-up of the model and one 64 x 64 photo on a loaded 2-core machine


def clean_image(size: int = 64) -> np.ndarray:
    """A smooth colour picture ``(size, size, 3)`` uint8."""
    y, x = np.mgrid[0:size, 0:size] / size
    channels = [0.5 + 0.35 * np.sin(6 * x + 2 * y), 0.5 + 0.3 * np.cos(5 * y), 0.25 + 0.5 * x * y]
    return np.rint(np.stack(channels, axis=-1) * 255).astype(np.uint8)


def with_noise(clean: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, clean.shape)
    return np.clip(np.rint(clean + noise), 0, 255).astype(np.uint8)


def psnr_of(image: np.ndarray, clean: np.ndarray) -> float:
    return psnr(*(torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)[None])) for a in (image, clean)))


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("browser")
    made = {name: root / name for name in ("server", "profile", "downloads", "photos")}
    for folder in made.values():
        folder.mkdir()
    return made


@pytest.fixture(scope="module")
def page(folders):
    """The page, loaded in headless Chromium from a fresh server; after the tests, the server's folder is checked."""
    with running_server(folders["server"], "--max-upload-mb", str(UPLOAD_LIMIT_MB),
                        "--max-megapixels", str(MEGAPIXEL_LIMIT)) as url:
        with headless_chromium(folders["profile"], folders["downloads"]) as driver:
            open_page(driver, url)
            yield driver
    assert os.listdir(folders["server"]) == [], "n2n serve left files in its temporary folder"


def downloaded(folder: Path, name: str, timeout: float = 30) -> Path:
    path = folder / name
    deadline = time.monotonic() + timeout
    while not path.is_file() or any(folder.glob("*.crdownload")):
        assert time.monotonic() < deadline, f"no {name} in the downloads after {timeout} s: {os.listdir(folder)}"
        time.sleep(0.1)
    return path


def test_an_uploaded_photo_comes_back_denoised_and_downloads(page, folders) -> None:
    clean = clean_image()
    noisy = with_noise(clean, 25)
    source = folders["photos"] / "noisy.png"
    Image.fromarray(noisy).save(source)
    add_photos(page, source)
    wait_until(page, "document.querySelector('.job.done') && document.querySelector('#after').naturalWidth > 0", DONE_SECONDS)
    facts = page.find_element("id", "facts").text
    assert "64 × 64 px, PNG 8-bit" in facts and "estimated noise level σ ≈" in facts and "denoised in" in facts
    sizes = page.execute_script("return ['before', 'after'].map(id => document.getElementById(id).naturalWidth);")
    assert sizes == [64, 64]
    page.find_element("css selector", "[data-zoom='1']").click()  # 100 %: one photo pixel per screen pixel
    assert page.find_element("id", "zoom-value").text == "100 %"
    assert page.execute_script("return document.getElementById('canvas').getBoundingClientRect().width;") == 64
    page.find_element("css selector", ".job.done .download").click()
    result = np.asarray(Image.open(downloaded(folders["downloads"], "noisy-denoised.png")))
    assert result.shape == clean.shape and result.dtype == np.uint8
    before, after = psnr_of(noisy, clean), psnr_of(result, clean)
    assert after > before + 5, f"PSNR {before:.2f} dB noisy -> {after:.2f} dB downloaded"


def test_oversized_photos_get_the_message(page, folders) -> None:
    heavy, wide = folders["photos"] / "heavy.png", folders["photos"] / "wide.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (200, 200, 3), dtype=np.uint8)).save(heavy)
    Image.new("RGB", (200, 200), (90, 120, 150)).save(wide)
    assert heavy.stat().st_size > UPLOAD_LIMIT_MB * 1e6 > wide.stat().st_size
    add_photos(page, heavy, wide)
    script = "[...document.querySelectorAll('.job.failed .state')].map(e => e.textContent)"
    messages = wait_until(page, f"{script}.length === 2 && {script}", 60)
    assert any(m.startswith("heavy.png:") and "is over this server's limit of 50.0 kB per file" in m for m in messages)
    assert any(m.startswith("wide.png: 200 x 200 pixels (0.040 megapixels) is over this server's limit of 0.01 megapixels")
               for m in messages), messages
