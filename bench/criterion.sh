#!/usr/bin/env bash
# Criterion medians for every cell (or the criterion filter given, e.g. `bench/criterion.sh w1/`),
# in one run, then the table with ratios to the hand loop. About a minute for everything.
# Times move with the machine's load: compare ratios within one run, and trust callgrind.sh for
# repeatable numbers. FEATURES names retry-bench features to build with, such as `inline-loops`.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"

# Results of earlier runs would mix into the table (only this crate's groups: w1, w2, …).
rm -rf "$target"/criterion/w[0-9]*
cargo bench --manifest-path "$root/Cargo.toml" -p retry-bench --bench peers --features "${FEATURES:-}" \
  -- "$@" >&2
python3 "$here/tables.py" criterion "$target/criterion"
