"""Whole-photo evaluation (``n2n.evaluation.whole_photos``, ``n2n evaluate --photos``) on tiny synthetic photos."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from n2n.cli import main
from n2n.evaluation import whole_photos as wp
from n2n.metrics import psnr


def _photo_array(height: int, width: int, seed: int) -> np.ndarray:
    """A smooth colour image with some texture, uint8 (H, W, 3)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    channels = [127 + 90 * np.sin(x / (7 + 3 * c) + y / (11 + c) + seed) for c in range(3)]
    image = np.stack(channels, axis=-1) + rng.normal(0, 2, (height, width, 3))
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    Image.fromarray(_photo_array(72, 100, 1)).save(folder / "a.png")
    Image.fromarray(_photo_array(90, 67, 2)).save(folder / "sub" / "b.png")
    Image.fromarray(_photo_array(70, 70, 3)[:, :, 0]).save(folder / "grey.jpg", quality=95)  # greyscale JPEG
    (folder / "notes.txt").write_text("not an image")
    return folder


def blur(noisy: torch.Tensor) -> torch.Tensor:
    """A trivial denoiser: 3x3 box filter (replicate borders), float in [0, 255]."""
    x = torch.nn.functional.pad(noisy.float(), (1, 1, 1, 1), mode="replicate")
    return torch.nn.functional.avg_pool2d(x, 3, stride=1)


def fake_baseline(calls: list, version: str = "fake 1") -> wp.Baseline:
    def make(sigma: float):
        def denoise(noisy: torch.Tensor) -> torch.Tensor:
            calls.append(sigma)
            return blur(noisy)
        return denoise
    return wp.Baseline("BM3D (sigma given)", "fake_bm3d", make, lambda: version)


# ------------------------------------------------------------------------------------------ preparation


def test_folder_images_lists_png_and_jpeg_recursively(photo_dir: Path) -> None:
    photos = wp.folder_images(photo_dir)
    assert [p.id for p in photos] == ["a.png", "grey.jpg", "sub/b.png"]


def test_prepare_downscales_short_side_and_crops_to_multiples_of_8(photo_dir: Path) -> None:
    photos = {p.id: p for p in wp.folder_images(photo_dir)}
    a = wp.prepare_photo(photos["a.png"], size=40)  # 72x100 -> 40x56 (55.6 rounded), already multiples of 8
    assert a.clean.dtype == torch.uint8 and tuple(a.clean.shape) == (1, 3, 40, 56)
    b = wp.prepare_photo(photos["sub/b.png"], size=50)  # 67x90 (WxH) -> 50x67 -> centre crop 48x64
    assert tuple(b.clean.shape) == (1, 3, 64, 48) and b.native_size == (67, 90)
    native = wp.prepare_photo(photos["sub/b.png"], size=0)  # 67x90 -> 64x88, no resampling
    assert tuple(native.clean.shape) == (1, 3, 88, 64)
    source = torch.from_numpy(np.array(Image.open(photos["sub/b.png"].path))).permute(2, 0, 1)
    assert torch.equal(native.clean[0], source[:, 1:89, 1:65])  # centre crop: 1 px off each side
    bigger = wp.prepare_photo(photos["a.png"], size=512)  # never upscaled
    assert tuple(bigger.clean.shape) == (1, 3, 72, 96)
    grey = wp.prepare_photo(photos["grey.jpg"], size=0)
    assert tuple(grey.clean.shape) == (1, 3, 64, 64)
    assert torch.equal(grey.clean[:, 0], grey.clean[:, 1]) and torch.equal(grey.clean[:, 0], grey.clean[:, 2])
    assert a.sha256 == wp.file_sha256(photos["a.png"].path) and len(a.sha256) == 64


# ---------------------------------------------------------------------------------------------- noise


def test_noise_is_deterministic_per_photo_sigma_and_seed(photo_dir: Path) -> None:
    photo = wp.prepare_photo(wp.folder_images(photo_dir)[0], size=40)
    first = wp.noisy_copy(photo, 25)
    assert first.dtype == torch.uint8 and first.shape == photo.clean.shape
    assert torch.equal(first, wp.noisy_copy(photo, 25.0))  # same seed, same bytes
    assert not torch.equal(first, wp.noisy_copy(photo, 25, seed=1))
    assert not torch.equal(first, wp.noisy_copy(photo, 15))
    renamed = wp.PreparedPhoto("other", photo.path, photo.sha256, photo.native_size, photo.size, photo.clean)
    assert not torch.equal(first, wp.noisy_copy(renamed, 25))
    # sigma 25 noise, clipped: the residual's spread is close to 25 away from black and white.
    residual = first.float() - photo.clean.float()
    assert 20 < residual.std() < 27
    assert wp.noise_seed("a", 25, 0) == wp.noise_seed("a", 25.0, 0) < 2**63


