#!/usr/bin/env python3
"""Turns the runs recorded by run.sh (a TSV) into the Markdown table it prints.

    python3 summarize.py RUNS.tsv

RUNS.tsv columns: input, tool, run, wall_s, max_rss_kb, user_s, sys_s, load1, series.
Per (input, tool): the median wall and CPU (user + sys) time over its runs, the largest max RSS,
the 1-minute load average before each run (min-max), and the ratio of the Python median to
each emerge configuration's median for the same input. For input (a) it adds the cost per
series and, when the corpus was scaled, the Python time extrapolated to the full corpus from
that measured per-series cost (emerge's full-size row, when present, is measured).
Standard library only.
"""

import csv
import statistics
import sys
from collections import defaultdict

FULL_SERIES_A = 52_800  # 40 families x 30 tasks x 2 metrics x (20 subtasks + 2 compounds)


def main(path: str) -> None:
    runs = defaultdict(list)
    order = []
    with open(path) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            key = (row["input"], row["tool"])
            if key not in runs:
                order.append(key)
            runs[key].append(row)
    stats = {}
    for key, rows in runs.items():
        wall = statistics.median(float(r["wall_s"]) for r in rows)
        cpu = statistics.median(float(r["user_s"]) + float(r["sys_s"]) for r in rows)
        rss = max(int(r["max_rss_kb"]) for r in rows) / 1024
        loads = [float(r["load1"]) for r in rows]
        series = int(rows[0]["series"] or 0)
        stats[key] = (wall, cpu, rss, min(loads), max(loads), len(rows), series)

    print("| input | tool | runs | median wall | median CPU (user+sys) | max RSS | load (1 min) | Python / emerge, wall | Python / emerge, CPU |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in order:
        inp, tool = key
        wall, cpu, rss, lo, hi, n, series = stats[key]
        ratio_w = ratio_c = ""
        if tool.startswith("python"):
            emerges = [(t, stats[(i, t)]) for (i, t) in order if i == inp and t.startswith("emerge")]
            ratio_w = "; ".join(f"{wall / s[0]:.1f}× vs {t}" for t, s in emerges)
            ratio_c = "; ".join(f"{cpu / s[1]:.1f}× vs {t}" for t, s in emerges)
        load = f"{lo:.2f}" if lo == hi else f"{lo:.2f}–{hi:.2f}"
        print(f"| {inp} | {tool} | {n} | {wall:.2f} s | {cpu:.2f} s | {rss:.0f} MB | {load} | {ratio_w} | {ratio_c} |")

    a_rows = [(k, stats[k]) for k in order if k[0].startswith("(a)") and stats[k][6]]
    if a_rows:
        print()
        print("Input (a), cost per series (52,800 series in the full corpus):")
        print()
        print("| input | tool | series | wall per series | CPU per series | full corpus (52,800 series) |")
        print("|---|---|---|---|---|---|")
        for (inp, tool), (wall, cpu, _, _, _, _, series) in a_rows:
            full = "measured" if series == FULL_SERIES_A else f"{wall / series * FULL_SERIES_A:.0f} s extrapolated ({wall / series * FULL_SERIES_A / 3600:.2f} h)"
            print(f"| {inp} | {tool} | {series} | {1000 * wall / series:.2f} ms | {1000 * cpu / series:.2f} ms | {full} |")
        py = [(k, s) for k, s in a_rows if k[1].startswith("python")]
        em_full = [(k, s) for k, s in a_rows if k[1].startswith("emerge") and s[6] == FULL_SERIES_A]
        if py and em_full:
            (pk, ps), (ek, es) = py[0], em_full[0]
            py_full = ps[0] / ps[6] * FULL_SERIES_A
            print()
            print(
                f"Full corpus: Python extrapolated {py_full:.0f} s from its measured {1000 * ps[0] / ps[6]:.2f} ms per series "
                f"({pk[0]}), emerge measured {es[0]:.0f} s: {py_full / es[0]:.1f}× wall "
                f"(CPU: {ps[1] / ps[6] * FULL_SERIES_A / es[1]:.1f}×)."
            )


if __name__ == "__main__":
    main(sys.argv[1])
