"""Prototype: half-resolution sub-images whose paired pixels are 3 px apart (monkeypatched), disjoint by parity.

Per image one orientation (horizontal or vertical) and one parity p: for horizontal, g1 takes from row pair
i a random row 2i+a and the column 2j+p; g2 the same row, column 2j+p+3 or 2j+p-3 (random, inside the image).
g1 holds only columns of parity p, g2 only the others: the two never share a pixel.
"""
import sys, torch
import n2n.training.neighbor2neighbor as nn2n
DIST = int(sys.argv[1]); TARGETS = sys.argv[2]; OUT = sys.argv[3]; NOISE = sys.argv[4] if len(sys.argv) > 4 else "mixed"
assert DIST % 2 == 1

def random_cells(n, height, width, generator=None, device=None, side=2):
    h, w = height // 2, width // 2
    vertical = torch.randint(0, 2, (n, 1, 1), generator=generator).bool()
    parity = torch.randint(0, 2, (n, 1, 1), generator=generator)
    a = torch.randint(0, 2, (n, h, w), generator=generator)
    sign = torch.randint(0, 2, (n, h, w), generator=generator) * 2 - 1
    i = torch.arange(h).view(1, -1, 1).expand(n, h, w)
    j = torch.arange(w).view(1, 1, -1).expand(n, h, w)
    # along the pairing axis: position 2k + parity; across it: 2k' + a
    def pair(k, size):
        base = 2 * k + parity
        other = base + sign * DIST
        other = torch.where(other >= size, base - DIST, other)
        other = torch.where(other < 0, base + DIST, other)
        return base, other
    c1, c2 = pair(j, width); r = 2 * i + a
    flat_h1, flat_h2 = r * width + c1, r * width + c2
    r1, r2 = pair(i, height); c = 2 * j + a
    flat_v1, flat_v2 = r1 * width + c, r2 * width + c
    first = torch.where(vertical, flat_v1, flat_h1); second = torch.where(vertical, flat_v2, flat_h2)
    return nn2n.CellChoice(first.to(device), second.to(device))

def subsample(images, cells, side=2):
    n, c, H, W = images.shape; h, w = H // 2, W // 2
    index = cells.to(images.device).view(n, 1, h * w).expand(n, c, h * w)
    return images.reshape(n, c, H * W).gather(2, index).view(n, c, h, w)

if __name__ == "__main__":
    # sanity: disjoint and DIST apart
    g = torch.Generator().manual_seed(0)
    cells = random_cells(4, 16, 16, g)
    for k in range(4):
        assert not set(cells.first[k].flatten().tolist()) & set(cells.second[k].flatten().tolist())
    d = (cells.first - cells.second).abs()
    assert ((d == DIST) | (d == DIST * 16)).all()
    nn2n.random_cells = random_cells; nn2n.subsample = subsample
    from n2n.cli import main
    cmd = ["train", "--photos", "default", "--target", "single", "--noise", NOISE, "--arch", "32x3", "--epochs", "4",
           "--steps-per-epoch", "250", "--batch-size", "8", "--crop-size", "128", "--lr", "0.001", "--seed", "0",
           "--val", "data/val_data.pkl", "--out", OUT, "--threads", "2", "--quiet", "--force", "--single-targets", TARGETS,
       "--single-gamma", "2"]  # the default when this ran; pinned since the default became 0.5
    sys.exit(main(cmd))
