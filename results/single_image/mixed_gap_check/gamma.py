"""Prototype: Neighbor2Neighbor with another regulariser weight gamma (ramped 0 -> gamma), 2x crops."""
import sys
import n2n.training.single_source as source
GAMMA = float(sys.argv[1]); TARGETS = sys.argv[2]; OUT = sys.argv[3]; NOISE = sys.argv[4] if len(sys.argv) > 4 else "mixed"
source.GAMMA = GAMMA
from n2n.cli import main
cmd = ["train", "--photos", "default", "--target", "single", "--noise", NOISE, "--arch", "32x3", "--epochs", "4",
       "--steps-per-epoch", "250", "--batch-size", "8", "--crop-size", "128", "--lr", "0.001", "--seed", "0",
       "--val", "data/val_data.pkl", "--out", OUT, "--threads", "2", "--quiet", "--force", "--single-targets", TARGETS]
sys.exit(main(cmd))
