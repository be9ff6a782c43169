#!/usr/bin/env python3
"""Markdown tables from the benchmark crate's raw results, with ratios to the hand loop and the
targets of BENCHMARKS.md checked.

    tables.py callgrind <callgrind.tsv>     instructions/op (from bench/callgrind.sh)
    tables.py criterion <criterion dir>     criterion medians (from cargo bench -p retry-bench)
    tables.py sizes <sizes.tsv | ->         W5 future sizes (from `cells sizes`)
"""

import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent


def versions():
    """Peer versions as pinned in bench/Cargo.toml."""
    text = (HERE / "Cargo.toml").read_text()
    found = dict(re.findall(r'^([a-z-]+) = \{ version = "=([0-9.]+)"', text, re.M))
    found.update(re.findall(r'^([a-z-]+) = "=([0-9.]+)"', text, re.M))
    return found


V = versions()
WAYS = [
    ("direct", "direct call"),
    ("hand", "hand loop"),
    ("duties", "hand loop + duties"),
    ("attr", "`#[retry]`"),
    ("call", "`call`"),
    ("backon", f"backon {V.get('backon', '')}"),
    ("backoff", f"backoff {V.get('backoff', '')}"),
    ("tokio-retry", f"tokio-retry {V.get('tokio-retry', '')}"),
    ("retry", f"retry {V.get('retry', '')}"),
]
PEERS = ["backon", "backoff", "tokio-retry", "retry"]
ROWS = [
    ("w1", "W1 sync, first-attempt success"),
    ("w1-d", "W1 added to the direct call"),
    ("w2", "W2 async, first-attempt success"),
    ("w2-d", "W2 added to the direct call"),
    ("w3", "W3 sync, 4 failures + success (per call)"),
    ("w3s", "W3s same config, first-attempt success"),
    ("w3/f", "W3 per failure = (W3 − W3s) / 4"),
    ("w3a", "W3a async, 4 failures + success (per call)"),
    ("w4d", "W4d one jittered delay, fresh schedule"),
    ("w4f", "W4f 4 failures + success, 100ms delays, no-op sleeper"),
    ("w4s", "W4s same config, first-attempt success"),
    ("w4/f", "W4 per retry decision = (W4f − W4s) / 4"),
]
DERIVED = {"w3/f": ("w3", "w3s"), "w4/f": ("w4f", "w4s")}


def derive(values, over_direct=True):
    for row in ("w1", "w2") if over_direct else ():
        if (row, "direct") in values:
            for way, _ in WAYS[1:]:
                if (row, way) in values:
                    values[(row + "-d", way)] = values[(row, way)] - values[(row, "direct")]
    for row, (fail, ok) in DERIVED.items():
        for way, _ in WAYS:
            if (fail, way) in values and (ok, way) in values:
                values[(row, way)] = (values[(fail, way)] - values[(ok, way)]) / 4


def table(values, fmt):
    ways = [(w, t) for w, t in WAYS if any((r, w) in values for r, _ in ROWS)]
    lines = ["| workload | " + " | ".join(t for _, t in ways) + " |", "| --- |" + " ---: |" * len(ways)]
    for row, title in ROWS:
        if not any((row, w) in values for w, _ in ways):
            continue
        hand = values.get((row, "hand"))
        cells = []
        for way, _ in ways:
            v = values.get((row, way))
            if v is None:
                cells.append("—")
            elif hand and way != "hand":
                cells.append(f"{fmt(v)} ({v / hand:.2f}×)")
            else:
                cells.append(fmt(v))
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdicts(values, unit):
    """The targets of the issue, for `#[retry]`, against the hand loop and every peer."""
    checks = [
        ("W1", "w1", 1.05, ["w1"]),
        ("W2", "w2", 1.05, ["w2"]),
        ("W3 (per call)", "w3", 1.5, ["w3"]),
        # A peer's per-decision cost with real delays where it takes a no-op sleeper, else
        # with zero delays (W3, where its thread sleep returns at once), else its bare delay
        # computation, which is a lower bound of what one decision costs it.
        ("W4 (per decision)", "w4/f", 1.5, ["w4/f", "w3/f", "w4d"]),
    ]
    out = []
    for name, row, limit, peer_rows in checks:
        ours, hand = values.get((row, "attr")), values.get((row, "hand"))
        if ours is None or not hand:
            continue
        ratio = ours / hand
        peers = {}
        for peer in PEERS:
            for pr in peer_rows:
                if (pr, peer) in values:
                    peers[peer] = (values[(pr, peer)], pr)
                    break
        beaten = [p for p, (v, _) in peers.items() if ours < v]
        lost = [f"{p} {v:.1f}{unit} ({pr})" for p, (v, pr) in peers.items() if ours >= v]
        ok = ratio <= limit and not lost
        # The floor: the hand loop with the specification's duties (bench/src/duties.rs).
        floor = values.get((row, "duties"))
        floor_note = (
            f"; the floor (hand loop + duties) is {floor:.1f}{unit} = {floor / hand:.2f}× hand, "
            f"`#[retry]` {ours / floor:.2f}× the floor"
            if floor
            else ""
        )
        out.append(
            f"- {name}: `#[retry]` {ours:.1f}{unit} = {ratio:.2f}× hand (target ≤ {limit}×: "
            f"{'holds' if ratio <= limit else 'MISSED'}); below {', '.join(beaten) or 'no peer'}"
            + (f"; NOT below {', '.join(lost)}" if lost else "")
            + floor_note
            + f" → {'target holds' if ok else 'target missed'}"
        )
    return "\n".join(out)


