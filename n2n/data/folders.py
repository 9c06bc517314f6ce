"""Users' own Noise2Noise data: two folders holding two noisy shots of the same scenes.

Files are matched by name without suffix (``a/cat.png`` pairs with ``b/cat.jpg``); each pair must
have the same size, any size at least the crop size. Training draws random crops at the same place
in both images of a pair.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from n2n.data.images import IMAGE_SUFFIXES, read_image


def list_images(folder: str | os.PathLike) -> dict[str, Path]:
    """Map file stem -> path for the PNG/JPEG files directly in ``folder`` (sorted by stem)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    images: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
            if path.stem in images:
                raise ValueError(f"{folder}: two images share the name {path.stem!r} ({images[path.stem].name}, {path.name})")
            images[path.stem] = path
    if not images:
        raise ValueError(f"{folder}: no PNG or JPEG images found")
    return dict(sorted(images.items()))


def _describe_names(names: set[str]) -> str:
    shown = sorted(names)[:5]
    return ", ".join(shown) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def matched_images(dir_a: str | os.PathLike, dir_b: str | os.PathLike) -> tuple[dict[str, Path], dict[str, Path]]:
    """The images of ``dir_a`` and ``dir_b`` (stem -> path), checked to pair up by name."""
    files_a, files_b = list_images(dir_a), list_images(dir_b)
    only_a, only_b = set(files_a) - set(files_b), set(files_b) - set(files_a)
    if only_a or only_b:
        details = []
        if only_a:
            details.append(f"only in {dir_a}: {_describe_names(only_a)}")
        if only_b:
            details.append(f"only in {dir_b}: {_describe_names(only_b)}")
        raise ValueError("unmatched image names (files are paired by name): " + "; ".join(details))
    return files_a, files_b


def pair_names(dir_a: str | os.PathLike, dir_b: str | os.PathLike) -> list[str]:
    """The names (stems, sorted) of the image pairs of ``dir_a`` and ``dir_b``."""
    return list(matched_images(dir_a, dir_b)[0])


class FolderPairs:
    """Matched noisy image pairs from ``dir_a`` and ``dir_b``, loaded into memory as ``uint8 (1, 3, H, W)``; only
    those called ``names`` (stems, :func:`pair_names`) if given."""

    def __init__(self, dir_a: str | os.PathLike, dir_b: str | os.PathLike, names: list[str] | None = None):
        files_a, files_b = matched_images(dir_a, dir_b)
        self.names = list(files_a) if names is None else list(names)
        self.images_a: list[torch.Tensor] = []
        self.images_b: list[torch.Tensor] = []
        for name in self.names:
            a, b = read_image(files_a[name]), read_image(files_b[name])
            if a.shape != b.shape:
                raise ValueError(
                    f"{files_a[name]} is {a.shape[3]}x{a.shape[2]} but {files_b[name]} is {b.shape[3]}x{b.shape[2]}; "
                    "paired images must have the same size"
                )
            self.images_a.append(a)
            self.images_b.append(b)

    def __len__(self) -> int:
        return len(self.names)

    def random_crops(
        self, count: int, size: int = 32, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``count`` random ``size x size`` crops at matching places: ``(a, b)``, each ``uint8 (count, 3, size, size)``.

        A pair is chosen with probability proportional to its number of crop positions, so every
        position of every image is equally likely.
        """
        heights = torch.tensor([image.shape[2] for image in self.images_a])
        widths = torch.tensor([image.shape[3] for image in self.images_a])
        positions = (heights - size + 1).clamp(min=0) * (widths - size + 1).clamp(min=0)
        if (positions == 0).any():
            small = [name for name, p in zip(self.names, positions.tolist()) if p == 0]
            raise ValueError(f"images smaller than the {size}x{size} crop size: {_describe_names(set(small))}")
        choice = torch.multinomial(positions.double(), count, replacement=True, generator=generator)
        top = (torch.rand(count, generator=generator) * (heights[choice] - size + 1)).long()
        left = (torch.rand(count, generator=generator) * (widths[choice] - size + 1)).long()
        a = torch.empty(count, 3, size, size, dtype=torch.uint8)
        b = torch.empty_like(a)
        for k, (i, y, x) in enumerate(zip(choice.tolist(), top.tolist(), left.tolist())):
            a[k] = self.images_a[i][0, :, y : y + size, x : x + size]
            b[k] = self.images_b[i][0, :, y : y + size, x : x + size]
        return a, b