def test_noisy_copies_do_not_depend_on_the_other_sigmas_or_photos(photo_dir: Path) -> None:
    photos = wp.folder_images(photo_dir)
    seen: list[bytes] = []

    def recorder(noisy: torch.Tensor) -> torch.Tensor:
        seen.append(noisy.numpy().tobytes())
        return noisy.float()

    def noisy_inputs(chosen_photos, sigmas) -> dict:
        seen.clear()
        result = wp.evaluate_photos(chosen_photos, {"record": recorder}, sigmas=sigmas, size=32, baselines=(),
                                    cache_dir=None, progress=False, tiled=False)
        keys = [(row["photo"], row["sigma"]) for row in result["rows"] if row["denoiser"] == "record"]
        return dict(zip(keys, seen, strict=True))

    alone = noisy_inputs(photos[2:], [25])
    together = noisy_inputs(photos, [50, 15, 25])
    assert alone[("sub/b.png", 25.0)] == together[("sub/b.png", 25.0)]
    assert len(together) == 9


# -------------------------------------------------------------------------------------------- scoring


def test_rows_means_and_table(photo_dir: Path) -> None:
    photos = wp.folder_images(photo_dir)
    calls: list = []
    result = wp.evaluate_photos(photos, {"blur": blur}, sigmas=(15, 25, 50), size=32, baselines=[fake_baseline(calls)],
                                cache_dir=None, progress=False)
    rows = result["rows"]
    assert len(rows) == 3 * 3 * 3 and len(calls) == 9
    assert [r["denoiser"] for r in rows[:3]] == ["noisy input", "BM3D (sigma given)", "blur"]
    assert {r["kind"] for r in rows} == {"input", "baseline", "network"}
    means = result["means"]
    assert len(means) == 3 * 3 and all(m["photos"] == 3 for m in means)
    for m in means:
        same = [r["psnr"] for r in rows if r["denoiser"] == m["denoiser"] and r["sigma"] == m["sigma"]]
        assert m["psnr"] == pytest.approx(sum(same) / 3)
    noisy = {m["sigma"]: m["psnr"] for m in means if m["denoiser"] == "noisy input"}
    assert noisy[15.0] > noisy[25.0] > noisy[50.0]
    blurred = {m["sigma"]: m["psnr"] for m in means if m["denoiser"] == "blur"}
    assert blurred[50.0] > noisy[50.0]
    # the PSNR of a row is that of the uint8-rounded output on the whole image; the greyscale JPEG's output is
    # made grey (its noise shows no colour), as n2n denoise writes it
    for photo_file in photos:
        photo = wp.prepare_photo(photo_file, 32)
        noisy_image = wp.noisy_copy(photo, 25)
        output = blur(noisy_image)
        if photo_file.id == "grey.jpg":
            output = output.mean(1, keepdim=True).expand(-1, 3, -1, -1)
        expected = psnr(output.round().clamp(0, 255).to(torch.uint8), photo.clean)
        row = next(r for r in rows if r["denoiser"] == "blur" and r["sigma"] == 25.0 and r["photo"] == photo_file.id)
        assert row["psnr"] == pytest.approx(expected, abs=1e-12)
    assert result["settings"]["grey"] == "auto"
    assert len(result["photos"]) == 3 and result["photos"][0]["height"] % 8 == 0

    plain = wp.evaluate_photos(photos, {"blur": blur}, sigmas=(25,), size=32, baselines=(), cache_dir=None, progress=False,
                               grey="no")
    grey_row = next(r for r in plain["rows"] if r["denoiser"] == "blur" and r["photo"] == "grey.jpg")
    photo = wp.prepare_photo(next(p for p in photos if p.id == "grey.jpg"), 32)
    assert grey_row["psnr"] == pytest.approx(psnr(blur(wp.noisy_copy(photo, 25)).round().clamp(0, 255).to(torch.uint8), photo.clean))
    from n2n.inference.photo import with_grey_mode

    both = wp.evaluate_photos(photos, {"auto": blur, "no": with_grey_mode(blur, "no")}, sigmas=(25,), size=32, baselines=(),
                              cache_dir=None, progress=False)
    scores = {row["denoiser"]: row["psnr"] for row in both["rows"] if row["photo"] == "grey.jpg"}
    assert scores["no"] == pytest.approx(grey_row["psnr"]) and scores["auto"] > scores["no"]
    with pytest.raises(ValueError, match="grey mode"):
        wp.evaluate_photos(photos, {"blur": blur}, sigmas=(25,), size=32, baselines=(), cache_dir=None, progress=False, grey="maybe")

    table = wp.format_table(result).splitlines()
    assert table[2] == "| denoiser | σ = 15 | σ = 25 | σ = 50 | s / photo |"
    assert [line.split(" | ")[0] for line in table[4:]] == ["| noisy input", "| BM3D (sigma given)", "| blur"]
    assert all(line.count("|") == 6 for line in table[2:])


