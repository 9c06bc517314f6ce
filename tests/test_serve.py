"""``n2n serve`` without a browser: the HTTP API through Starlette's test client, the limits and their messages,
the queue (one job at a time, places, removal, expiry), the temporary folders, and the download being the very
file ``n2n denoise`` writes."""

from __future__ import annotations

import functools
import io
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from Miniproject_1.model import BEST_MODEL_PATH
from n2n.cli import main
from n2n.commands.denoise import check_arguments
from n2n.data.photo_files import read_photo, write_photo
from n2n.inference.adapt import DEFAULT_STEPS
from tests.test_cli_denoise_files import camera_metadata, noisy_pixels

pytest.importorskip("starlette", reason="n2n serve needs the web extra: pip install 'n2n[web]'")
from starlette.testclient import TestClient  # noqa: E402

from n2n.web.app import create_app, host_name, is_loopback  # noqa: E402
from n2n.web.denoise_job import denoise_arguments, process  # noqa: E402
from n2n.web.jobs import DONE, FAILED, Cancelled, Job, JobQueue  # noqa: E402
from n2n.web.limits import Limits  # noqa: E402
from n2n.web.models import Models  # noqa: E402

LOOPBACK = "http://127.0.0.1:7860"


def png_bytes(width: int = 64, height: int = 48, seed: int = 0) -> bytes:
    """A small noisy 8-bit RGB PNG."""
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


