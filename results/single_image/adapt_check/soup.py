import json, copy as copymod
from pathlib import Path
import torch
from n2n.evaluation import whole_photos
from n2n.experiments.adapt_noise import CONDITIONS, noisy_photo
from n2n.inference import denoisers
from n2n.inference.adapt import resolve_network
from n2n.inference.tiling import denoise_tiled
from n2n.metrics import psnr
from Miniproject_1.others.inference import denoise
from Miniproject_1.model import BEST_MODEL_PATH
torch.set_num_threads(1)
out = Path("cache/adapt_diag")
original = resolve_network(denoisers.from_checkpoint(BEST_MODEL_PATH, "miniproject1")).eval()
scores = {(r["photo"], r["condition"]): r for r in json.load(open("results/single_image/adapt_check/scores.json"))}
rows = []
for photo_file in whole_photos.validation_photos():
    photo = whole_photos.prepare_photo(photo_file, 512)
    for condition in CONDITIONS:
        saved = torch.load(out / f"{photo.id.replace('/', '__')}__{condition}.pt", weights_only=True)["state"]
        soup = copymod.deepcopy(original)
        soup.load_state_dict({k: (torch.lerp(v, saved[k], 0.5) if v.is_floating_point() else v) for k, v in original.state_dict().items()})
        noisy = noisy_photo(photo.clean, photo.id, condition, 0)
        p = psnr(whole_photos.quantize(denoise_tiled(lambda b: denoise(soup, b, torch.device("cpu"), 32), noisy)), photo.clean)
        r = scores[(photo.id, condition)]
        rows.append({"photo": photo.id, "condition": condition, "soup": p - r["psnr_o"], "blend": r["psnr_alpha"]["0.5"] - r["psnr_o"], "copy": r["psnr_c"] - r["psnr_o"]})
        print(condition, f"soup {rows[-1]['soup']:+.2f} blend {rows[-1]['blend']:+.2f} copy {rows[-1]['copy']:+.2f}", flush=True)
json.dump(rows, open(out / "soup.json", "w"), indent=1)
