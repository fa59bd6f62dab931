#!/usr/bin/env python3
"""Writes a tidy corpus of the shape of the real open-model evaluations the statistics
issues were measured on (29k tidy rows, ~2,300 series): 47 families of 8 to 17 models,
16 tasks, 3 metrics per task, one task-level score per (model, task, metric) with its
item count. Used for whole-process timings in BENCHMARKS.md:

    python3 benches/make_corpus_shape.py > /tmp/corpus_shape.csv
    /usr/bin/time -f "%e s wall, %M KB max RSS" emerge analyze /tmp/corpus_shape.csv -q --no-charts

Scores follow 0.25 + 0.7 * logistic(slope * (log10 N - mid)) with a family- and
task-dependent midpoint and slope, plus binomial noise on n items (seeded, so the file is
the same on every run). Some families have two models at one size (a base and a chat
model), as real corpora do.
"""
import math
import random
import sys

rng = random.Random(20261204)
FAMILIES, TASKS, METRICS = 47, 16, ("acc", "acc_norm", "exact_match")
out = ["model,params,family,task,subtask,metric,n,correct"]
for f in range(FAMILIES):
    sizes = sorted(10 ** rng.uniform(7.5, 11.5) for _ in range(rng.randint(8, 17)))
    if f % 5 == 0:
        sizes.append(sizes[-2])  # a chat model at the second-largest size
    for i, params in enumerate(sizes):
        model = f"fam{f}-m{i}"
        x = math.log10(params)
        for t in range(TASKS):
            n = (100, 250, 500, 1000)[t % 4]
            for j, metric in enumerate(METRICS):
                mid = 9.0 + ((f * 3 + t * 5 + j) % 9) * 0.3
                slope = 0.8 + ((f + t + j) % 5) * 0.3
                p = 0.25 + 0.7 / (1.0 + math.exp(-slope * (x - mid)))
                correct = sum(rng.random() < p for _ in range(n))
                out.append(f"{model},{round(params)},fam{f},task{t},,{metric},{n},{correct}")
sys.stdout.write("\n".join(out) + "\n")
