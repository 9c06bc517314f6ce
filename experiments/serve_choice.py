"""What ``n2n serve`` is built on, by measurement: ``python -m experiments.serve_choice``.

Two ways to serve the page: Gradio (the ecosystem's convention for model demos, with an image slider) or a small
Starlette app served by uvicorn with a page of its own. Measured here:

- ``install``: seconds and megabytes that ``pip install`` of each adds to a fresh virtual environment that
  already holds n2n's own numpy and Pillow, and how many packages it brings (from the package index as the
  machine reaches it, wheels cached or not: the first run of each is the honest one);
- ``startup``: seconds from starting a minimal app of each (a page with an image in, a comparison and a file
  out, for Gradio its ImageSlider) to its first answer, runs interleaved; and of ``n2n serve`` itself (which
  imports torch and n2n first);
- ``memory``: peak memory of one ``n2n serve`` job (read, denoise, write, previews) per megapixel, from two
  synthetic photo sizes in a child process each: the basis of the default megapixel limit.

Writes ``results/serve/choice.json``. Timings are of a shared 2-core machine: compare them as ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from n2n.paths import REPO_ROOT

OUT = REPO_ROOT / "results" / "serve" / "choice.json"
CANDIDATES = {"gradio": ["gradio"], "starlette": ["starlette", "uvicorn"]}
GRADIO_APP = """
import sys, gradio as gr
def run(path):
    return (path, path), path
with gr.Blocks() as demo:
    photo = gr.Image(type="filepath")
    comparison, result = gr.ImageSlider(), gr.File()
    gr.Button("Denoise").click(run, photo, [comparison, result])
demo.queue(default_concurrency_limit=1).launch(server_name="127.0.0.1", server_port=int(sys.argv[1]))
"""
STARLETTE_APP = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
async def page(request):
    return HTMLResponse("<!doctype html><title>n2n</title>")
uvicorn.run(Starlette(routes=[Route("/", page)]), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
APPS = {"gradio": GRADIO_APP, "starlette": STARLETTE_APP}
MEMORY_JOB = """
import resource, sys, tempfile, time
from pathlib import Path
import torch, torch.nn.functional as F
from n2n.data.images import write_image
from n2n.web.denoise_job import process
from n2n.web.jobs import Job
from n2n.web.models import Models
height, width = int(sys.argv[1]), int(sys.argv[2])
models = Models()
models.get("miniproject1")
with tempfile.TemporaryDirectory() as folder:
    generator = torch.Generator().manual_seed(0)
    smooth = F.interpolate(torch.rand(1, 3, height // 100, width // 100, generator=generator), size=(height, width), mode="bilinear")
    noisy = (smooth * 255 + 25 * torch.randn(smooth.shape, generator=generator)).clamp(0, 255).round().to(torch.uint8)
    job = Job("photo.png", Path(folder), {"model": "miniproject1", "strength": 1.0, "adapt": False})
    job.upload.parent.mkdir()
    write_image(noisy, job.upload)
    del smooth, noisy
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    process(job, models)
    seconds = time.perf_counter() - start
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, seconds)
"""


def venv_python(folder: Path) -> Path:
    return folder / "bin" / "python"


def measure_install(folder: Path) -> dict:
    """Seconds, megabytes and packages each candidate adds to a fresh venv holding numpy and Pillow."""
    rows = {}
    for name, packages in CANDIDATES.items():
        env = folder / f"venv-{name}"
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
        pip = [str(venv_python(env)), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, "numpy", "pillow"], check=True, capture_output=True)
        before_bytes, before_list = folder_bytes(env), installed(env)
        start = time.perf_counter()
        subprocess.run([*pip, *packages], check=True, capture_output=True)
        seconds = time.perf_counter() - start
        added = sorted(set(installed(env)) - set(before_list))
        rows[name] = {"packages_asked": packages, "seconds": round(seconds, 1),
                      "megabytes": round((folder_bytes(env) - before_bytes) / 1e6, 1), "packages_added": len(added),
                      "added": added}
    return rows


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def installed(env: Path) -> list[str]:
    listed = subprocess.run([str(venv_python(env)), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
                            check=True, capture_output=True, text=True).stdout
    return [line.strip() for line in listed.splitlines() if line.strip()]


def first_answer_seconds(command: list[str], port: int) -> float:
    """Seconds from running ``command`` (a server on ``port``) to its first answer on ``/``."""
    start = time.perf_counter()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", PYTHONPATH=str(REPO_ROOT))
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    return time.perf_counter() - start
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"{command} stopped with code {server.returncode}") from None
                time.sleep(0.05)
    finally:
        server.terminate()
        server.wait()


def measure_startup(folder: Path, runs: int) -> dict:
    from experiments.serve_browser import free_port

    commands = {}
    for name, source in APPS.items():
        app = folder / f"app_{name}.py"
        app.write_text(source)
        commands[name] = lambda port, name=name, app=app: [str(venv_python(folder / f"venv-{name}")), str(app), str(port)]
    commands["n2n serve"] = lambda port: [sys.executable, "-m", "n2n", "serve", "--port", str(port)]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            port = free_port()
            times[name].append(round(first_answer_seconds(command(port), port), 2))
    return {name: {"runs": values, "median_seconds": sorted(values)[len(values) // 2]} for name, values in times.items()}


def measure_memory(sizes: list[tuple[int, int]]) -> dict:
    """Peak resident memory of one server job per photo size, each in a fresh child process."""
    rows = []
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    for height, width in sizes:
        line = subprocess.run([sys.executable, "-c", MEMORY_JOB, str(height), str(width)], check=True, capture_output=True,
                              text=True, env=env, cwd=REPO_ROOT).stdout.split()
        before, peak, seconds = int(line[0]), int(line[1]), float(line[2])
        rows.append({"height": height, "width": width, "megapixels": round(height * width / 1e6, 2),
                     "peak_bytes": peak, "before_bytes": before, "seconds": round(seconds, 1)})
    (small, large) = rows[0], rows[-1]
    slope = (large["peak_bytes"] - small["peak_bytes"]) / ((large["megapixels"] - small["megapixels"]) * 1e6)
    return {"jobs": rows, "bytes_per_pixel": round(slope, 1),
            "fixed_bytes": round(small["peak_bytes"] - slope * small["megapixels"] * 1e6)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=["install", "startup", "memory"], default=["install", "startup", "memory"])
    parser.add_argument("--runs", type=int, default=3, help="start-ups of each app (default 3)")
    args = parser.parse_args(argv)
    result = json.loads(OUT.read_text()) if OUT.exists() else {}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if "install" in args.parts or "startup" in args.parts:
            result["install"] = measure_install(folder)
        if "startup" in args.parts:
            result["startup"] = measure_startup(folder, args.runs)
    if "memory" in args.parts:
        result["memory"] = measure_memory([(1000, 1000), (2000, 3000)])
    result["machine"] = {"cpu_count": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg(),
                         "date": time.strftime("%Y-%m-%d")}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({key: value for key, value in result.items() if key != "install"}, indent=1))
    print(f"wrote {OUT.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
