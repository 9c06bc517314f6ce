"""Score the diagnostic runs' last weights like the training table does -> scores.json (this folder).

python results/single_image/mixed_gap_check/score.py NAME=cache/proto/RUN.pth ...
Crop sets `mixed` and `gaussian25` (all 1000 crops), whole validation photos (short side 512) at Gaussian sigma 15/25/50.
"""
import json
import sys
from pathlib import Path

import torch

from n2n.evaluation import whole_photos
from n2n.evaluation.evaluate import available_val_sets, evaluate
from n2n.experiments.single_image import last_network, predictor

torch.set_num_threads(2)
runs = dict(arg.split("=", 1) for arg in sys.argv[1:])
predictors = {name: predictor(last_network(Path(path))) for name, path in runs.items()}
sets = {k: v for k, v in available_val_sets().items() if k in ("mixed", "gaussian25")}
crops = [row for row in evaluate(predictors, sets) if row["denoiser"] in runs]
photos = whole_photos.evaluate_photos(whole_photos.validation_photos(), predictors, sigmas=[15.0, 25.0, 50.0], size=512,
                                      baselines=[], missing="skip", progress=False)
out = Path(__file__).with_name("scores.json")
scores = json.loads(out.read_text()) if out.is_file() else {}
for name, path in runs.items():
    scores[name] = {"checkpoint": path,
                    "crops": {row["val_set"]: round(row["psnr"], 3) for row in crops if row["denoiser"] == name},
                    "photos": {f"{m['sigma']:g}": round(m["psnr"], 3) for m in photos["means"] if m["denoiser"] == name}}
    print(name, scores[name])
out.write_text(json.dumps(scores, indent=2) + "\n")
