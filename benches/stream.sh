#!/usr/bin/env bash
# The streaming benchmark of issue 16, side by side with polars' own CSV reader:
#   1. a 1,000,000 x 27 CSV (CCSI model, `examples/big_survey.rs`): python polars
#      `read_csv` of the file, then `csi fit` (streamed), then `csi fit` on the
#      in-memory path (CSI_NO_STREAM=1) for reference; wall time and peak RSS of each;
#   2. the same rows ten times (10,000,000 rows): `csi fit` wall time and peak RSS;
#   3. every estimate of the 10M fit against the 1M fit (1e-9).
#
#   bash benches/stream.sh [ROWS] [REPEAT]
# (BENCH_DIR=DIR keeps the data files between runs; SKIP_BUILD=1 uses the built binary.)
# Needs python3 with polars (pip install polars) for the side-by-side figure.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
K=${2:-10}
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --quiet --bin csi --example big_survey
BIN=${CARGO_TARGET_DIR:-target}/release/csi
GEN=${CARGO_TARGET_DIR:-target}/release/examples/big_survey
DIR=${BENCH_DIR:-$(mktemp -d)}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ -f "$DIR/one.csv" ] || "$GEN" "$N" "$DIR/one.csv" >/dev/null
if [ ! -f "$DIR/ten.csv" ]; then
  cp "$DIR/one.csv" "$DIR/ten.csv"
  for _ in $(seq 2 "$K"); do tail -n +2 "$DIR/one.csv" >>"$DIR/ten.csv"; done
fi
echo "data: $N rows ($(du -h "$DIR/one.csv" | cut -f1)), x$K ($(du -h "$DIR/ten.csv" | cut -f1))"
cat "$DIR/one.csv" "$DIR/ten.csv" >/dev/null # both in the page cache

measure() { # label, command...
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" >/dev/null
  read -r wall kb <"$DIR/time.txt"
  printf '%-44s %7.2f s  %6d MB\n' "$label" "$wall" $((kb / 1024))
}
if python3 -c "import polars" 2>/dev/null; then
  for _ in 1 2 3; do
    measure "python polars read_csv ($N rows)" python3 -c "import polars as pl, sys; pl.read_csv(sys.argv[1])" "$DIR/one.csv"
  done
  python3 - "$DIR/one.csv" <<'PY'
import sys, time, polars as pl
best = min((lambda t: (pl.read_csv(sys.argv[1]), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(3))
print(f"{'polars read_csv inside python (best of 3)':44} {best:7.2f} s")
PY
else
  echo "python polars not installed (pip install polars): no side-by-side figure"
fi
for _ in 1 2 3; do
  measure "csi fit, streamed ($N rows)" "$BIN" fit --model models/ccsi.toml --data "$DIR/one.csv" --json "$DIR/one.json"
done
measure "csi fit, in memory ($N rows)" env CSI_NO_STREAM=1 "$BIN" fit --model models/ccsi.toml --data "$DIR/one.csv" --json "$DIR/one_mem.json"
measure "csi fit, streamed ($((N * K)) rows)" "$BIN" fit --model models/ccsi.toml --data "$DIR/ten.csv" --json "$DIR/ten.json"
python3 - "$DIR/one.json" "$DIR/ten.json" "$DIR/one_mem.json" <<'PY'
import json, sys
def nums(v, path=""):
    if isinstance(v, dict):
        for k, x in v.items():
            # n itself, and what depends on n by definition (adjusted R2, OLS tests)
            if k not in ("n", "n_read", "n_used", "iterations", "warnings", "r2_adj", "ols_se", "ols_t", "ols_p"):
                yield from nums(x, f"{path}/{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from nums(x, f"{path}[{i}]")
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        yield path, float(v)
one, ten, mem = (json.load(open(p)) for p in sys.argv[1:4])
for name, other in (("10x rows", ten), ("in-memory path", mem)):
    a, b = dict(nums(one)), dict(nums(other))
    worst = max(abs(a[k] - b[k]) / (1 + abs(a[k])) for k in a if k in b and not k.startswith("/settings"))
    print(f"largest difference of any estimate, streamed 1x vs {name}: {worst:.2e} ({len(a)} numbers)")
PY
echo "files: $DIR"
