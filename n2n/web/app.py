"""The HTTP side of ``n2n serve`` (Starlette): the page, and a small JSON API that the page calls.

- ``GET /``: the page (``page/``); ``GET /api/config``: models, limits and formats for it;
- ``POST /api/jobs?name=&model=&adapt=&strength=``: the photo's bytes as the body (not multipart: streamed
  straight into the job's folder, counted against the size limit as they come), checked, then queued;
- ``GET /api/jobs/{id}``: the job's state; ``.../before``, ``.../after``: the previews; ``.../result``: the file
  ``n2n denoise`` writes, as a download; ``DELETE /api/jobs/{id}``: remove it (a running one stops).

Errors are JSON ``{"error": message}`` with the message the page shows. Served on a loopback address, only
requests whose Host is a loopback name are answered (a web site cannot reach the server by renaming itself to
127.0.0.1, "DNS rebinding").
"""

from __future__ import annotations

import contextlib
import ipaddress
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from n2n import __version__
from n2n.data.photo_files import PHOTO_FORMATS
from n2n.web.denoise_job import AFTER, BEFORE
from n2n.web.jobs import DONE, Job, JobQueue
from n2n.web.limits import Limits, Rejected, check_photo, check_upload_size, safe_name
from n2n.web.models import Models

PAGE = Path(__file__).with_name("page")
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "TIFF": "image/tiff", "WEBP": "image/webp"}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The host of an HTTP Host header, without its port: ``127.0.0.1:7860`` -> ``127.0.0.1``, ``[::1]:80`` -> ``::1``."""
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


class LoopbackHostOnly:
    """ASGI middleware answering 403 to a request whose Host header is not a loopback name."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if not is_loopback(host_name(host)):
                await JSONResponse({"error": f"this server answers only on a loopback address, not {host!r}"},
                                   status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def page_options(request: Request, models: Models) -> dict[str, Any]:
    """The denoising options of an upload's query; ``Rejected`` for a bad one."""
    params = request.query_params
    model = params.get("model", models.default)
    try:
        choice = models.choice(model)
    except ValueError as error:
        raise Rejected(str(error)) from None
    try:
        strength = float(params.get("strength", "1"))
    except ValueError:
        raise Rejected(f"the strength must be a number from 0 to 1, got {params['strength']!r}") from None
    if not 0.0 <= strength <= 1.0:  # NaN fails this too
        raise Rejected(f"the strength must be from 0 (the photo unchanged) to 1 (fully denoised), got {strength:g}")
    adapt = params.get("adapt", "0") in ("1", "true", "on")
    if adapt and not choice.can_adapt:
        raise Rejected(f"{choice.label} cannot be adapted to a photo (only Miniproject_1's networks can be "
                       "fine-tuned): turn adapt off or choose a Miniproject_1 model")
    return {"model": model, "strength": strength, "adapt": adapt}


def rejected(error: Rejected) -> JSONResponse:
    return JSONResponse({"error": str(error)}, status_code=error.status)


def describe(job: Job, queue: JobQueue) -> dict[str, Any]:
    """What the page shows of ``job``."""
    data = {"id": job.id, "name": job.name, "state": job.state, "stage": job.stage, "done": job.done,
            "total": job.total, "ahead": queue.ahead(job), "error": job.error, "options": job.options}
    if job.state == DONE:
        base = f"/api/jobs/{job.id}"
        stem, suffix = job.name.rsplit(".", 1)
        data.update(result=job.result, before=f"{base}/before", after=f"{base}/after", download=f"{base}/result",
                    download_name=f"{stem}-denoised.{suffix}")
    return data


def create_app(queue: JobQueue, models: Models, limits: Limits, loopback: bool = True) -> Starlette:
    """The server's app around ``queue`` (which runs the denoising); ``loopback``: answer loopback Host names only."""

    async def page(request: Request) -> Response:
        return FileResponse(PAGE / "index.html", headers={"Cache-Control": "no-cache"})

    async def config(request: Request) -> Response:
        return JSONResponse({
            "version": __version__, "default_model": models.default, "formats": sorted(PHOTO_FORMATS),
            "models": [{"id": c.id, "label": c.label, "can_adapt": c.can_adapt} for c in models.choices],
            "limits": {"max_upload_bytes": limits.max_upload_bytes, "max_megapixels": limits.max_megapixels,
                       "max_waiting": limits.max_waiting, "keep_seconds": limits.keep_seconds}})

    async def upload(request: Request) -> Response:
        try:
            name = safe_name(request.query_params.get("name", ""))
            options = page_options(request, models)
            declared = request.headers.get("content-length", "")
            if declared.isdigit():
                check_upload_size(name, int(declared), limits)
            job = queue.new_job(name, options)
        except Rejected as error:
            return rejected(error)
        try:
            size = 0
            with job.upload.open("wb") as file:
                async for chunk in request.stream():
                    size += len(chunk)
                    check_upload_size(name, size, limits)
                    file.write(chunk)
            if size == 0:
                raise Rejected(f"{name}: the file is empty")
            await run_in_threadpool(check_photo, job.upload, limits)
        except Rejected as error:
            queue.discard(job)
            return rejected(error)
        except ClientDisconnect:
            queue.discard(job)
            return Response(status_code=400)
        except BaseException:  # e.g. a full disk: the folder goes, the error is the server's to report
            queue.discard(job)
            raise
        queue.submit(job)
        return JSONResponse(describe(job, queue), status_code=201)

    def job_of(request: Request) -> Job | None:
        try:
            return queue.get(request.path_params["job_id"])
        except KeyError:
            return None

    def gone() -> Response:
        return JSONResponse({"error": "no such photo on this server (removed, or kept past its time)"}, status_code=404)

    async def status(request: Request) -> Response:
        job = job_of(request)
        return gone() if job is None else JSONResponse(describe(job, queue), headers={"Cache-Control": "no-store"})

    async def remove(request: Request) -> Response:
        try:
            queue.remove(request.path_params["job_id"])
        except KeyError:
            return gone()
        return Response(status_code=204)

    def file_route(which: str):
        async def send(request: Request) -> Response:
            job = job_of(request)
            if job is None or job.state != DONE:
                return gone()
            if which == "result":
                description = describe(job, queue)
                return FileResponse(job.folder / job.result["file"], filename=description["download_name"],
                                    media_type=MEDIA_TYPES[job.result["format"]])
            return FileResponse(job.folder / (BEFORE if which == "before" else AFTER), media_type="image/png")
        return send

    routes = [
        Route("/", page),
        Route("/api/config", config),
        Route("/api/jobs", upload, methods=["POST"]),
        Route("/api/jobs/{job_id}", status),
        Route("/api/jobs/{job_id}", remove, methods=["DELETE"]),
        *(Route(f"/api/jobs/{{job_id}}/{which}", file_route(which)) for which in ("before", "after", "result")),
        Mount("/page", StaticFiles(directory=PAGE), name="page"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        queue.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    return LoopbackHostOnly(app) if loopback else app
