set -e
. .venv/bin/activate
NOISE="gaussian:0-55+gaussian:0-55+poisson+pixelate"
for cfg in "96 8" "192 2"; do
  set -- $cfg
  n2n train --photos --init training_runs/mp1_photos_40x5_cycle2/model.pth --noise "$NOISE" --crop-size $1 \
    --batch-size $2 --steps-per-epoch 500 --epochs 4 --lr 3e-5 --seed 2 --val data/val_data.pkl --val-photos \
    --out cache/crop_pilot/c$1/model.pth --threads 2 --quiet --force
done
