"""Diagnostic: adapt the shipped model on each validation photo x condition (no check), save the copies."""
import json, sys, time
from pathlib import Path
import torch
from n2n.evaluation import whole_photos
from n2n.experiments.adapt_noise import CONDITIONS, noisy_photo
from n2n.inference import denoisers
from n2n.inference.adapt import adapt
from Miniproject_1.model import BEST_MODEL_PATH

torch.set_num_threads(2)
out = Path("cache/adapt_diag")
conditions = sys.argv[1].split(",") if len(sys.argv) > 1 else list(CONDITIONS)
predict = denoisers.from_checkpoint(BEST_MODEL_PATH, "miniproject1")
for photo_file in whole_photos.validation_photos():
    photo = whole_photos.prepare_photo(photo_file, 512)
    for condition in conditions:
        name = out / f"{photo.id.replace('/', '__')}__{condition}.pt"
        if name.exists():
            continue
        noisy = noisy_photo(photo.clean, photo.id, condition, 0)
        t = time.perf_counter()
        adapted = adapt(predict, noisy, check=False, desc=None)
        torch.save({"state": adapted.copy.state_dict(), "seconds": time.perf_counter() - t}, name)
        print(photo.id, condition, f"{time.perf_counter() - t:.1f}s", flush=True)
