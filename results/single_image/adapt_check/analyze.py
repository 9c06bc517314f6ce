import json, math, sys
from collections import defaultdict
rows = json.load(open("results/single_image/adapt_check/scores.json"))
def psnr_of(mse): return 10 * math.log10(255**2 / mse)
print(f"{'photo':14s} {'cond':12s} {'o':>6s} {'c-o':>6s} {'a.25':>6s} {'a.5':>6s} {'a.75':>6s} | {'dmask':>6s} {'dtrueR':>7s} {'sOr':>7s} {'sM16':>7s} {'sM32':>7s} {'selOr':>7s} {'selM32':>7s} {'selTrue':>7s} frac")
for r in rows:
    a = r["psnr_alpha"]; o = r["psnr_o"]
    d = lambda k: r[k][1] - r[k][0]
    sel = r["suresel_oracle"]; selm = r["suresel_mad32"]
    print(f"{r['photo'][-14:]:14s} {r['condition']:12s} {o:6.2f} {r['psnr_c']-o:+6.2f} {a['0.25']-o:+6.2f} {a['0.5']-o:+6.2f} {a['0.75']-o:+6.2f} | "
          f"{d('masked'):+6.3f} {r['mse_c']-r['mse_o']:+7.2f} {d('sure_oracle'):+7.2f} {d('sure_mad16'):+7.2f} {d('sure_mad32'):+7.2f} {sel[1]-sel[0]:+7.2f} {selm[1]-selm[0]:+7.2f} {sel[3]-sel[2]:+7.2f} {sel[4]:.2f}")
groups = defaultdict(list)
for r in rows: groups[r["condition"]].append(r)
rules = {
 "copy": lambda r: 1.0,
 "blend.5": lambda r: 0.5,
 "masked": lambda r: 1.0 if r["masked"][1] < r["masked"][0] else 0.0,
 "sel_mad32": lambda r: 1.0 if r["suresel_mad32"][1] < r["suresel_mad32"][0] else 0.0,
 "sel_oracle": lambda r: 1.0 if r["suresel_oracle"][1] < r["suresel_oracle"][0] else 0.0,
 "sel_mad32_blend": lambda r: 1.0 if r["suresel_mad32"][1] < r["suresel_mad32"][0] else 0.5,
 "masked_blend": lambda r: 1.0 if r["masked"][1] < r["masked"][0] else 0.5,
}
def psnr_at(r, alpha):
    if alpha == 0: return r["psnr_o"]
    if alpha == 1: return r["psnr_c"]
    return r["psnr_alpha"][str(alpha)]
print()
for name, rule in rules.items():
    cells = []
    for cond, g in groups.items():
        gains = [psnr_at(r, rule(r)) - r["psnr_o"] for r in g]
        cells.append(f"{cond}: {sum(gains)/len(gains):+.2f} (min {min(gains):+.2f})")
    print(f"{name:16s}", " | ".join(cells))
