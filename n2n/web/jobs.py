"""The queue of ``n2n serve``: one denoising at a time, in upload order, each photo in its own temporary folder.

A :class:`Job` is made for each upload, in a fresh folder under the queue's own temporary folder, and waits
in the :class:`JobQueue`; a single worker thread takes the jobs one by one and calls the queue's ``process``
function on each (the CPU runs one denoising well, two only slower). The page polls a job's state: its place
in the queue, then the stage and steps done, then the result or a message. A finished job's folder is removed
when the page removes the photo, ``keep_seconds`` after it finished, or when the server stops; nothing is
written outside the queue's folder.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from n2n.extras import MissingExtra
from n2n.web.limits import Limits, Rejected

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Cancelled(Exception):
    """Raised inside a running job (by its progress callback) once the page removed it."""


@dataclass
class Job:
    """One uploaded photo: ``upload`` (the file as sent), ``options`` (what the page chose), the state the page
    polls, and what :mod:`n2n.web.denoise_job` leaves in ``result`` (file names in ``folder``, numbers, notes)."""

    name: str
    folder: Path
    options: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: str = QUEUED
    stage: str = "waiting"
    done: int = 0
    total: int | None = None
    error: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    finished_at: float | None = None
    cancelled: bool = False

    @property
    def upload(self) -> Path:
        return self.folder / "input" / self.name

    def report(self, stage: str, done: int = 0, total: int | None = None) -> None:
        """Set the stage shown on the page; ``Cancelled`` once the page removed the job."""
        if self.cancelled:
            raise Cancelled(self.id)
        self.stage, self.done, self.total = stage, done, total


class JobQueue:
    """Jobs waiting and running, worked by one thread with ``process(job)``; ``process`` fills ``job.result`` and
    raises ``ValueError``/``FileNotFoundError``/:class:`MissingExtra` with the message the page shows."""

    def __init__(self, process: Callable[[Job], None], limits: Limits = Limits()) -> None:
        self.process, self.limits = process, limits
        self.root = Path(tempfile.mkdtemp(prefix="n2n-serve-"))
        self._jobs: dict[str, Job] = {}
        self._waiting: deque[Job] = deque()
        self._running: Job | None = None
        self._changed = threading.Condition()
        self._closed = False
        self._worker = threading.Thread(target=self._work, name="n2n-serve-worker", daemon=True)
        self._worker.start()

    def new_job(self, name: str, options: dict[str, Any]) -> Job:
        """A job for the photo ``name`` with its (empty) folder; not queued yet: write ``job.upload``, then :meth:`submit`.
        ``Rejected`` (429) while the queue is full."""
        self.sweep()
        with self._changed:
            if len(self._waiting) >= self.limits.max_waiting:
                raise Rejected(f"{name}: {len(self._waiting)} photos are already waiting, this server's limit "
                               "(n2n serve --max-waiting raises it); add it again when some are done", 429)
        job = Job(name, Path(tempfile.mkdtemp(prefix="job-", dir=self.root)), options)
        job.upload.parent.mkdir()
        return job

    def submit(self, job: Job) -> None:
        """Queue ``job`` (its upload written); it runs after every job queued before it."""
        with self._changed:
            if self._closed:
                raise Rejected("the server is stopping", 503)
            self._jobs[job.id] = job
            self._waiting.append(job)
            self._changed.notify_all()

    def discard(self, job: Job) -> None:
        """Remove a job that was never submitted (its upload failed), with its folder."""
        shutil.rmtree(job.folder, ignore_errors=True)

    def get(self, job_id: str) -> Job:
        """The job of id ``job_id``; ``KeyError`` when there is none (never was, removed or expired)."""
        self.sweep()
        with self._changed:
            return self._jobs[job_id]

    def ahead(self, job: Job) -> int:
        """How many photos will be denoised before ``job`` starts (the running one included); 0 once it runs."""
        with self._changed:
            if job.state != QUEUED:
                return 0
            waiting = list(self._waiting)
            place = waiting.index(job) if job in waiting else 0
            return place + (self._running is not None)

    def remove(self, job_id: str) -> None:
        """Forget a job and delete its folder; a running one stops at its next step and is deleted then."""
        with self._changed:
            job = self._jobs.pop(job_id)
            job.cancelled = True
            if job in self._waiting:
                self._waiting.remove(job)
            running = job is self._running
        if not running:
            shutil.rmtree(job.folder, ignore_errors=True)

    def sweep(self) -> None:
        """Remove the finished jobs older than ``keep_seconds``."""
        now = time.monotonic()
        with self._changed:
            old = [job.id for job in self._jobs.values()
                   if job.finished_at is not None and now - job.finished_at > self.limits.keep_seconds]
        for job_id in old:
            try:
                self.remove(job_id)
            except KeyError:  # removed meanwhile by another request
                pass

    def close(self, timeout: float = 5.0) -> None:
        """Stop taking jobs, cancel the running one, wait up to ``timeout`` s for the worker, delete every folder."""
        with self._changed:
            self._closed = True
            for job in self._jobs.values():
                job.cancelled = True
            self._waiting.clear()
            self._changed.notify_all()
        self._worker.join(timeout)
        shutil.rmtree(self.root, ignore_errors=True)

    def _next(self) -> Job | None:
        with self._changed:
            while not self._waiting and not self._closed:
                self._changed.wait()
            if self._closed:
                return None
            self._running = job = self._waiting.popleft()
            job.state, job.stage = RUNNING, "starting"
            return job

    def _work(self) -> None:
        while (job := self._next()) is not None:
            try:
                self.process(job)
                job.state = DONE
            except Cancelled:
                job.state = FAILED
            except (ValueError, FileNotFoundError, MissingExtra) as error:
                job.state, job.error = FAILED, str(error)
            except Exception as error:  # the page must say something; the server keeps serving
                job.state, job.error = FAILED, f"{job.name}: the denoising failed ({type(error).__name__}: {error})"
            finally:
                job.upload.unlink(missing_ok=True)  # the upload is not kept once it has been denoised
                job.finished_at = time.monotonic()
                with self._changed:
                    self._running = None
                    gone = job.cancelled
                if gone:
                    shutil.rmtree(job.folder, ignore_errors=True)
