"""Prototype: Neighbor2Neighbor with k x k cells, pixels k-1 apart (monkeypatched), mixed noise."""
import sys, torch
import n2n.training.neighbor2neighbor as nn2n
CELL = int(sys.argv[1]); TARGETS = sys.argv[2]; OUT = sys.argv[3]

def pairs(k):
    out = []
    for r in range(k):
        out += [[r * k, r * k + k - 1], [r * k + k - 1, r * k]]
    for c in range(k):
        out += [[c, (k - 1) * k + c], [(k - 1) * k + c, c]]
    return torch.tensor(out)
P = pairs(CELL)
def random_cells(n, height, width, generator=None, device=None):
    which = torch.randint(0, len(P), (n, height // CELL, width // CELL), generator=generator)
    p = P[which]
    return nn2n.CellChoice(p[..., 0].to(device), p[..., 1].to(device))
def subsample(images, cells):
    n, c, H, W = images.shape; h, w = H // CELL, W // CELL
    blocks = images.reshape(n, c, h, CELL, w, CELL).permute(0, 1, 2, 4, 3, 5).reshape(n, c, h, w, CELL * CELL)
    index = cells.to(images.device).view(n, 1, h, w, 1).expand(n, c, h, w, 1)
    return blocks.gather(4, index).squeeze(4)
nn2n.random_cells = random_cells; nn2n.subsample = subsample
from n2n.cli import main
cmd = ["train", "--photos", "default", "--target", "single", "--noise", "mixed", "--arch", "32x3", "--epochs", "4",
       "--steps-per-epoch", "250", "--batch-size", "8", "--crop-size", str(64 * CELL), "--lr", "0.001", "--seed", "0",
       "--val", "data/val_data.pkl", "--out", OUT, "--threads", "2", "--quiet", "--force", "--single-targets", TARGETS,
       "--single-gamma", "2"]  # the default when this ran; pinned since the default became 0.5
sys.exit(main(cmd))
