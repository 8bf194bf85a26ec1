#!/usr/bin/env bash
# The programme benchmark of issue 12: 400 companies in 40 industries and 10 sectors,
# 4 waves, 250 respondents per company-wave (400,000 interviews), CCSI model,
# `csi program --bootstrap 1000`, whole command (read, validate, 1,600 fits and
# 1,600,000 resamples, aggregates, changes, JSON and text). Prints wall time and peak
# memory (/usr/bin/time -v), then one company-wave through `csi fit --bootstrap 1000`
# for the cost per company-wave.
#
#   bash benches/program.sh [COMPANIES] [WAVES] [RESAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
COMPANIES=${1:-400}
WAVES=${2:-4}
B=${3:-1000}
cargo build --release --quiet --bin csi
BIN=${CARGO_TARGET_DIR:-target}/release/csi
DIR=$(mktemp -d)
"$BIN" simulate --model models/ccsi.toml --out "$DIR" --companies "$COMPANIES" \
  --industries $((COMPANIES / 10)) --sectors $((COMPANIES / 40 > 0 ? COMPANIES / 40 : 1)) \
  --waves "$WAVES" --n 250 --seed 42 >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "data: $(($(wc -l < "$DIR/data.csv") - 1)) respondents, $(du -h "$DIR/data.csv" | cut -f1)"
/usr/bin/time -v "$BIN" program --model models/ccsi.toml --data "$DIR/data.csv" \
  --company company --wave wave --hierarchy "$DIR/hierarchy.csv" \
  --sector-weights "$DIR/sector_weights.csv" --bootstrap "$B" --json "$DIR/program.json" \
  >"$DIR/program.txt" 2>"$DIR/time.txt" || { cat "$DIR/time.txt"; exit 1; }
grep -E "Elapsed \(wall|Maximum resident|User time|System time" "$DIR/time.txt"
# one company-wave alone through csi fit
head -1 "$DIR/data.csv" >"$DIR/one.csv"
awk -F, 'NR > 1 && $2 == "W1" && $3 == "C001"' "$DIR/data.csv" >>"$DIR/one.csv"
/usr/bin/time -f "csi fit --bootstrap $B, one company-wave (n = 250): %e s wall, %M KB" \
  "$BIN" fit --model models/ccsi.toml --data "$DIR/one.csv" --bootstrap "$B" >/dev/null
echo "output: $DIR/program.txt, $DIR/program.json"
