"""Turns bench/results/raw.jsonl into bench/RESULTS.md: per scenario and
server, the median of the runs with min–max, and jobcast's ratio to each
peer. Usage: summarize.py RAW OUT --versions TEXT --command TEXT"""

import argparse
import json
import os
import statistics
from collections import defaultdict

METRICS = {
    # scenario: [(label, path in the JSON, higher is better)]
    "A": [("delivered events/s", ("events_per_s",), True), ("latency p99 ms", ("latency_ms", "p99"), False)],
    "B": [("delivered events/s", ("events_per_s",), True), ("latency p99 ms", ("latency_ms", "p99"), False),
          ("KiB per joined connection (10,000)", ("kib_per_connection",), False)],
    "C": [("latency p50 ms", ("latency_ms", "p50"), False), ("latency p99 ms", ("latency_ms", "p99"), False),
          ("latency max ms", ("latency_ms", "max"), False)],
    "D": [("connect p99 ms", ("connect_ms", "p99"), False), ("join p99 ms", ("join_ms", "p99"), False)],
    "E": [("KiB per idle connection", ("kib_per_connection",), False)],
    "F": [("jobs/s", ("jobs_per_s",), True), ("submit s", ("submit_s",), False),
          ("delivered events/s", ("events_per_s",), True)],
}
TITLES = {
    "A": "A — 1,000 clients, 100 jobs × 100 events, as fast as possible",
    "B": "B — 10,000 clients, 1,000 jobs × 20 events (and memory per connection at 10,000, measured before the events)",
    "C": "C — 2,000 events/s for 10 s over 1,000 clients",
    "D": "D — connect storm: 1,000 clients at 500/s",
    "E": "E — resident memory per idle joined connection (1,000)",
    "F": "F — job throughput: 2,000 jobs × 10 progress events, 10 watchers of the user's room (jobcast only)",
}


def get(row, path):
    for key in path:
        row = row.get(key) if isinstance(row, dict) else None
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("raw")
    parser.add_argument("out")
    parser.add_argument("--versions", default="")
    parser.add_argument("--command", default="bench/run.sh")
    args = parser.parse_args()
    rows = [json.loads(line) for line in open(args.raw) if line.strip()]
    by = defaultdict(list)
    for row in rows:
        by[(row.get("scenario"), row.get("target"))].append(row)
    targets = list(dict.fromkeys(row.get("target") for row in rows))
    out = ["# Benchmark results", "",
           f"Produced by `{args.command}` on this machine (2 cores: server pinned to core 0, "
           "load generator to core 1). Each figure is the median of the runs, with min–max. "
           "Ratios are jobcast (SQLite) ÷ peer for throughput, peer ÷ jobcast for times and "
           "memory: above 1 means jobcast is better.", "",
           f"Versions: {args.versions}", ""]
    for scenario in sorted({row.get("scenario") for row in rows}):
        out += [f"## {TITLES.get(scenario, scenario)}", ""]
        metrics = METRICS.get(scenario, [])
        out.append("| server | " + " | ".join(m[0] for m in metrics) + " | events lost / duplicated | runs |")
        out.append("|---" * (len(metrics) + 3) + "|")
        medians = {}
        for target in targets:
            runs = by.get((scenario, target), [])
            if not runs:
                continue
            cells = []
            for label, path, _ in metrics:
                values = [v for v in (get(r, path) for r in runs) if isinstance(v, (int, float))]
                if not values:
                    cells.append("—")
                    continue
                med = statistics.median(values)
                medians[(target, label)] = med
                cells.append(f"{med:,.1f} ({min(values):,.1f}–{max(values):,.1f})")
            lost = sum(max(0, (r.get("events_expected") or 0) - (r.get("events_received") or 0)) for r in runs)
            dups = sum(r.get("duplicates") or 0 for r in runs)
            gaps = sum(r.get("gaps") or 0 for r in runs)
            errors = [r["error"] for r in runs if r.get("error")]
            integrity = f"{lost} / {dups} (gaps {gaps})" + (f"; errors: {'; '.join(errors)[:120]}" if errors else "")
            out.append(f"| {target} | " + " | ".join(cells) + f" | {integrity} | {len(runs)} |")
        out.append("")
        base = "jobcast-sqlite"
        for label, _, higher in metrics:
            ours = medians.get((base, label))
            if ours is None:
                continue
            ratios = []
            for target in targets:
                theirs = medians.get((target, label))
                if target == base or theirs in (None, 0) or ours == 0:
                    continue
                ratio = ours / theirs if higher else theirs / ours
                ratios.append(f"{target} {ratio:.2f}×")
            if ratios:
                out.append(f"- {label}, jobcast-sqlite vs: " + ", ".join(ratios))
        out.append("")
    # The hand-written reading of the figures (targets, profile) follows.
    analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md")
    if os.path.exists(analysis):
        out += ["", open(analysis).read().rstrip()]
    open(args.out, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