def test_tiled_networks_equal_untiled_on_small_photos(photo_dir: Path) -> None:
    photos = wp.folder_images(photo_dir)[:1]
    tiled = wp.evaluate_photos(photos, {"blur": blur}, sigmas=[25], size=32, baselines=(), cache_dir=None, progress=False)
    plain = wp.evaluate_photos(photos, {"blur": blur}, sigmas=[25], size=32, baselines=(), cache_dir=None, progress=False,
                               tiled=False)
    assert tiled["rows"][1]["psnr"] == plain["rows"][1]["psnr"]


def test_whole_image_denoisers_are_not_tiled(tmp_path: Path) -> None:
    (tmp_path / "large").mkdir()
    Image.fromarray(_photo_array(600, 640, 4)).save(tmp_path / "large" / "large.png")
    shapes = []

    def whole(noisy: torch.Tensor) -> torch.Tensor:
        shapes.append(tuple(noisy.shape))
        return noisy.float()

    whole.whole_image = True
    photos = wp.folder_images(tmp_path / "large")
    wp.evaluate_photos(photos, {"whole": whole}, sigmas=[25], size=600, baselines=(), cache_dir=None, progress=False)
    assert shapes == [(1, 3, 600, 640)]  # one call with the whole photo, not 512 px tiles


