"""The models ``n2n serve`` offers: n2n's default (:mod:`n2n.inference.routing`), the two course models and the
checkpoint given at start, each loaded once."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from n2n.api import Denoiser, load
from n2n.inference.checkpoints import checkpoint_kind

SHIPPED = {"auto": "n2n: the network for the photo's noise (course U-Net, or JPEG and camera, weak or strong)",
           "miniproject1": "Miniproject_1 (PyTorch U-Net, shipped)",
           "miniproject2": "Miniproject_2 (from-scratch framework, shipped)"}
ADAPTABLE = ("auto", "miniproject1")  # PyTorch U-Nets: Miniproject_2's framework has no autograd
CHECKPOINT = "checkpoint"


@dataclass(frozen=True)
class Choice:
    """A model on the page: ``id`` (what the page sends), ``label``, ``can_adapt`` (only Miniproject_1's networks can
    be fine-tuned on a photo: Miniproject_2's framework has no autograd)."""

    id: str
    label: str
    can_adapt: bool


class Models:
    """The page's models; ``checkpoint``: a checkpoint of either Miniproject to offer too (its kind read from the file,
    so a file that is none fails here, at start)."""

    def __init__(self, checkpoint: Path | None = None, device: str | None = None) -> None:
        self.checkpoint, self.device = checkpoint, device
        self.choices = [Choice(name, label, name in ADAPTABLE) for name, label in SHIPPED.items()]
        if checkpoint is not None:
            kind = checkpoint_kind(checkpoint)
            self.choices.append(Choice(CHECKPOINT, f"{Path(checkpoint).name} ({SHIPPED[kind].split(' (')[0]} checkpoint)",
                                       kind == "miniproject1"))
        self._loaded: dict[str, Denoiser] = {}
        self._lock = threading.Lock()

    @property
    def default(self) -> str:
        """The checkpoint when one was given (it is why the server was started with it), else n2n's default."""
        return CHECKPOINT if self.checkpoint is not None else "auto"

    def choice(self, model_id: str) -> Choice:
        """The choice of ``model_id``; ``ValueError`` naming the known ones."""
        for choice in self.choices:
            if choice.id == model_id:
                return choice
        raise ValueError(f"unknown model {model_id!r}; this server offers {', '.join(c.id for c in self.choices)}")

    def get(self, model_id: str) -> Denoiser:
        """The denoiser of ``model_id``, loaded on first use and kept."""
        self.choice(model_id)
        with self._lock:
            if model_id not in self._loaded:
                self._loaded[model_id] = (load(self.checkpoint, device=self.device) if model_id == CHECKPOINT
                                          else load(model=model_id, device=self.device))
            return self._loaded[model_id]
