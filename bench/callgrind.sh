#!/usr/bin/env bash
# Instructions per operation for every cell (or the cells named as arguments, by id or by
# workload prefix: `bench/callgrind.sh w1 w3.attr`), counted by callgrind, which counts
# instructions rather than time and so gives the same answer on a busy machine.
#
# Each cell runs twice, LOW and HIGH iterations; (I(HIGH) − I(LOW)) / (HIGH − LOW) leaves out
# start-up and first-use costs and keeps only what one more operation costs. The raw counts go
# to $OUT/callgrind.tsv, the tables (with ratios to the hand loop) to stdout.
#
# Environment: LOW (1000), HIGH (11000), OUT (a new temporary directory), CARGO_TARGET_DIR,
# FEATURES (retry-bench features to build with, such as `inline-loops`).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
low="${LOW:-1000}"
high="${HIGH:-11000}"
out="${OUT:-$(mktemp -d /tmp/retry-callgrind.XXXXXX)}"
mkdir -p "$out"
target="${CARGO_TARGET_DIR:-$root/target}"

command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }

cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p retry-bench --bin cells \
  --features "${FEATURES:-}"
cells="$target/release/cells"
"$cells" check

if [ "$#" -eq 0 ]; then
  ids=$("$cells" list)
else
  ids=$("$cells" list | while read -r id; do
    for want in "$@"; do
      case "$id" in "$want" | "$want".*) echo "$id"; break ;; esac
    done
  done)
fi

# The program's whole instruction count: callgrind's `summary:` line.
count() {
  local file="$out/callgrind.out"
  valgrind --tool=callgrind --callgrind-out-file="$file" --dump-instr=no --compress-strings=no \
    "$cells" "$1" "$2" >/dev/null 2>&1
  awk '/^summary:/ { print $2 }' "$file"
}

tsv="$out/callgrind.tsv"
printf 'cell\tlow\thigh\tI_low\tI_high\tper_op\n' >"$tsv"
for id in $ids; do
  a=$(count "$id" "$low")
  b=$(count "$id" "$high")
  per=$(awk -v a="$a" -v b="$b" -v l="$low" -v h="$high" 'BEGIN { printf "%.1f", (b - a) / (h - l) }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$low" "$high" "$a" "$b" "$per" >>"$tsv"
  printf '%-20s %10s instructions/op\n' "$id" "$per" >&2
done

echo "raw counts: $tsv" >&2
python3 "$here/tables.py" callgrind "$tsv"