def test_cli_photos_adapt_rows(photo_dir: Path, capsys) -> None:
    args = ["evaluate", "--photos", str(photo_dir), "--no-baselines", "--models", "miniproject1", "miniproject2",
            "--photo-size", "64", "--sigmas", "25", "--adapt", "--adapt-steps", "1"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "| miniproject1 (--adapt) |" in captured.out and "miniproject2 (--adapt)" not in captured.out
    assert "skipping miniproject2 for --adapt" in captured.err


def test_baseline_scores_are_cached(photo_dir: Path, tmp_path: Path) -> None:
    photos = wp.folder_images(photo_dir)[:2]
    calls: list = []
    cache = tmp_path / "cache"
    kwargs = dict(sigmas=[15, 25], size=32, cache_dir=cache, progress=False)
    first = wp.evaluate_photos(photos, {}, baselines=[fake_baseline(calls)], **kwargs)
    assert len(calls) == 4 and len(list((cache / "fake_bm3d").glob("*.json"))) == 4
    second = wp.evaluate_photos(photos, {}, baselines=[fake_baseline(calls)], **kwargs)
    assert len(calls) == 4  # nothing recomputed
    pairs = [(a, b) for a, b in zip(first["rows"], second["rows"]) if a["kind"] == "baseline"]
    assert all(a["psnr"] == b["psnr"] and a["seconds"] == b["seconds"] for a, b in pairs)
    assert [a["cached"] for a, _ in pairs] == [False] * 4 and [b["cached"] for _, b in pairs] == [True] * 4
    entry = json.loads(next((cache / "fake_bm3d").glob("*.json")).read_text())
    assert set(entry["key"]) >= {"photo", "sha256", "size", "sigma", "noise_seed", "version"}
    # a new sigma, size, seed or package version, or a changed photo file, is computed afresh
    wp.evaluate_photos(photos, {}, baselines=[fake_baseline(calls)], **{**kwargs, "sigmas": [25, 50]})
    assert len(calls) == 6
    wp.evaluate_photos(photos[:1], {}, baselines=[fake_baseline(calls, version="fake 2")], **kwargs)
    assert len(calls) == 8
    wp.evaluate_photos(photos[:1], {}, baselines=[fake_baseline(calls)], seed=3, **kwargs)
    assert len(calls) == 10
    Image.fromarray(_photo_array(72, 100, 9)).save(photos[0].path)
    wp.evaluate_photos(photos[:1], {}, baselines=[fake_baseline(calls)], **kwargs)
    assert len(calls) == 12


def test_default_cache_is_under_the_work_root(monkeypatch, tmp_path: Path, photo_dir: Path) -> None:
    monkeypatch.setattr(wp, "work_root", lambda: tmp_path)
    calls: list = []
    wp.evaluate_photos(wp.folder_images(photo_dir)[:1], {}, sigmas=[25], size=32, baselines=[fake_baseline(calls)],
                       progress=False)
    assert len(list((tmp_path / "cache" / "whole_photos" / "fake_bm3d").glob("*.json"))) == 1


def test_missing_baseline_package_raises_or_is_skipped(photo_dir: Path, capsys) -> None:
    with pytest.raises(wp.BaselineUnavailable, match=r"pip install 'n2n\[baselines\]'"):
        wp._require("n2n_no_such_package", "BM3D")

    def unavailable() -> str:
        raise wp.BaselineUnavailable("BM3D needs the optional package 'bm3d': pip install 'n2n[baselines]'")

    missing = wp.Baseline("BM3D (sigma given)", "x", lambda sigma: blur, unavailable)
    photos = wp.folder_images(photo_dir)[:1]
    with pytest.raises(ImportError, match="n2n.baselines"):
        wp.evaluate_photos(photos, {}, sigmas=[25], size=32, baselines=[missing], cache_dir=None, progress=False)
    result = wp.evaluate_photos(photos, {}, sigmas=[25], size=32, baselines=[missing], cache_dir=None, progress=False,
                                missing="skip")
    assert [r["denoiser"] for r in result["rows"]] == ["noisy input"] and len(result["skipped"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'n2n[baselines]'" in err[0]


def test_real_bm3d_on_a_tiny_photo(photo_dir: Path) -> None:
    pytest.importorskip("bm3d")
    photo = wp.prepare_photo(wp.folder_images(photo_dir)[0], size=24)  # 24x32
    noisy = wp.noisy_copy(photo, 25)
    denoised = wp.quantize(wp.BM3D.make(25)(noisy))
    assert psnr(denoised, photo.clean) > psnr(noisy, photo.clean) + 2
    assert wp.BM3D.version().startswith("bm3d ")
    from experiments.greyscale_files import greyscale_noisy  # identical channels: greyscale BM3D, not NaN

    grey_clean = photo.clean.float().mean(1, keepdim=True).expand(-1, 3, -1, -1).round().to(torch.uint8)
    grey_noisy = greyscale_noisy(grey_clean, 25, seed=0)
    grey_denoised = wp.quantize(wp.BM3D.make(25)(grey_noisy))
    assert torch.equal(grey_denoised[:, 0], grey_denoised[:, 2])
    assert psnr(grey_denoised, grey_clean) > psnr(grey_noisy, grey_clean) + 2


def test_validation_photos_follow_the_manifest(monkeypatch, tmp_path: Path, photo_dir: Path) -> None:
    import n2n.data.photos

    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"splits": {"train": ["p/a"], "val": ["p/c", "p/b"]}}))
    pool = [SimpleNamespace(id=f"p/{name}", path=photo_dir / "a.png") for name in "abc"]
    monkeypatch.setattr(n2n.data.photos, "default_photos", lambda *args, **kwargs: (pool, {"p": "p_1.deb"}))
    assert [p.id for p in wp.validation_photos(manifest)] == ["p/c", "p/b"]
    manifest.write_text(json.dumps({"splits": {"val": ["p/c", "p/z"]}}))
    with pytest.raises(ValueError, match="p/z"):
        wp.validation_photos(manifest)
    with pytest.raises(FileNotFoundError, match="--photos DIR"):
        wp.validation_photos(tmp_path / "none.json")


def test_the_committed_manifest_names_six_validation_photos() -> None:
    assert len(wp.validation_photo_ids()) == 6


# --------------------------------------------------------------------------------------------- errors


