#!/usr/bin/env python3
"""Writes the corpus of benches/analyze.rs as a CSV, for whole-process timings:

    python3 benches/make_corpus.py 1000 > /tmp/corpus1000.csv

Subtask s of group g follows 0.25 + 0.7 * logistic(slope * (log10 N - mid)) over 8 sizes
(10^8 .. 10^11.5), observed on 1,000 items; mid and slope vary by group and subtask.
"""
import math
import sys

groups = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
out = ["task,model,params,subtask,n,correct"]
for g in range(groups):
    for m in range(8):
        x = 8.0 + 0.5 * m
        for s in range(5):
            mid = 9.0 + ((g * 7 + s * 3) % 10) * 0.25
            slope = 1.0 + ((g + s) % 4) * 0.25
            p = 0.25 + 0.7 / (1.0 + math.exp(-slope * (x - mid)))
            out.append(f"task{g},m{m},{10 ** x},s{s},1000,{round(p * 1000)}")
sys.stdout.write("\n".join(out) + "\n")
