#!/usr/bin/env python3
"""Writes corpus (a) of benches/compare/run.sh: a tidy CSV shaped like a multi-family
evaluation dump, with item counts.

    python3 benches/compare/make_corpus_a.py > corpus_a.csv                 # 40 x 8 x 30 x 20 x 2
    python3 benches/compare/make_corpus_a.py --families 4 > corpus_a4.csv   # the first 4 families

Columns: model, params, family, task, metric, subtask, n, correct (the tidy schema of the
README, "Input"). 40 families x 8 sizes x 30 tasks x 20 subtasks x 2 metrics = 384,000 rows,
2,400 (task, family, metric) groups, 52,800 series for `emerge analyze` (20 subtasks and the
`all` and `mean` compounds per group). Rows come model by model, as one results file per
model would be concatenated, so a group's rows are spread over the file.

Family f has 8 sizes, 10^(7.6 + 0.25 (f mod 6)) upward in steps of 0.45-0.55 decades. Subtask s
of task t follows floor + (ceiling - floor) sigmoid(slope (log10 N - midpoint)) with midpoint,
slope and ceiling drawn per (family, task, metric, subtask) from a seeded generator (random.Random,
so the file is the same on every machine and Python 3 version); one task in three is multiple
choice with floor 0.25. `n` varies by task (150 to 2,000 items); `correct` is the expected count
plus a seeded normal deviate of binomial size (clipped to 2.5 sd, rounded, kept in [0, n]).
The first K families of the full corpus are exactly `--families K`.
"""

import argparse
import math
import random
import sys

SEED = 20230428


def human(n: float) -> str:
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            return f"{n / div:.3g}{suffix}"
    return f"{n:.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--families", type=int, default=40)
    ap.add_argument("--sizes", type=int, default=8)
    ap.add_argument("--tasks", type=int, default=30)
    ap.add_argument("--subtasks", type=int, default=20)
    ap.add_argument("--metrics", type=int, default=2, choices=(1, 2))
    args = ap.parse_args()
    metrics = ["accuracy", "exact_match"][: args.metrics]
    out = sys.stdout
    out.write("model,params,family,task,metric,subtask,n,correct\n")
    for f in range(args.families):
        # One generator per family: the first K families do not depend on how many follow.
        rng = random.Random(SEED * 1000 + f)
        curves = {}
        for t in range(args.tasks):
            floor = 0.25 if t % 3 == 0 else 0.0
            for mi, _ in enumerate(metrics):
                for s in range(args.subtasks):
                    mid = 9.0 + 0.3 * (f % 7) + 2.5 * rng.random() + 0.6 * mi
                    slope = 0.7 + 1.8 * rng.random()
                    ceiling = 0.72 + 0.27 * rng.random() - 0.1 * mi
                    curves[t, mi, s] = (floor if mi == 0 else 0.0, ceiling, slope, mid)
        x0 = 7.6 + 0.25 * (f % 6)
        step = 0.45 + 0.05 * (f % 3)
        family = f"fam{f:02d}"
        for i in range(args.sizes):
            x = x0 + step * i
            params = round(10**x)
            model = f"{family}-{human(params)}"
            lines = []
            for t in range(args.tasks):
                n = 150 + 50 * ((t * 7) % 38)
                for mi, metric in enumerate(metrics):
                    for s in range(args.subtasks):
                        floor, ceiling, slope, mid = curves[t, mi, s]
                        p = floor + (ceiling - floor) / (1.0 + math.exp(-slope * (x - mid)))
                        z = max(-2.5, min(2.5, rng.gauss(0.0, 1.0)))
                        correct = min(n, max(0, round(n * p + z * math.sqrt(n * p * (1 - p)))))
                        lines.append(f"{model},{params},{family},task{t:02d},{metric},s{s:02d},{n},{correct}\n")
            out.write("".join(lines))


if __name__ == "__main__":
    main()
