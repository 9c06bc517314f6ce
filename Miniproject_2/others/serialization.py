"""Checkpoints as a pickle of plain data, loaded without executing code.

A checkpoint is ``{"format": FORMAT, "version": 1, "arch": {...}, "state": {name: {"dtype":
"float32"|"float64", "shape": [...], "data": bytes}}, "meta": {...}}``: only dicts, lists, strings,
numbers and bytes. ``load_checkpoint`` unpickles with an ``Unpickler`` that refuses every global
(class or function) reference, so a malicious pickle cannot run anything; then it checks the
structure and rebuilds the tensors from the raw little-endian bytes. ``meta`` may hold more tensors
as ``encode_tensor`` records (e.g. optimizer moments), decoded by the caller with ``decode_tensor``.
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import tempfile
from array import array
from pathlib import Path

from torch import empty

FORMAT = "n2n-miniproject2-checkpoint"
TYPECODES = {"float32": "f", "float64": "d"}


class PlainDataUnpickler(pickle.Unpickler):
    """Unpickles plain data only: any reference to a class or function is refused."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"it references the Python object {module}.{name}; only plain data is allowed")

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("it uses persistent references; only plain data is allowed")


def encode_tensor(tensor) -> dict:
    """A float32/float64 tensor -> a plain ``{dtype, shape, data}`` record (little-endian bytes)."""
    dtype = str(tensor.dtype).replace("torch.", "")
    if dtype not in TYPECODES:
        raise ValueError(f"cannot save a {tensor.dtype} tensor; expected one of {sorted(TYPECODES)}")
    values = array(TYPECODES[dtype], tensor.detach().to("cpu").flatten().tolist())
    if sys.byteorder != "little":
        values.byteswap()
    return {"dtype": dtype, "shape": list(tensor.shape), "data": values.tobytes()}


def decode_tensor(entry, name: str, path):
    """The tensor of an ``encode_tensor`` record; ``ValueError`` naming ``name`` and ``path`` if it is corrupt."""
    if not (isinstance(entry, dict) and entry.get("dtype") in TYPECODES and isinstance(entry.get("shape"), list)
            and isinstance(entry.get("data"), bytes) and all(isinstance(s, int) and s >= 0 for s in entry["shape"])):
        raise ValueError(f"{path} is corrupt: tensor {name!r} is not a {{dtype, shape, data}} record")
    values = array(TYPECODES[entry["dtype"]])
    try:
        values.frombytes(entry["data"])
    except ValueError as error:
        raise ValueError(f"{path} is corrupt: tensor {name!r} has a truncated data block") from error
    if sys.byteorder != "little":
        values.byteswap()
    count = 1
    for size in entry["shape"]:
        count *= size
    if len(values) != count:
        raise ValueError(f"{path} is corrupt: tensor {name!r} holds {len(values)} values for shape {entry['shape']}")
    dtype_source = empty(0) if entry["dtype"] == "float32" else empty(0).double()
    return dtype_source.new_tensor(values.tolist()).reshape(entry["shape"])


def save_checkpoint(path, state: dict, arch: dict, meta: dict | None = None, overwrite: bool = False) -> Path:
    """Write ``state`` (name -> tensor) with the ``arch`` needed to rebuild the network, atomically."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
    payload = {"format": FORMAT, "version": 1, "arch": dict(arch), "meta": dict(meta or {}),
               "state": {name: encode_tensor(value) for name, value in state.items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(payload, file, protocol=4)
        os.replace(temp_name, path)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise
    return path


def load_checkpoint(path, how_to_get: str = "") -> tuple[dict, dict, dict]:
    """Read a checkpoint written by ``save_checkpoint``: returns ``(state, arch, meta)``.

    ``FileNotFoundError`` when missing, ``ValueError`` when it is not such a checkpoint (including
    any pickle that references code); both messages end with ``how_to_get``."""
    path = Path(path)
    hint = f" {how_to_get}" if how_to_get else ""
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} not found.{hint}")
    raw = path.read_bytes()
    if raw.startswith(b"PK\x03\x04"):
        raise ValueError(f"{path} is a PyTorch (Miniproject_1) checkpoint, not a Miniproject_2 one: load it with "
                         f"Miniproject_1's Model or `n2n denoise --checkpoint`.{hint}")
    try:
        payload = PlainDataUnpickler(io.BytesIO(raw)).load()
    except pickle.UnpicklingError as error:
        raise ValueError(f"refusing to load {path}: {error}.{hint}") from None
    except Exception as error:  # truncated or not a pickle at all
        raise ValueError(f"{path} is not a readable Miniproject_2 checkpoint ({type(error).__name__}: {error}).{hint}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or payload.get("version") != 1:
        raise ValueError(f"{path} is not a Miniproject_2 checkpoint (format {FORMAT!r}, version 1).{hint}")
    if not isinstance(payload.get("state"), dict) or not isinstance(payload.get("arch"), dict):
        raise ValueError(f"{path} is corrupt: no state/arch dictionaries.{hint}")
    state = {name: decode_tensor(entry, name, path) for name, entry in payload["state"].items()}
    return state, payload["arch"], payload.get("meta") or {}
