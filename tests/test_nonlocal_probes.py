"""The non-local probes of the σ = 15 verdict: the windowed-attention cost bench and BM3D's Wiener stage on a pilot."""

import json

import pytest
import torch
import torch.nn.functional as F

from Miniproject_1.others.unet import UNet
from n2n.bench import nonlocal_cost
from n2n.bench.nonlocal_cost import NonLocalUNet, WindowAttention


def reference_attention(block: WindowAttention, features: torch.Tensor) -> torch.Tensor:
    """The block computed pixel by pixel with explicit loops over the window (zero padding)."""
    r = block.radius
    q, k, v = block.project(features).split([block.keys, block.keys, block.values], dim=1)
    k, v = F.pad(k, (r, r, r, r)), F.pad(v, (r, r, r, r))
    n, _, height, width = features.shape
    mixed = torch.zeros(n, block.values, height, width)
    for y in range(height):
        for x in range(width):
            window_k = k[:, :, y:y + 2 * r + 1, x:x + 2 * r + 1].flatten(2)  # (N, keys, side^2)
            window_v = v[:, :, y:y + 2 * r + 1, x:x + 2 * r + 1].flatten(2)
            weights = ((q[:, :, y, x, None] * window_k).sum(1) / block.keys**0.5).softmax(-1)  # (N, side^2)
            mixed[:, :, y, x] = (window_v * weights[:, None]).sum(-1)
    return features + block.out(mixed)


def test_window_attention_matches_the_pixel_by_pixel_definition():
    torch.manual_seed(0)
    block = WindowAttention(6, radius=2, keys=3, values=4)
    torch.nn.init.normal_(block.out.weight)  # not the zero start, so the mixed values show
    features = torch.randn(2, 6, 7, 9)
    with torch.no_grad():
        assert torch.allclose(block(features), reference_attention(block, features), atol=1e-5)


def test_a_new_block_leaves_a_trained_networks_output_unchanged_and_bad_sizes_are_refused():
    torch.manual_seed(1)
    plain = UNet(8, 2)
    torch.nn.init.normal_(plain.tail.weight, std=0.1)
    probe = NonLocalUNet(radius=2, width=8, depth=2)
    missing = probe.load_state_dict(plain.state_dict(), strict=False).missing_keys
    assert all(key.startswith("attention.") for key in missing)
    x = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        assert torch.allclose(probe(x), plain(x), atol=1e-6)
    with pytest.raises(ValueError, match="radius, keys and values"):
        WindowAttention(8, radius=0)


def test_cost_bench_writes_one_row_per_network_with_ratios_to_the_plain(tmp_path):
    out = tmp_path / "nonlocal.json"
    assert nonlocal_cost.main(["--radii", "1", "--runs", "1", "--threads", "1", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [row["radius"] for row in rows] == [0, 1]
    assert rows[0]["train_step_seconds_ratio"] == 1.0 and rows[0]["predict_512_seconds_ratio"] == 1.0
    assert all(row["train_step_seconds"] > 0 and row["predict_512_seconds"] > 0 for row in rows)
    with pytest.raises(SystemExit):
        nonlocal_cost.main(["--radii", "0"])


def test_wiener_stage_on_a_clean_pilot_beats_the_noisy_input_and_checks_shapes():
    pytest.importorskip("bm3d")
    from experiments.pilot_wiener import wiener_stage
    from n2n.metrics import psnr

    generator = torch.Generator().manual_seed(0)
    ramp = torch.linspace(40, 200, 48)
    clean = torch.stack([ramp[None, :].expand(48, 48), ramp[:, None].expand(48, 48), torch.full((48, 48), 120.0)])[None]
    noisy = (clean + 20 * torch.randn(clean.shape, generator=generator)).round().clamp(0, 255)
    filtered = wiener_stage(noisy, clean, 20.0)
    assert filtered.shape == clean.shape and filtered.dtype == torch.float32
    clean8 = clean.round().to(torch.uint8)
    assert psnr(filtered.round().clamp(0, 255).to(torch.uint8), clean8) > psnr(noisy.to(torch.uint8), clean8) + 5
    with pytest.raises(ValueError, match="one shape"):
        wiener_stage(noisy, clean[..., :40], 20.0)
