"""The *grid* layout, in which chains of 3x3, padding-1 convolutions pass images without copies.

A grid holds a batch of ``(N, H, W, C)`` images (channels-last) as rows ``(R, C)``, one row per
pixel, with zeros where a 3x3 convolution reads outside an image::

    row  0 .. W+1            zero (the top border of image 0, and one more pixel)
    then for each image:     H rows of (W pixels, one zero), then one zero row of W+1

Every image row ends with one zero pixel and every image with one zero row; each serves as the
right / bottom border of what precedes it *and* the left / top border of what follows (a pixel's
left neighbour at column 0 is the previous row's zero). So the border costs one row and one
column per image, not two of each.

On these rows the pixel read by tap ``(i, j)`` for output row ``r`` is row ``r + i*(W+1) + j``, the
output belongs at row ``r + W + 2`` of a grid of the same size (``Conv3x3Rows``), and a
convolution is nine matrix products on contiguous slices (``conv_kernels.shifted_products``):
no padding copy before a layer, no crop after it. The products on the zero rows and columns
(``1/W + 1/H`` of the work) land on the output's zeros, which ``Grid.zero_border`` clears again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .conv_kernels import tap_offsets


class Grid:
    """``data``: rows ``(W + 2 + N*(H+1)*(W+1), C)`` laid out as described above; the image is ``(N, H, W, C)``."""

    __slots__ = ("data", "batch", "height", "width")

    def __init__(self, data, batch: int, height: int, width: int) -> None:
        if data.dim() != 2 or data.shape[0] != (width + 2) + batch * (height + 1) * (width + 1):
            raise ValueError(f"grid data of shape {tuple(data.shape)} does not hold {batch} images of {height}x{width}")
        self.data, self.batch, self.height, self.width = data, batch, height, width

    @classmethod
    def empty(cls, like, batch: int, height: int, width: int, channels: int) -> "Grid":
        """An uninitialised grid on ``like``'s device and dtype (fill it, then ``zero_border``)."""
        return cls(like.new_empty((width + 2) + batch * (height + 1) * (width + 1), channels), batch, height, width)

    def empty_like(self, channels: int | None = None) -> "Grid":
        return Grid.empty(self.data, self.batch, self.height, self.width, self.channels if channels is None else channels)

    @property
    def channels(self) -> int:
        return self.data.shape[1]

    @property
    def row_width(self) -> int:
        """Rows between vertically adjacent pixels: ``W + 1``."""
        return self.width + 1

    @property
    def lead(self) -> int:
        """Row of pixel ``(0, 0, 0)``: ``W + 2``."""
        return self.width + 2

    def pixels(self):
        """``(N, H+1, W+1, C)``: each image with its zero row and column (a view)."""
        return self.data[self.lead:].view(self.batch, self.height + 1, self.row_width, self.channels)

    def image(self):
        """The images ``(N, H, W, C)`` (a view)."""
        return self.pixels()[:, :self.height, :self.width]

    def plane_images(self, planes):
        """The images ``(N, C, H, W)`` (a view) inside ``planes``: ``(C, R)`` rows laid out as this grid's rows,
        one plane per channel (the layout of the narrow layers, ``GridInput`` and ``GridOutput``)."""
        channels = planes.shape[0]
        return planes[:, self.lead:].view(channels, self.batch, self.height + 1, self.row_width)[:, :, :self.height, :self.width].permute(1, 0, 2, 3)

    def zero_border(self) -> "Grid":
        """Zero every row that is not a pixel of an image, in place; returns the grid."""
        data = self.data
        if data.stride() != (self.channels, 1):
            raise ValueError(f"grid data must be contiguous rows, got strides {data.stride()}")
        base = data.storage_offset()
        for size, stride, offset in _border_views(self.batch, self.height, self.width, self.channels):
            data.as_strided(size, stride, base + offset).zero_()
        return self


@lru_cache(maxsize=256)
def _border_views(batch: int, height: int, width: int, channels: int):
    """``(size, stride, offset)`` of two strided views of a grid's rows that cover every row that is not a pixel.

    The last zero column of each image, its zero row and the next image's leading zero are one run of
    ``W + 2`` rows, and the first ``W + 2`` rows of the grid are that run for "image -1": so
    ``batch + 1`` runs, one image apart, starting at row 0. The zero columns of the other image rows
    are every ``W + 1``-th row from ``W + 2 + W``."""
    row_width, lead = width + 1, width + 2
    per_image = (height + 1) * row_width
    rows = lead + batch * per_image
    runs = ((batch + 1, lead, channels), (per_image * channels, channels, 1), 0)
    first_column = lead + width
    columns = ((len(range(first_column, rows, row_width)), channels), (row_width * channels, 1), first_column * channels)
    return runs, columns


@dataclass(frozen=True)
class Conv3x3Rows:
    """Where the shifted products of a 3x3, padding-1 convolution read and write on a grid.

    Output row ``r < count`` reads row ``r + offset`` for each tap ``(i, j, offset)`` and belongs at
    row ``r + shift`` of an output grid of the same size: ``count`` spans pixel ``(0, 0, 0)`` to the
    last pixel."""

    offsets: tuple
    shift: int
    count: int

    @classmethod
    def of(cls, grid: Grid) -> "Conv3x3Rows":
        return _conv3x3_rows(grid.batch, grid.height, grid.width)


@lru_cache(maxsize=256)
def _conv3x3_rows(batch: int, height: int, width: int) -> Conv3x3Rows:
    row_width = width + 1
    return Conv3x3Rows(tap_offsets(row_width, (3, 3)), width + 2, batch * (height + 1) * row_width - row_width - 1)
