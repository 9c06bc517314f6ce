"""The README's before/after picture: ``python -m experiments.make_readme_figure``.

The example photo (a validation photograph, never trained on) as noisy input | denoised by the
shipped Miniproject_1 model (``n2n denoise``) | clean original, each 2x enlarged (nearest) so the
noise and the recovered detail are visible at README width. Writes ``docs/before_after.png``.
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F

from n2n.data.images import read_image, write_image
from n2n.inference import denoisers
from n2n.inference.photo import denoise_photo
from n2n.metrics import psnr
from n2n.paths import EXAMPLES, REPO_ROOT

OUT = REPO_ROOT / "docs" / "before_after.png"
CROP = (slice(24, 168), slice(40, 232))  # 144 x 192 px of the 192 x 256 example: the fig and the bowl


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="replace an existing picture")
    args = parser.parse_args(argv)
    noisy, clean = read_image(EXAMPLES / "example_noisy.png"), read_image(EXAMPLES / "example_clean.png")
    denoised = denoise_photo(denoisers.get("miniproject1"), noisy)[0].round_().clamp_(0, 255).to(torch.uint8)
    print(f"PSNR {psnr(noisy, clean):.2f} dB noisy -> {psnr(denoised, clean):.2f} dB denoised (whole example)")
    gap = torch.full((1, 3, 2 * (CROP[0].stop - CROP[0].start), 6), 255, dtype=torch.uint8)
    panels = [F.interpolate(image[:, :, CROP[0], CROP[1]].float(), scale_factor=2, mode="nearest").to(torch.uint8)
              for image in (noisy, denoised, clean)]
    write_image(torch.cat([panels[0], gap, panels[1], gap, panels[2]], dim=3), OUT, overwrite=args.force)
    print(f"wrote {OUT.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
