"""Miniproject 2: the course entry point. The framework's blocks are importable from here
(``from Miniproject_2.model import Conv2d, TransposeConv2d, NearestUpsampling, Upsampling,
ReLU, Sigmoid, MSE, SGD, Sequential``)."""

from .others.activations import LeakyReLU, ReLU, Sigmoid
from .others.container import Sequential
from .others.conv import Conv2d, TransposeConv2d
from .others.loss import MSE
from .others.module import Module
from .others.optim import SGD, Adam
from .others.upsampling import NearestUpsampling, Upsampling

__all__ = [
    "Adam", "Conv2d", "LeakyReLU", "MSE", "Module", "NearestUpsampling", "ReLU", "SGD",
    "Sequential", "Sigmoid", "TransposeConv2d", "Upsampling",
]