def test_bad_input_errors(tmp_path: Path, photo_dir: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such folder"):
        wp.folder_images(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "x.txt").write_text("")
    with pytest.raises(ValueError, match="no PNG/JPEG images"):
        wp.folder_images(tmp_path / "empty")
    for sigmas in ([0], [-5], [25, float("nan")], []):
        with pytest.raises(ValueError, match="sigma"):
            wp.check_sigmas(sigmas)
    assert wp.check_sigmas([25, 15, 25]) == (25.0, 15.0)
    for size in (8, 15, -1, 2.5):
        with pytest.raises(ValueError, match="--photo-size"):
            wp.check_size(size)
    assert wp.check_size(0) == 0 and wp.check_size(16) == 16
    Image.fromarray(_photo_array(12, 40, 0)).save(tmp_path / "tiny.png")
    with pytest.raises(ValueError, match="too small"):
        wp.prepare_photo(wp.PhotoFile("tiny", tmp_path / "tiny.png"), size=0)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="not a readable image"):
        wp.prepare_photo(wp.PhotoFile("broken", tmp_path / "broken.png"))
    with pytest.raises(ValueError, match="returned"):
        wp.evaluate_photos(wp.folder_images(photo_dir)[:1], {"bad": lambda x: x[:, :, :8]}, sigmas=[25], size=32,
                           baselines=(), cache_dir=None, progress=False)


# ------------------------------------------------------------------------------------------------ CLI


def test_cli_photos_table_and_json(photo_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "eval.json"
    code = main(["evaluate", "--photos", str(photo_dir), "--no-baselines", "--models", "miniproject1",
                 "--photo-size", "64", "--json", str(out)])
    assert code == 0
    table = capsys.readouterr().out
    assert "| denoiser | σ = 15 | σ = 25 | σ = 50 | s / photo |" in table
    assert "| noisy input |" in table and "| miniproject1 |" in table and "BM3D" not in table
    result = json.loads(out.read_text())
    assert len(result["rows"]) == 3 * 3 * 2 and len(result["means"]) == 3 * 2
    assert {min(row["height"], row["width"]) for row in result["rows"]} == {64} and result["settings"]["size"] == 64
    means = {(m["denoiser"], m["sigma"]): m["psnr"] for m in result["means"]}
    assert means["miniproject1", 25.0] > means["noisy input", 25.0] + 3


def test_cli_photos_with_a_fake_bm3d(photo_dir: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    calls: list = []
    monkeypatch.setattr(wp, "BM3D", fake_baseline(calls))
    monkeypatch.setattr(wp, "work_root", lambda: tmp_path)
    args = ["evaluate", "--photos", str(photo_dir), "--models", "--sigmas", "25", "--photo-size", "32"]
    assert main(args) == 0 and len(calls) == 3
    assert main(args) == 0 and len(calls) == 3  # second run: cached
    out = capsys.readouterr().out
    assert out.count("| BM3D (sigma given) |") == 2 and out.count("| denoiser | σ = 25 | s / photo |") == 2


def test_cli_photos_errors(tmp_path: Path, photo_dir: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    cases = [
        (["--photos", str(tmp_path / "missing")], "no such folder"),
        (["--photos", str(tmp_path / "empty")], "no PNG/JPEG images"),
        (["--photos", str(photo_dir), "--sigmas", "0"], "positive"),
        (["--photos", str(photo_dir), "--photo-size", "8"], "--photo-size"),
        (["--photos", str(photo_dir), "--limit", "3"], "--limit"),
        (["--sigmas", "25"], "add --photos"),
        (["--adapt"], "add --photos"),
        (["--photos", str(photo_dir), "--adapt-steps", "3"], "add --adapt"),
        (["miniproject1", "--photos", str(photo_dir), "--adapt", "--adapt-steps", "0"], "at least 1"),
        (["miniproject2", "--photos", str(photo_dir), "--adapt"], "none is chosen"),
    ]
    for extra, message in cases:
        assert main(["evaluate", "--models", *extra]) == 2, extra
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, (extra, err)


def test_the_table_names_the_sizes_the_photos_were_evaluated_at() -> None:
    def result(size: int, *shapes: tuple[int, int]) -> dict:
        return {"settings": {"size": size}, "photos": [{"height": h, "width": w} for h, w in shapes]}

    assert wp.photo_sizes(result(512, (512, 768), (512, 680))) == "short side 512 px"
    assert wp.photo_sizes(result(512, (192, 256))) == "short side 192 px (photos smaller than the 512 px asked for keep their size)"
    assert wp.photo_sizes(result(0, (300, 400), (512, 600))) == "short sides 300-512 px (native size)"
    header = wp.format_table({**result(512, (192, 256)), "means": []}).splitlines()[0]
    assert "short side 192 px" in header and "higher is better" in header
