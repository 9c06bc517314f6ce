"""The *grid* layout, in which chains of 3x3, padding-1 convolutions pass images without copies.

A grid is a contiguous ``(N, H+2, W+2, C)`` tensor (channels-last) whose one-pixel border is zero
and whose interior ``(N, H, W, C)`` holds the image: it is already the padded input of the next
3x3 convolution. Flattened to rows ``(N*(H+2)*(W+2), C)``, the pixel read by tap ``(i, j)`` of
grid row ``r`` is row ``r + i*(W+2) + j`` (``conv_kernels.shifted_products``); written at row
``r + (W+2) + 1``, the result lands on the interior of an output grid of the same size. So a layer
needs no padding copy before it and no crop after it. The rows whose window wraps around the
border are computed too; they land on the output's border, which ``zero_border`` clears again.
"""

from __future__ import annotations

from dataclasses import dataclass

from .conv_kernels import tap_offsets


def new_grid(like, batch: int, height: int, width: int, channels: int):
    """An uninitialised grid for ``(batch, height, width, channels)`` images, on ``like``'s device and dtype."""
    return like.new_empty(batch, height + 2, width + 2, channels)


def interior(grid):
    """The image ``(N, H, W, C)`` inside a grid (a view)."""
    return grid[:, 1:-1, 1:-1]


def zero_border(grid):
    """Zero the border rows and columns of ``grid`` in place; returns it."""
    grid[:, 0].zero_()
    grid[:, -1].zero_()
    grid[:, :, 0].zero_()
    grid[:, :, -1].zero_()
    return grid


def rows(grid):
    """The grid's pixels as rows ``(N*(H+2)*(W+2), C)`` (a view)."""
    return grid.view(-1, grid.shape[3])


@dataclass(frozen=True)
class Conv3x3Rows:
    """Where the shifted products of a 3x3 convolution read and write on a grid of ``(height+2, width+2)``.

    Output row ``r`` (for ``r < count``) reads ``r + offset`` for each tap offset and belongs at grid row
    ``r + shift``: ``shift`` is the center tap's offset, ``count`` leaves room for the last tap."""

    offsets: tuple
    shift: int
    count: int

    @classmethod
    def of(cls, grid) -> "Conv3x3Rows":
        n, hp, wp, _ = grid.shape
        offsets = tuple(tap_offsets(wp, (3, 3)))
        return cls(offsets, wp + 1, n * hp * wp - offsets[-1][2])