class Gate:
    """A stand-in for the denoising that holds each job until the test lets it go, recording the order of runs."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.release = threading.Semaphore(0)

    def __call__(self, job: Job) -> None:
        self.started.append(job.name)
        job.report("denoising", 0, 2)
        while not self.release.acquire(timeout=0.01):
            job.report("denoising", 1, 2)  # raises Cancelled once the job is removed
        job.result = {"file": "x"}


def client_for(process_job, limits: Limits = Limits(), models: Models | None = None) -> tuple[TestClient, JobQueue]:
    queue = JobQueue(process_job, limits)
    app = create_app(queue, models or Models(), limits)
    return TestClient(app, base_url=LOOPBACK), queue


def post(client: TestClient, name: str, body: bytes, **options: str):
    return client.post("/api/jobs", params={"name": name, **options}, content=body)


def wait_for(client: TestClient, job_id: str, states=(DONE, FAILED), timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        data = client.get(f"/api/jobs/{job_id}").json()
        if data["state"] in states:
            return data
        assert time.monotonic() < deadline, f"job still {data['state']} after {timeout} s"
        time.sleep(0.02)


@pytest.mark.skipif(not BEST_MODEL_PATH.is_file(), reason="shipped model missing")
@pytest.mark.parametrize("name,dtype,channels", [("grey16.png", np.uint16, 1), ("camera.jpg", np.uint8, 3)])
def test_the_download_is_the_file_n2n_denoise_writes(tmp_path, name, dtype, channels) -> None:
    source = tmp_path / name
    write_photo(noisy_pixels(dtype, channels), source, camera_metadata(orientation=6))
    models = Models()
    client, queue = client_for(functools.partial(process, models=models), models=models)
    with client:
        created = post(client, name, source.read_bytes(), strength="0.8")
        assert created.status_code == 201, created.text
        data = wait_for(client, created.json()["id"])
        assert data["state"] == DONE, data["error"]
        download = client.get(data["download"])
    assert download.status_code == 200
    assert download.headers["content-disposition"] == f'attachment; filename="{name.replace(".", "-denoised.")}"'
    assert main(["denoise", str(source), "-o", str(tmp_path / "cli" / name), "--strength", "0.8", "--quiet"]) == 0
    assert download.content == (tmp_path / "cli" / name).read_bytes()
    result = data["result"]
    photo = read_photo(source)
    assert (result["height"], result["width"]) == photo.pixels.shape[:2]  # upright: orientation 6 applied
    assert result["depth"] == ("16-bit" if dtype == np.uint16 else "8-bit") and result["output_bytes"] == len(download.content)
    assert 10 < result["noise_sigma"] < 40  # sigma 20 noise on a smooth image (JPEG smooths some of it)
    assert not queue.root.exists(), "the queue's temporary folder outlives the server"


@pytest.mark.skipif(not BEST_MODEL_PATH.is_file(), reason="shipped model missing")
def test_the_checkpoint_given_at_start_is_offered_preselected_and_used(tmp_path) -> None:
    source = tmp_path / "photo.png"
    write_photo(noisy_pixels(np.uint8, 3), source)
    models = Models(BEST_MODEL_PATH)
    client, _ = client_for(functools.partial(process, models=models), models=models)
    with client:
        config = client.get("/api/config").json()
        data = wait_for(client, post(client, "photo.png", source.read_bytes()).json()["id"])
        assert data["options"]["model"] == "checkpoint" and data["state"] == DONE, data["error"]
        download = client.get(data["download"]).content
    assert config["default_model"] == "checkpoint"
    assert config["models"][-1] == {"id": "checkpoint", "label": "bestmodel.pth (Miniproject_1 checkpoint)", "can_adapt": True}
    argv = ["denoise", str(source), "-o", str(tmp_path / "cli.png"), "--checkpoint", str(BEST_MODEL_PATH), "--quiet"]
    assert main(argv) == 0
    assert download == (tmp_path / "cli.png").read_bytes()


@pytest.mark.skipif(not BEST_MODEL_PATH.is_file(), reason="shipped model missing")
def test_the_page_options_become_the_commands_arguments(tmp_path) -> None:
    models = Models(BEST_MODEL_PATH)
    options = {"model": "checkpoint", "strength": 0.25, "adapt": True}
    args = denoise_arguments(tmp_path / "in.tif", tmp_path / "out.tif", options, models)
    assert (args.checkpoint, args.model, args.strength, args.adapt) == (BEST_MODEL_PATH, None, 0.25, True)
    assert (args.bit_depth, args.grey, args.tile, args.jpeg_quality, args.ensemble) == (None, "auto", 512, 95, False)
    assert check_arguments(args) == DEFAULT_STEPS
    shipped = denoise_arguments(tmp_path / "in.png", tmp_path / "out.png", {**options, "model": "miniproject2", "adapt": False}, models)
    assert (shipped.model, shipped.checkpoint, shipped.adapt) == ("miniproject2", None, False)


def test_previews_and_progress_of_a_finished_job() -> None:
    seen = []

    def fake(job: Job) -> None:
        from n2n.progress import bar, listen

        with listen(lambda label, done, total: job.report(label, done, total)):
            for _ in bar(range(3), desc="tiles"):
                seen.append((job.stage, job.done, job.total))
        for which in ("before.png", "after.png"):
            Image.new("RGB", (4, 3)).save(job.folder / which)
        (job.folder / "output").mkdir()
        (job.folder / "output" / job.name).write_bytes(b"result")
        job.result = {"file": f"output/{job.name}", "format": "PNG"}

    client, queue = client_for(fake)
    with client:
        data = wait_for(client, post(client, "a.png", png_bytes()).json()["id"])
        assert data["state"] == DONE
        assert client.get(data["before"]).headers["content-type"] == "image/png"
        assert client.get(data["download"]).content == b"result"
    assert seen == [("starting", 0, None), ("tiles", 1, 3), ("tiles", 2, 3)]
    assert (data["stage"], data["done"], data["total"]) == ("tiles", 3, 3)


@pytest.mark.parametrize("name,body,limits,status,message", [
    ("big.png", png_bytes(), Limits(max_upload_bytes=1000), 413, "is over this server's limit of 1.00 kB per file"),
    ("wide.png", png_bytes(300, 200), Limits(max_megapixels=0.05), 413, "300 x 200 pixels (0.060 megapixels) is over"),
    ("broken.png", b"not a picture at all", Limits(), 415, "broken.png: not an image n2n can read"),
    ("photo.gif", png_bytes(), Limits(), 415, "n2n denoises PNG, TIFF, JPEG or WebP files"),
    ("empty.png", b"", Limits(), 400, "empty.png: the file is empty"),
])
def test_limits_answer_with_the_message_the_page_shows(name, body, limits, status, message) -> None:
    client, queue = client_for(Gate(), limits)
    with client:
        answer = post(client, name, body)
        assert answer.status_code == status
        assert message in answer.json()["error"]
        assert list(queue.root.iterdir()) == [], "a rejected upload left files behind"


def test_a_streamed_upload_is_cut_at_the_size_limit() -> None:
    client, queue = client_for(Gate(), Limits(max_upload_bytes=5000))
    chunks = (bytes(1000) for _ in range(20))  # no Content-Length: counted as it comes
    with client:
        answer = client.post("/api/jobs", params={"name": "long.png"}, content=chunks)
        assert answer.status_code == 413 and "per file" in answer.json()["error"]
        assert list(queue.root.iterdir()) == []


@pytest.mark.parametrize("options,message", [
    ({"strength": "1.5"}, "the strength must be from 0"), ({"strength": "nan"}, "the strength must be from 0"),
    ({"strength": "strong"}, "the strength must be a number"), ({"model": "miniproject3"}, "unknown model 'miniproject3'"),
    ({"model": "miniproject2", "adapt": "1"}, "cannot be adapted"),
])
def test_bad_options_are_refused_before_the_upload(options, message) -> None:
    client, _ = client_for(Gate())
    with client:
        answer = post(client, "a.png", png_bytes(), **options)
    assert answer.status_code == 400 and message in answer.json()["error"]


def test_one_job_at_a_time_in_order_with_places_shown_and_a_full_queue_refused() -> None:
    gate = Gate()
    client, queue = client_for(gate, Limits(max_waiting=2))
    with client:
        first = post(client, "1.png", png_bytes()).json()["id"]
        wait_for(client, first, states=("running",))
        second, third = (post(client, f"{k}.png", png_bytes()).json()["id"] for k in (2, 3))
        assert client.get(f"/api/jobs/{first}").json()["stage"] == "denoising"
        assert [client.get(f"/api/jobs/{job}").json()["ahead"] for job in (second, third)] == [1, 2]
        full = post(client, "4.png", png_bytes())
        assert full.status_code == 429 and "2 photos are already waiting" in full.json()["error"]
        gate.release.release()
        wait_for(client, first)
        assert wait_for(client, second, states=("running",))["ahead"] == 0
        assert client.get(f"/api/jobs/{third}").json()["ahead"] == 1
        gate.release.release()
        gate.release.release()
        assert wait_for(client, third)["state"] == DONE
    assert gate.started == ["1.png", "2.png", "3.png"]


def test_removing_a_job_deletes_its_folder_and_stops_a_running_one() -> None:
    gate = Gate()
    client, queue = client_for(gate)
    with client:
        running = post(client, "run.png", png_bytes()).json()["id"]
        waiting = post(client, "wait.png", png_bytes()).json()["id"]
        wait_for(client, running, states=("running",))
        folders = {job: queue.get(job).folder for job in (running, waiting)}
        assert client.delete(f"/api/jobs/{waiting}").status_code == 204
        assert not folders[waiting].exists() and client.get(f"/api/jobs/{waiting}").status_code == 404
        assert client.delete(f"/api/jobs/{running}").status_code == 204
        deadline = time.monotonic() + 10
        while folders[running].exists():
            assert time.monotonic() < deadline, "a removed running job's folder stays"
            time.sleep(0.01)
        assert client.delete(f"/api/jobs/{running}").status_code == 404


def test_finished_jobs_expire_and_uploads_go_once_denoised() -> None:
    client, queue = client_for(lambda job: None, Limits(keep_seconds=0.3))
    with client:
        job_id = post(client, "a.png", png_bytes()).json()["id"]
        assert wait_for(client, job_id)["state"] == DONE
        job = queue.get(job_id)
        assert not job.upload.exists() and job.folder.exists()
        time.sleep(0.4)
        assert client.get(f"/api/jobs/{job_id}").status_code == 404
        assert not job.folder.exists()


def test_a_failing_job_says_why_and_the_server_goes_on() -> None:
    def broken(job: Job) -> None:
        if job.name == "bad.png":
            raise ValueError(f"{job.name}: not a readable image: truncated")
        raise RuntimeError("out of luck")

    client, _ = client_for(broken)
    with client:
        bad = wait_for(client, post(client, "bad.png", png_bytes()).json()["id"])
        odd = wait_for(client, post(client, "odd.png", png_bytes()).json()["id"])
    assert bad["state"] == FAILED and bad["error"] == "bad.png: not a readable image: truncated"
    assert odd["state"] == FAILED and "odd.png: the denoising failed (RuntimeError: out of luck)" == odd["error"]


def test_only_loopback_host_names_are_answered() -> None:
    client, _ = client_for(Gate())
    with client:
        assert client.get("/api/config").status_code == 200
        assert client.get("/api/config", headers={"host": "[::1]:7860"}).status_code == 200
        refused = client.get("/api/config", headers={"host": "attacker.example:7860"})
    assert refused.status_code == 403 and "loopback" in refused.json()["error"]
    assert [host_name(h) for h in ("127.0.0.1:80", "[::1]:80", "localhost", "::1")] == ["127.0.0.1", "::1", "localhost", "::1"]
    assert is_loopback("127.0.0.2") and is_loopback("localhost") and not is_loopback("0.0.0.0") and not is_loopback("example.org")


def test_config_gives_the_page_its_models_and_limits() -> None:
    client, _ = client_for(Gate(), Limits(max_megapixels=12))
    with client:
        config = client.get("/api/config").json()
        page = client.get("/")
        script = client.get("/page/app.js")
    assert [m["id"] for m in config["models"]] == ["auto", "miniproject1", "miniproject2"]
    assert [m["can_adapt"] for m in config["models"]] == [True, True, False]
    assert config["limits"]["max_megapixels"] == 12 and ".tiff" in config["formats"]
    assert page.status_code == 200 and 'id="files"' in page.text and script.status_code == 200


def test_a_cancelled_job_stops_at_its_next_step() -> None:
    job = Job("a.png", Path("."), {})
    job.report("denoising", 1, 4)
    job.cancelled = True
    with pytest.raises(Cancelled):
        job.report("denoising", 2, 4)


def test_serve_command_errors_are_one_line(tmp_path, capsys) -> None:
    assert main(["serve", "--checkpoint", str(tmp_path / "missing.pth")]) == 2
    assert "missing.pth not found" in capsys.readouterr().err
    assert main(["serve", "--max-megapixels", "0"]) == 2
    assert "--max-megapixels must be positive" in capsys.readouterr().err
    from n2n.web.server import bound_socket

    taken = bound_socket("127.0.0.1", 0)
    try:
        assert main(["serve", "--port", str(taken.getsockname()[1])]) == 2
        assert "choose another --port" in capsys.readouterr().err
    finally:
        taken.close()
