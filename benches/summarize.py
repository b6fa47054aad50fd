#!/usr/bin/env python3
"""Medians of bench result lines (the peers' one-line format), per configuration.

usage: benches/summarize.py results/FILE.txt [...]   (or lines on stdin)

A configuration is every key of a line but the measurements (secs, min_secs, max_secs,
per_sec) and the run tags a compare script adds (rep, bg_busy). For each one it prints the
number of runs and the median, minimum and maximum of per_sec, in the order first seen.
"""
import statistics
import sys

NOT_CONFIG = {"secs", "min_secs", "max_secs", "per_sec", "rep", "bg_busy"}


def main():
    lines = []
    if len(sys.argv) > 1:
        for p in sys.argv[1:]:
            with open(p) as f:
                lines += f.readlines()
    else:
        lines = sys.stdin.readlines()
    groups, order = {}, []
    for line in lines:
        line = line.strip()
        if not line.startswith("bench="):
            continue
        kv = dict(tok.split("=", 1) for tok in line.split() if "=" in tok)
        if "per_sec" not in kv:
            continue
        cfg = " ".join(f"{k}={v}" for k, v in kv.items() if k not in NOT_CONFIG)
        if cfg not in groups:
            groups[cfg] = []
            order.append(cfg)
        groups[cfg].append(float(kv["per_sec"]))
    print("| configuration | runs | per_sec median | min | max |")
    print("|---|---|---|---|---|")
    for cfg in order:
        xs = groups[cfg]
        print(f"| {cfg} | {len(xs)} | {statistics.median(xs):.3e} | {min(xs):.3e} | {max(xs):.3e} |")


if __name__ == "__main__":
    main()
