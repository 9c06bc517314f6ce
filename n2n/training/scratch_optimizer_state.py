"""The state of Miniproject_2's optimizers (``Adam`` moments and step count, ``SGD`` momentum
buffers) as plain data for a checkpoint's ``meta``, and back, so ``--resume`` continues exactly."""

from __future__ import annotations

from Miniproject_2.others.optim import SGD, Adam
from Miniproject_2.others.serialization import decode_tensor, encode_tensor


def optimizer_state(optimizer) -> dict:
    """Plain data (dicts, lists, numbers, bytes) describing ``optimizer``'s running state."""
    if isinstance(optimizer, Adam):
        return {"kind": "adam", "step_count": optimizer.step_count,
                "first_moments": [encode_tensor(m) for m in optimizer.first_moments],
                "second_moments": [encode_tensor(v) for v in optimizer.second_moments]}
    if isinstance(optimizer, SGD):
        return {"kind": "sgd", "buffers": [None if b is None else encode_tensor(b) for b in optimizer.buffers]}
    raise ValueError(f"cannot save the state of a {type(optimizer).__name__} optimizer")


def _restore(targets: list, records, what: str, path) -> None:
    if not isinstance(records, list) or len(records) != len(targets):
        raise ValueError(f"{path}: optimizer {what} do not match the network's parameters")
    for index, (target, record) in enumerate(zip(targets, records)):
        value = decode_tensor(record, f"{what}[{index}]", path)
        if tuple(value.shape) != tuple(target.shape):
            raise ValueError(f"{path}: optimizer {what}[{index}] has shape {tuple(value.shape)}, expected {tuple(target.shape)}")
        target.copy_(value)


def load_optimizer_state(optimizer, state, path) -> None:
    """Restore what ``optimizer_state`` saved into an optimizer built over the same parameters."""
    kind = state.get("kind") if isinstance(state, dict) else None
    if isinstance(optimizer, Adam) and kind == "adam":
        _restore(optimizer.first_moments, state.get("first_moments"), "first_moments", path)
        _restore(optimizer.second_moments, state.get("second_moments"), "second_moments", path)
        optimizer.step_count = int(state["step_count"])
    elif isinstance(optimizer, SGD) and kind == "sgd":
        buffers = state.get("buffers")
        if not isinstance(buffers, list) or len(buffers) != len(optimizer.params):
            raise ValueError(f"{path}: optimizer buffers do not match the network's parameters")
        restored = [None if record is None else decode_tensor(record, f"buffers[{i}]", path) for i, record in enumerate(buffers)]
        optimizer.buffers = [None if b is None else b.to(device=v.device, dtype=v.dtype) for b, (v, _) in zip(restored, optimizer.params)]
    else:
        raise ValueError(f"{path}: saved optimizer state of kind {kind!r} does not fit a {type(optimizer).__name__}")
