"""Camera noise: an sRGB photo taken back to the sensor, noised there, and developed again.

The recipe follows Brooks et al., "Unprocessing Images for Learned Raw Denoising" (CVPR 2019),
written here from the paper's description:

1. sRGB -> linear light (the inverse of the sRGB transfer curve, IEC 61966-2-1);
2. linear sRGB -> camera RGB through a random colour matrix ``rgb2cam`` whose rows sum to one
   (white stays white). Brooks et al. mix the XYZ->camera matrices of four cameras; we draw
   ``(1 - m) I + m R`` with ``R`` a random row-stochastic matrix and ``m`` uniform in [0.2, 0.5],
   which gives colour-correction matrices (its inverse) with diagonals of about 1.3-2.3 and
   negative off-diagonal terms, the range real cameras have;
3. inverse white balance: red divided by a gain uniform in [1.9, 2.4], blue by one in [1.5, 1.9]
   (the paper's ranges), then values clipped to [0, 1] like a sensor;
4. a Bayer mosaic, one of the four 2 x 2 phases (RGGB, GRBG, GBRG, BGGR) per image, so that crops
   cover every alignment a tile of a whole photo can have;
5. **shot and read noise**, variance ``shot * x + read`` on the linear raw value ``x``. The shot
   level follows the ISO: ``shot = 1e-4 * ISO / 100`` (ISO log-uniform in [100, 6400] by default),
   which spans the paper's range of shot levels [1e-4, 1.2e-2]; the read level is the paper's fit
   ``log(read) = 2.18 log(shot) + 1.20 + N(0, 0.26^2)``;
6. demosaicing by Malvar, He and Cutler's gradient-corrected linear interpolation (ICASSP 2004),
   the 5 x 5 filters most cameras' simple pipelines resemble;
7. white balance, colour correction (the inverse matrix) and the sRGB curve again.

Left out of the paper's recipe: its inverse tone curve (a smoothstep) and its random exposure
scale, which change the photo's look rather than its noise. The pipeline without noise is not
exactly the identity (demosaicing blurs colour edges a little; clipped saturated colours stay
clipped), and the clean reference stays the original photo.

Per image, shared by the two copies of a pair: ISO, read-noise jitter, colour matrix, white-balance
gains and Bayer phase. Independent per copy: the noise. Follow with ``,jpeg`` for the camera's JPEG.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from n2n.data.noise import NoiseModel, Params

DEFAULT_ISO = (100.0, 6400.0)
RED_GAIN = (1.9, 2.4)
BLUE_GAIN = (1.5, 1.9)
MATRIX_MIX = (0.2, 0.5)
READ_SLOPE, READ_INTERCEPT, READ_JITTER = 2.18, 1.20, 0.26

# Malvar-He-Cutler filters (x 1/8): G at R or B sites; R (B) at green sites whose row holds R (B);
# R (B) at green sites whose column holds R (B); R at B sites and B at R sites.
_G_AT_RB = [[0, 0, -1, 0, 0], [0, 0, 2, 0, 0], [-1, 2, 4, 2, -1], [0, 0, 2, 0, 0], [0, 0, -1, 0, 0]]
_ROW_NEIGHBOUR = [[0, 0, 0.5, 0, 0], [0, -1, 0, -1, 0], [-1, 4, 5, 4, -1], [0, -1, 0, -1, 0], [0, 0, 0.5, 0, 0]]
_COLUMN_NEIGHBOUR = [list(row) for row in zip(*_ROW_NEIGHBOUR)]
_DIAGONAL = [[0, 0, -1.5, 0, 0], [0, 2, 0, 2, 0], [-1.5, 0, 6, 0, -1.5], [0, 2, 0, 2, 0], [0, 0, -1.5, 0, 0]]
_FILTERS = torch.tensor([_G_AT_RB, _ROW_NEIGHBOUR, _COLUMN_NEIGHBOUR, _DIAGONAL], dtype=torch.float32).unsqueeze(1) / 8

# The four Bayer phases: the colour (0 R, 1 G, 2 B) at offsets (0,0), (0,1), (1,0), (1,1).
BAYER_PHASES = ((0, 1, 1, 2), (1, 0, 2, 1), (1, 2, 0, 1), (2, 1, 1, 0))


def srgb_to_linear(x: torch.Tensor) -> torch.Tensor:
    """The inverse sRGB curve, ``x`` in [0, 1]."""
    return torch.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x: torch.Tensor) -> torch.Tensor:
    """The sRGB curve; values below 0 are taken as 0 (no light), above 1 are left for the caller to clip."""
    x = x.clamp(min=0)
    return torch.where(x <= 0.0031308, 12.92 * x, 1.055 * x.clamp(min=0.0031308) ** (1 / 2.4) - 0.055)


def bayer_masks(phase: int, h: int, w: int) -> torch.Tensor:
    """``(3, H, W)`` 0/1 masks of the R, G, B sites of Bayer ``phase`` (index into :data:`BAYER_PHASES`)."""
    colours = torch.tensor(BAYER_PHASES[phase]).view(2, 2)
    site = colours.repeat((h + 1) // 2, (w + 1) // 2)[:h, :w]
    return torch.stack([site == c for c in range(3)]).float()


def _phase_masks(phases: torch.Tensor | int, n: int, h: int, w: int) -> torch.Tensor:
    """``(N, 3, H, W)`` Bayer masks, one phase per image (an int: the same for all)."""
    table = torch.stack([bayer_masks(phase, h, w) for phase in range(len(BAYER_PHASES))])
    index = torch.full((n,), int(phases)) if isinstance(phases, int) else phases.long()
    return table[index]


def mosaic(linear: torch.Tensor, phases: torch.Tensor | int) -> torch.Tensor:
    """The Bayer samples of ``linear (N, 3, H, W)``: ``(N, 1, H, W)``, one phase per image."""
    n, _, h, w = linear.shape
    return (linear * _phase_masks(phases, n, h, w).to(linear.dtype)).sum(dim=1, keepdim=True)


def demosaic(raw: torch.Tensor, phases: torch.Tensor | int) -> torch.Tensor:
    """Malvar-He-Cutler demosaicing of ``raw (N, 1, H, W)``, Bayer phase per image (or one int); ``(N, 3, H, W)``."""
    n, _, h, w = raw.shape
    if h < 3 or w < 3:
        raise ValueError(f"demosaicing needs images of at least 3 x 3 pixels, got {h} x {w}")
    padded = F.pad(raw, (2, 2, 2, 2), mode="reflect")
    g_at_rb, row_nb, col_nb, diagonal = F.conv2d(padded, _FILTERS.to(raw.dtype)).unbind(1)
    r_site, g_site, b_site = _phase_masks(phases, n, h, w).to(raw.dtype).unbind(1)
    value = raw[:, 0]
    # Whether a row holds red (else blue) sites: a green site takes that colour from its row neighbours.
    r_rows = r_site.amax(dim=2, keepdim=True)
    b_rows = b_site.amax(dim=2, keepdim=True)
    red = r_site * value + g_site * (r_rows * row_nb + b_rows * col_nb) + b_site * diagonal
    blue = b_site * value + g_site * (b_rows * row_nb + r_rows * col_nb) + r_site * diagonal
    green = g_site * value + (r_site + b_site) * g_at_rb
    return torch.stack([red, green, blue], dim=1)


def random_rgb2cam(n: int, generator: torch.Generator) -> torch.Tensor:
    """``(n, 3, 3)`` colour matrices from linear sRGB to camera RGB, rows summing to one."""
    mix = MATRIX_MIX[0] + (MATRIX_MIX[1] - MATRIX_MIX[0]) * torch.rand(n, 1, 1, generator=generator)
    random = torch.rand(n, 3, 3, generator=generator) + 0.05
    random = random / random.sum(dim=2, keepdim=True)
    return (1 - mix) * torch.eye(3) + mix * random


class CameraNoise(NoiseModel):
    """Brooks et al.'s unprocessing pipeline with shot and read noise at a random ISO (see the module doc).

    ``iso``: (low, high), drawn log-uniformly per image (a point fixes it).
    """

    name = "camera"
    target_is_saved = True  # see SavedAsJpeg: the JPEG of a developed image is the less biased target

    def __init__(self, iso: tuple[float, float] = DEFAULT_ISO):
        low, high = float(iso[0]), float(iso[1])
        if not 0 < low <= high:
            raise ValueError(f"camera ISO range must be positive with low <= high, got {iso}")
        self.iso = (low, high)

    def sample_params(self, n: int, generator: torch.Generator) -> Params:
        log_low, log_high = math.log(self.iso[0]), math.log(self.iso[1])
        iso = torch.exp(log_low + (log_high - log_low) * torch.rand(n, generator=generator))
        shot = 1e-4 * iso / 100
        log_read = READ_SLOPE * torch.log(shot) + READ_INTERCEPT + READ_JITTER * torch.randn(n, generator=generator)
        red = RED_GAIN[0] + (RED_GAIN[1] - RED_GAIN[0]) * torch.rand(n, generator=generator)
        blue = BLUE_GAIN[0] + (BLUE_GAIN[1] - BLUE_GAIN[0]) * torch.rand(n, generator=generator)
        return {
            "iso": iso,
            "shot": shot,
            "read": torch.exp(log_read),
            "gains": torch.stack([red, torch.ones(n), blue], dim=1),
            "rgb2cam": random_rgb2cam(n, generator),
            "phase": torch.randint(0, 4, (n,), generator=generator),
        }

    def apply(self, clean: torch.Tensor, params: Params, generator: torch.Generator) -> torch.Tensor:
        """``clean (N, 3, H, W)`` float in [0, 255] -> float32 ``(N, 3, H, W)`` on the 0-255 scale, unclipped above."""
        if clean.dim() != 4 or clean.shape[1] != 3:
            raise ValueError(f"camera noise takes (N, 3, H, W) colour images, got {tuple(clean.shape)}")
        n, _, h, w = clean.shape
        linear = srgb_to_linear((clean / 255.0).clamp(0, 1))
        rgb2cam = params["rgb2cam"]
        gains = params["gains"].view(n, 3, 1, 1)
        camera = torch.einsum("nij,njhw->nihw", rgb2cam, linear)
        raw_rgb = (camera / gains).clamp(0, 1)
        raw = mosaic(raw_rgb, params["phase"])
        variance = params["shot"].view(n, 1, 1, 1) * raw + params["read"].view(n, 1, 1, 1)
        noisy_raw = raw + variance.sqrt() * torch.randn(n, 1, h, w, generator=generator)
        developed = demosaic(noisy_raw, params["phase"]) * gains
        rgb = torch.einsum("nij,njhw->nihw", torch.linalg.inv(rgb2cam), developed)
        return linear_to_srgb(rgb.clamp(max=1.0)) * 255.0

    def describe(self) -> dict:
        return {
            "name": self.name,
            "iso": list(self.iso),
            "iso_draw": "log-uniform per image",
            "shot": "1e-4 * ISO / 100 (linear [0, 1] scale)",
            "read": f"exp({READ_SLOPE} log(shot) + {READ_INTERCEPT} + N(0, {READ_JITTER}^2))",
            "white_balance": {"red": list(RED_GAIN), "blue": list(BLUE_GAIN)},
            "colour_matrix_mix": list(MATRIX_MIX),
            "demosaic": "Malvar-He-Cutler",
            "source": "Brooks et al., CVPR 2019 (unprocessing), without the tone curve and exposure scale",
        }
