#!/usr/bin/env python3
"""Regenerates BENCHMARKS.md's "Forecasts" tables: `emerge backtest` on every bundled dataset.

usage: python3 benches/backtest_tables.py EMERGE_BINARY [OUT_DIR]

Runs the commands printed above each table in BENCHMARKS.md and prints the Markdown rows
(MAE and widths in points; intervals are the back-test's own 95% sign-flip intervals).
Standard library only.
"""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [
    ("pythia-lm-eval-0.3", ["datasets/pythia-lm-eval-0.3", "--chance", "0.25"]),
    ("obsscaling_base_llm", ["datasets/obsscaling/obsscaling_base_llm.csv"]),
    ("obsscaling_leaderboard_v2", ["datasets/obsscaling/obsscaling_leaderboard_v2.csv"]),
    ("flan_bbh_subtasks_by_size", ["datasets/flan_bbh_subtasks_by_size.csv"]),
    ("mmlu_multifamily_by_size", ["datasets/mmlu_multifamily_by_size.csv"]),
    ("wei2022_cot_arithmetic_reasoning_by_size", ["datasets/wei2022_cot_arithmetic_reasoning_by_size.csv"]),
    ("gpt3_arithmetic", ["datasets/gpt3_arithmetic.csv"]),
    ("mirage_toy_model", ["datasets/mirage_toy_model.csv"]),
    ("seed_example", ["datasets/seed_example.csv"]),
]
CUTOFFS = [
    ("obsscaling_base_llm", "base", ["datasets/obsscaling/obsscaling_base_llm.csv", "--x", "flops"]),
    ("obsscaling_base_llm", "base84", ["datasets/obsscaling/obsscaling_base_llm.csv", "--x", "flops", "--flops-cutoff", "8.4e22"]),
    ("obsscaling_leaderboard_v2", "lb", ["datasets/obsscaling/obsscaling_leaderboard_v2.csv", "--x", "flops"]),
]


def run(binary, out, name, args):
    target = Path(out) / name
    subprocess.run([binary, "backtest", *args, "-q", "--no-charts", "--out", str(target)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return json.loads((target / "backtest.json").read_text())


def num(v, fmt="{:.2f}"):
    return "-" if v is None else fmt.format(v)


def diff(h, baseline):
    for c in h["comparisons"]:
        if c["method"] == "emerge" and c["baseline"] == baseline:
            ci = "n/a" if c["ci"] is None else f"{c['ci'][0]:+.2f}, {c['ci'][1]:+.2f}"
            return f"{c['mae_difference']:+.2f} [{ci}]"
    return "-"


def cells(h):
    m = {x["method"]: x for x in h["methods"]}
    e, lg = m["emerge"], m["logistic"]
    cov = "-" if e["coverage"] is None else f"{100 * e['coverage']:.1f}%"
    return [num(e["mae"]), num(m["persistence"]["mae"]), num(m["linear"]["mae"]),
            f"{num(lg['mae'])} ({lg['predicted']})", diff(h, "persistence"), diff(h, "linear"),
            cov, num(e["median_width"])]


def main():
    binary = str(Path(sys.argv[1]).resolve())
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/bench"
    for name, args in SIZES:
        b = run(binary, out, name, args)
        for h in b["horizons"]:
            if not any(m["method"] == "emerge" for m in h["methods"]):
                continue  # no series long enough at this horizon
            print("| " + " | ".join([name, str(h["horizon"]), str(h["series"]), *cells(h)]) + " |")
    print()
    for name, tag, args in CUTOFFS:
        b = run(binary, out, tag, args)
        h = next(h for h in b["horizons"] if h["horizon"] == "cutoff")
        given = "(default)" if h["chosen_by"].startswith("default") else ""
        cutoff = f"{h['flops_cutoff']:g} {given}".strip()
        print("| " + " | ".join([name, cutoff, f"{h['models_at_or_below']} / {h['models_above']}",
                                 f"{h['predictions']} ({h['series']})", *cells(h)]) + " |")


if __name__ == "__main__":
    main()
