"""Which Miniproject wrote a checkpoint file, read from its first bytes (nothing is unpickled here).

- Miniproject_1 (and ``n2n train --engine torch``): ``torch.save`` of a state_dict, a ZIP archive
  (``PK\\x03\\x04``); the resumable ``OUT.last.pth`` is one too.
- Miniproject_2 (and ``n2n train --engine scratch``): a plain-data pickle whose first key is the
  format tag ``n2n-miniproject2-checkpoint``.
"""

from __future__ import annotations

from pathlib import Path

from Miniproject_2.others.serialization import FORMAT as MINIPROJECT2_FORMAT

ZIP_MAGIC = b"PK\x03\x04"
KINDS = {"miniproject1": "a Miniproject_1 (PyTorch) checkpoint", "miniproject2": "a Miniproject_2 (from-scratch framework) checkpoint"}


def checkpoint_kind(path: str | Path) -> str:
    """``"miniproject1"`` or ``"miniproject2"``; ``FileNotFoundError``/``ValueError`` saying what the file is otherwise."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} not found")
    with path.open("rb") as file:
        head = file.read(256)
    if head.startswith(ZIP_MAGIC):
        return "miniproject1"
    if head.startswith(b"\x80") and MINIPROJECT2_FORMAT.encode() in head:
        return "miniproject2"
    what = "an empty file" if not head else "a pickle of another format" if head.startswith(b"\x80") else "not a checkpoint"
    raise ValueError(f"{path} is {what}: n2n reads Miniproject_1 checkpoints (PyTorch weights, as `n2n train` writes "
                     "them) and Miniproject_2 checkpoints (as `n2n train --engine scratch` writes them)")


def check_model_matches(path: str | Path, model: str) -> str:
    """The checkpoint's kind; ``ValueError`` naming the right ``--model`` when ``model`` is the other Miniproject."""
    kind = checkpoint_kind(path)
    if model in KINDS and model != kind:
        raise ValueError(f"{path} is {KINDS[kind]}, not {KINDS[model]}: use --model {kind} (or leave --model out)")
    return kind
