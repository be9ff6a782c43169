#!/usr/bin/env python3
"""Compile time of 300 retried functions: hand loops, `#[retry]`, backon.

    bench/compile-time/measure.py [functions]

Generates the three crates (generate.py) under a new temporary directory (or $OUT), then, one
build at a time, for debug and release:

- clean: delete the crate's target directory, `cargo build`, wall time. Dependencies included,
  since that is what a fresh checkout or CI pays: syn and the proc macro for `#[retry]`, backon
  and fastrand for backon, tokio for all three.
- crate only: with the dependencies built, rebuild just the generated crate (its source
  touched), wall time. This is what the 300 functions themselves cost, every time they change.

Each number is the median of $REPEAT runs (default 1 for clean builds, 3 for crate-only); the
three crates take turns within each repetition, so that a change in the machine's load falls
on all of them alike. Wall time is what the issue asks for; CPU time (user + system, of cargo
and everything it ran) is printed too, as it moves less with other work on the machine.
Builds run with CARGO_INCREMENTAL=0, so that a crate-only rebuild compiles everything again
rather than reusing the previous build's incremental cache.
"""

import os
import resource
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VARIANTS = ["hand", "retry", "backon"]
TITLES = {"hand": "hand loops", "retry": "`#[retry]`", "backon": "backon"}


def cargo(crate, *args):
    env = dict(os.environ, CARGO_INCREMENTAL="0", CARGO_TERM_COLOR="never")
    env.pop("CARGO_TARGET_DIR", None)  # each crate builds in its own, deleted, target dir
    env.pop("RUSTFLAGS", None)
    subprocess.run(["cargo", *args], cwd=crate, env=env, check=True, stdout=subprocess.DEVNULL)


def timed(crate, profile):
    """Wall and CPU seconds of one `cargo build`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    cargo(crate, "build", "--offline", "--quiet", *(["--release"] if profile == "release" else []))
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def print_table(title, results, functions):
    print(f"\nCompile time of {functions} retried functions, {title} (ratio to hand loops)\n")
    print("| build | " + " | ".join(TITLES[v] for v in VARIANTS) + " |")
    print("| --- |" + " ---: |" * len(VARIANTS))
    for profile in ["debug", "release"]:
        for kind in ["clean", "crate only"]:
            hand = results[(profile, kind, "hand")]
            cells = [f"{hand:.1f}"] + [
                f"{results[(profile, kind, v)]:.1f} ({results[(profile, kind, v)] / hand:.2f}×)" for v in VARIANTS[1:]
            ]
            print(f"| {profile}, {kind} | " + " | ".join(cells) + " |")


def main():
    functions = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    out = pathlib.Path(os.environ.get("OUT") or tempfile.mkdtemp(prefix="retry-compile-time."))
    subprocess.run([sys.executable, HERE / "generate.py", out, str(functions)], check=True, stdout=subprocess.DEVNULL)
    clean_runs = int(os.environ.get("REPEAT", "1"))
    crate_runs = int(os.environ.get("REPEAT", "3"))
    for v in VARIANTS:
        # The workspace's lock file, so that every crate builds the versions the workspace uses.
        shutil.copy(ROOT / "Cargo.lock", out / v / "Cargo.lock")
        cargo(out / v, "fetch")
    runs = {}
    for profile in ["debug", "release"]:
        for _ in range(clean_runs):
            for v in VARIANTS:
                shutil.rmtree(out / v / "target", ignore_errors=True)
                runs.setdefault((profile, "clean", v), []).append(timed(out / v, profile))
        for _ in range(crate_runs):
            for v in VARIANTS:
                (out / v / "src" / "lib.rs").touch()
                runs.setdefault((profile, "crate only", v), []).append(timed(out / v, profile))
        for v in VARIANTS:
            for kind in ["clean", "crate only"]:
                walls = ", ".join(f"{w:.1f}" for w, _ in runs[(profile, kind, v)])
                print(f"{profile:7} {kind:10} {v:6} wall {walls}", file=sys.stderr)
    wall = {key: statistics.median(w for w, _ in r) for key, r in runs.items()}
    cpu = {key: statistics.median(c for _, c in r) for key, r in runs.items()}
    print_table("wall seconds", wall, functions)
    print_table("CPU seconds (user + system)", cpu, functions)
    print(f"\ngenerated crates: {out}")


if __name__ == "__main__":
    main()
