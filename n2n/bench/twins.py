"""torch.nn twins of the framework's networks, with the same layout and weight names, for the
benchmarks and parity runs that compare the from-scratch framework with PyTorch."""

from __future__ import annotations

from torch import nn

from Miniproject_2.others.network import UPSAMPLING_KINDS


def torch_course_network(widths=(32, 64), kernel_size: int = 3, upsampling: str = "nearest") -> nn.Sequential:
    """``Miniproject_2.others.network.course_network`` in torch.nn: same layers, same indices.

    An ``Upsampling`` block is ``nn.Sequential(nn.Upsample, nn.Conv2d)``, so our ``4.conv.weight``
    is its ``4.1.weight`` (see ``torch_state_dict``)."""
    if upsampling not in UPSAMPLING_KINDS:
        raise ValueError(f"upsampling must be one of {UPSAMPLING_KINDS}, got {upsampling!r}")
    first, second = widths
    pad = kernel_size // 2

    def up(channels_in, channels_out):
        if upsampling == "nearest":
            return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(channels_in, channels_out, kernel_size, padding=pad))
        return nn.ConvTranspose2d(channels_in, channels_out, kernel_size, stride=2, padding=pad, output_padding=1)

    return nn.Sequential(
        nn.Conv2d(3, first, kernel_size, stride=2, padding=pad), nn.ReLU(),
        nn.Conv2d(first, second, kernel_size, stride=2, padding=pad), nn.ReLU(),
        up(second, first), nn.ReLU(),
        up(first, 3), nn.Sigmoid(),
    )


def torch_state_dict(framework_state: dict) -> dict:
    """Rename a framework ``state_dict`` to the twin's keys (``.conv.`` -> ``.1.``)."""
    return {name.replace(".conv.", ".1."): value.clone() for name, value in framework_state.items()}


def twin_of(framework_network, widths=(32, 64), kernel_size: int = 3, upsampling: str = "nearest") -> nn.Sequential:
    """A torch twin holding the same weights as ``framework_network``."""
    twin = torch_course_network(widths, kernel_size, upsampling)
    twin.load_state_dict(torch_state_dict(framework_network.state_dict()))
    return twin.to(dtype=next(iter(framework_network.state_dict().values())).dtype)
