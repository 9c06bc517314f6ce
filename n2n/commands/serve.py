"""n2n serve: denoise photos from a local web page.

Open the address it prints in a browser, drop or pick photos (PNG, TIFF, JPEG, WebP), choose the model,
adapt and strength, and compare before and after up to 100 % and beyond; each result downloads as the very
file n2n denoise writes (same format, bit depth, colour profile and metadata). One photo is denoised at a
time; the others wait in a queue, their place shown. Uploads and results live in a temporary folder,
removed when the page removes a photo, when a result is older than --keep-minutes, and when the server
stops; nothing is written anywhere else.

It listens on this machine only (127.0.0.1) unless --host says otherwise. Needs the web extra:
pip install 'n2n[web]'.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from n2n.extras import require


def register(subparsers: argparse._SubParsersAction) -> None:
    from n2n.web.limits import BYTES_PER_PIXEL, KEEP_MINUTES, MAX_MEGAPIXELS, MAX_UPLOAD_MB, MAX_WAITING

    parser = subparsers.add_parser("serve", help="denoise photos from a local web page (needs the web extra)",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 lets anyone who "
                             "can reach this machine use the page)")
    parser.add_argument("--port", type=int, default=7860, help="port to listen on (default 7860; 0: any free port)")
    parser.add_argument("--checkpoint", type=Path,
                        help="weights of either Miniproject to offer besides the shipped models (and to preselect)")
    parser.add_argument("--max-upload-mb", type=float, default=MAX_UPLOAD_MB, metavar="MB",
                        help=f"largest photo file accepted, in megabytes (default {MAX_UPLOAD_MB:g})")
    parser.add_argument("--max-megapixels", type=float, default=MAX_MEGAPIXELS, metavar="MP",
                        help=f"largest photo accepted, in megapixels (default {MAX_MEGAPIXELS:g}; denoising takes about "
                             f"{BYTES_PER_PIXEL} MB of memory per megapixel)")
    parser.add_argument("--max-waiting", type=int, default=MAX_WAITING, metavar="N",
                        help=f"photos that may wait in the queue (default {MAX_WAITING})")
    parser.add_argument("--keep-minutes", type=float, default=KEEP_MINUTES, metavar="MIN",
                        help=f"how long a result stays downloadable (default {KEEP_MINUTES:g} minutes)")
    parser.add_argument("--device", default=None, help="where to run the models: cpu, cuda, ... (default: CUDA when "
                                                       "available, else the CPU)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    require("web", "n2n serve")
    from n2n.web.server import serve

    return serve(args)
