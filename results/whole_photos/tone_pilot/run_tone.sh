while pgrep -f "cache/crop_pilot/run.sh" >/dev/null; do sleep 10; done
. .venv/bin/activate
n2n train --photos --init training_runs/mp1_photos_40x5_cycle2/model.pth --noise "gaussian:0-55+gaussian:0-55+poisson+pixelate" --crop-size 96 \
    --batch-size 8 --steps-per-epoch 500 --epochs 4 --lr 3e-5 --seed 2 --val data/val_data.pkl --val-photos --tone-fraction 0.5 \
    --out cache/crop_pilot/tone96/model.pth --threads 2 --quiet --force
