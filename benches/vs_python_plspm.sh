#!/usr/bin/env bash
# Side by side, in one run: bootstrap of the CCSI model (27 items, n = 250) with
# python plspm 0.5.7 and with csi, on the same simulated data; prints the time per
# resample of each and their ratio.
#
#   bash benches/vs_python_plspm.sh [PYTHON_RESAMPLES] [CSI_RESAMPLES]
#
# python plspm needs each column z-scored by hand and `scaled=False` (its own
# scaling differs from plspm's R algorithm); it runs `processes=2` workers.
set -euo pipefail
cd "$(dirname "$0")/.."
PY_B=${1:-200}
CSI_B=${2:-10000}
python3 -c "import plspm" 2>/dev/null || pip install -q plspm==0.5.7 pandas==2.3.3
cargo build --release --quiet --bin csi --example big_survey
BIN=${CARGO_TARGET_DIR:-target}/release
DATA=$(mktemp -d)/ccsi_250.csv
"$BIN"/examples/big_survey 250 "$DATA" 2>/dev/null

py_seconds=$(python3 - "$DATA" "$PY_B" <<'PY'
import sys, time
import pandas as pd
from plspm.plspm import Plspm
from plspm.config import Config, MV, Structure
from plspm.mode import Mode
from plspm.scheme import Scheme
data = pd.read_csv(sys.argv[1]); B = int(sys.argv[2])
X = (data - data.mean()) / data.std(ddof=0)
s = Structure()
for a, b in [("IMAG","EXPE"),("IMAG","SAT"),("IMAG","LOY"),("EXPE","QUAL"),("EXPE","VAL"),("EXPE","SAT"),
             ("QUAL","VAL"),("QUAL","SAT"),("VAL","SAT"),("SAT","LOY")]:
    s.add_path([a], [b])
cfg = Config(s.path(), scaled=False)
for lv, pre, k in [("IMAG","imag",5),("EXPE","expe",5),("QUAL","qual",5),("VAL","val",4),("SAT","sat",4),("LOY","loy",4)]:
    cfg.add_lv(lv, Mode.A, *[MV(f"{pre}{i}") for i in range(1, k + 1)])
t = time.perf_counter()
Plspm(X, cfg, Scheme.PATH, 100, 1e-6, bootstrap=True, bootstrap_iterations=B, processes=2)
print(time.perf_counter() - t)
PY
)
t0=$(python3 -c "import time; print(time.time())")
"$BIN"/csi fit --model models/ccsi.toml --data "$DATA" --bootstrap "$CSI_B" --seed 1 --json /dev/null > /dev/null
t1=$(python3 -c "import time; print(time.time())")
csi_seconds=$(python3 -c "print($t1 - $t0)")
python3 - "$py_seconds" "$PY_B" "$csi_seconds" "$CSI_B" <<'PY'
import sys
py, pyb, cs, csb = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"python plspm 0.5.7: {pyb} resamples in {py:.2f} s = {py/pyb*1e3:.2f} ms per resample")
print(f"csi:                {csb} resamples in {cs:.3f} s (whole command: read, fit, bootstrap, JSON) = {cs/csb*1e6:.1f} us per resample")
print(f"per-resample ratio: {py/pyb/(cs/csb):.0f}x")
PY