def callgrind(path):
    values = {}
    for line in pathlib.Path(path).read_text().splitlines()[1:]:
        cell, *_, per_op = line.split("\t")
        workload, way = cell.split(".", 1)
        values[(workload, way)] = float(per_op)
    derive(values)
    print("Instructions per operation (callgrind; ratio to the hand loop in brackets)\n")
    print(table(values, lambda v: f"{v:.1f}"))
    print("\nTargets (instructions):\n")
    print(verdicts(values, ""))


def criterion(directory):
    values = {}
    for estimates in pathlib.Path(directory).glob("*/*/new/estimates.json"):
        way, workload = estimates.parent.parent.name, estimates.parent.parent.parent.name
        median = json.loads(estimates.read_text())["median"]["point_estimate"]
        values[(workload, way)] = median
    if not values:
        sys.exit(f"no criterion results under {directory}")
    # Differences of a few tenths of a nanosecond are noise in times, not a cost.
    derive(values, over_direct=False)
    print("Criterion medians, ns per operation (ratio to the hand loop in brackets)\n")
    print(table(values, lambda v: f"{v:.2f}"))
    print("\nTargets (time):\n")
    print(verdicts(values, " ns"))


def sizes(path):
    text = sys.stdin.read() if path == "-" else pathlib.Path(path).read_text()
    rows = [line.split("\t") for line in text.splitlines() if line.strip()]
    titles = dict(WAYS)
    body = next(int(b) for w, _, b in rows if w == "direct")
    print(f"W5: size of the retrying future around a {body}-byte body future (`size_of_val`)\n")
    print("| crate | default timer (tokio) | no-op sleeper | added to the body |")
    print("| --- | ---: | ---: | ---: |")
    by_way = {}
    for way, sleeper, size in rows:
        by_way.setdefault(way, {})[sleeper] = int(size)
    for way, s in by_way.items():
        if way == "direct":
            continue
        tokio, noop = s.get("tokio"), s.get("no-op")
        added = " / ".join(f"+{v - body}" for v in (tokio, noop) if v is not None)
        print(
            f"| {titles.get(way, way)} | {tokio if tokio is not None else '—'} B "
            f"| {str(noop) + ' B' if noop is not None else '—'} | {added} B |"
        )
    ours = by_way.get("attr", {}).get("tokio")
    peers = {w: s["tokio"] for w, s in by_way.items() if w in PEERS and "tokio" in s}
    if ours is not None and peers:
        smallest = min(peers.items(), key=lambda kv: kv[1])
        verdict = "holds" if ours < smallest[1] else "MISSED"
        print(
            f"\nTarget (smaller than every peer's future): `#[retry]` {ours} B, smallest peer "
            f"{titles[smallest[0]]} {smallest[1]} B → {verdict}"
        )


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("callgrind", "criterion", "sizes"):
        sys.exit(__doc__)
    {"callgrind": callgrind, "criterion": criterion, "sizes": sizes}[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
