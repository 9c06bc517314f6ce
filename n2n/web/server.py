"""Start ``n2n serve``: the models, the queue and the app, on a socket bound here (so a port in use is a clear
error, and ``--port 0`` takes a free one), served by uvicorn until Ctrl+C; the queue's folder goes with it."""

from __future__ import annotations

import argparse
import functools
import os
import socket

from n2n.web.app import create_app, is_loopback
from n2n.web.denoise_job import process
from n2n.web.jobs import JobQueue
from n2n.web.limits import Limits
from n2n.web.models import Models


def limits_of(args: argparse.Namespace) -> Limits:
    """The limits the command's options set; ``ValueError`` naming the option for a value that is not positive."""
    for option, value in (("--max-upload-mb", args.max_upload_mb), ("--max-megapixels", args.max_megapixels),
                          ("--max-waiting", args.max_waiting), ("--keep-minutes", args.keep_minutes)):
        if not value > 0:
            raise ValueError(f"{option} must be positive, got {value:g}")
    return Limits(max_upload_bytes=int(args.max_upload_mb * 1e6), max_megapixels=args.max_megapixels,
                  max_waiting=args.max_waiting, keep_seconds=args.keep_minutes * 60)


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port``; ``ValueError`` saying what to do when it cannot be had."""
    if not 0 <= port <= 65535:
        raise ValueError(f"--port must be from 0 to 65535, got {port}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise ValueError(f"--host {host}: not an address of this machine ({error})") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise ValueError(f"cannot listen on {host} port {port} ({error.strerror}); choose another --port "
                         "(0: any free one)") from None
    sock.listen(64)
    return sock


def serve(args: argparse.Namespace) -> int:
    """Serve until interrupted; prints the page's address first."""
    import uvicorn

    limits = limits_of(args)
    models = Models(args.checkpoint, device=args.device)
    sock = bound_socket(args.host, args.port)
    loopback = is_loopback(args.host)
    queue = JobQueue(functools.partial(process, models=models), limits)
    # torch's compiler makes its (empty) cache folder in the system's temporary folder when a model first loads:
    # keep it in the queue's folder, which goes when the server stops.
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(queue.root / "torch-cache"))
    try:
        if args.checkpoint is not None:
            models.get("checkpoint")  # a checkpoint that does not load fails now, not on the first photo
        app = create_app(queue, models, limits, loopback=loopback)
        host, port = sock.getsockname()[:2]
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # all addresses: this machine's own opens the page
        shown = f"[{host}]" if ":" in host else host
        print(f"n2n serve: open http://{shown}:{port}/ in a browser (Ctrl+C stops the server)", flush=True)
        if not loopback:
            print(f"n2n serve: listening on {args.host}: anyone who can reach this machine on port {port} can use the page",
                  flush=True)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        server.run(sockets=[sock])
    finally:
        queue.close()
        sock.close()
    return 0
