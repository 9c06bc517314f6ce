"""Pilot: the tone pilot (run_tone.sh) with the tone curves' gain capped at 1 (no clean saturated crops).

Prototype kept as it ran: it patches n2n.data.patches.TONE_GAIN for this process only, then runs
``n2n train`` exactly as run_tone.sh does. Run from the repository root.
"""

import sys

import n2n.data.patches as patches

patches.TONE_GAIN = (0.5, 1.0)

from n2n.cli import main  # noqa: E402

sys.exit(main(["train", "--photos", "--init", "training_runs/mp1_photos_40x5_cycle2/model.pth",
               "--noise", "gaussian:0-55+gaussian:0-55+poisson+pixelate", "--crop-size", "96", "--batch-size", "8",
               "--steps-per-epoch", "500", "--epochs", "4", "--lr", "3e-5", "--seed", "2", "--val", "data/val_data.pkl",
               "--val-photos", "--tone-fraction", "0.5", "--out", "cache/crop_pilot/tone96_gain1/model.pth",
               "--threads", "2", "--quiet", "--force"]))
