#!/usr/bin/env python3
"""Independent reference (test oracle) for the two baseline forecasts of `emerge backtest`:
persistence and a straight line in log10(params) (or log10(FLOPs) with --x flops), scored against
the largest model of each series with one or two sizes held out, and with --x flops against every
model above a FLOPs cutoff.

Python 3 standard library only (csv, math, statistics, decimal); NOT derived from the Rust code.
Deterministic. Run (from the repository root):
    python3 tests/reference/backtest_reference.py --out tests/reference \\
        datasets/obsscaling/obsscaling_base_llm.csv ... > tests/reference/backtest_reference.txt
    python3 tests/reference/backtest_reference.py --out tests/reference --x flops --tag flops \
        datasets/obsscaling/obsscaling_base_llm.csv ... >> tests/reference/backtest_reference.txt
    python3 tests/reference/backtest_reference.py --out tests/reference --x flops \
        --flops-cutoff 8.4e22 --tag flops_8.4e22 datasets/obsscaling/obsscaling_base_llm.csv \
        >> tests/reference/backtest_reference.txt
With --out DIR, each INPUT's forecasts go to DIR/backtest_reference_<INPUT stem>[_<TAG>].csv and
the summaries to standard output. Without --out (one INPUT), the forecasts CSV goes to standard
output and the summary to standard error.

Protocol
  Input: a tidy CSV (columns model, params, score; optional task, family, metric, shots, subtask,
    n, correct; header names case-insensitive). Defaults as emerge's: task = the file name without
    extension, family `all`, metric `accuracy`, shots empty. A row without a score takes
    correct / n. params: a number (`175000000000`, `1e9`) or one with a suffix k/M/B/T.
    Scores are fractions (no --percent); `higher_is_better` and `chance` are not read: neither
    baseline depends on them, and no input here has them.
  Series: rows grouped by (task, family, metric, shots, subtask); an empty subtask is the series
    `task-level`. x = log10(params), or with --x flops log10(flops) (the `flops` column; a
    size below is then a FLOPs value).
  Checks, in this order; the first that applies names the reason:
    0. (--x flops) a row of the series without flops: excluded, `a model has no value on the x axis`.
    1. two or more rows at the series' largest size: excluded, `two models at the largest size`.
       (Rows sharing a smaller size are merged into one point, the mean of their scores.)
    2. fewer than 4 distinct sizes: excluded, `too short`.
    3. every size's (merged) score equal: excluded, `constant`.
  Sizes S = sorted distinct params. Horizon h in {1, 2}: the target is S[-1] (the largest), the
    training sizes are S[:-h]; a horizon is evaluated only if training has >= 3 sizes (horizon 2
    needs >= 5 sizes).
  persistence: the score at training's largest size, S[-h-1].
  linear: ordinary least squares of score on x over the training points (one per size, equal
    weights), evaluated at the target's x, then clipped to [0, 1]. Computed in centred form:
    b = sum((x - xbar)(y - ybar)) / sum((x - xbar)^2), prediction = ybar + b (x_target - xbar).
  error = predicted - observed (observed: the score at S[-1]).
  Cutoff horizon (--x flops only), after horizons 1 and 2: the cutoff C is --flops-cutoff, else
    from the distinct models (by name) of the whole file that have flops: sorted ascending
    f_1 <= ... <= f_M, ceil(M / 3) of them set aside from the top, C = f_(M - ceil(M / 3)).
    A series excluded by check 0 is, for this horizon only, the series without its rows that
    have no flops (Ruan et al. drop such models), and checks 1-3 are applied to it; one that
    fails is listed as not back-tested beyond the cutoff with that reason. Of the series that
    pass, the sizes with flops <= C are training, those above are the targets; checks, in
    this order: no size above C: `no model above the cutoff`; fewer than
    3 sizes <= C: `fewer than 3 sizes at or below the cutoff`. Otherwise each size above C, in
    increasing order, is one target, predicted by persistence (the score at the largest training
    size) and linear (as above, over all training sizes, at the target's x). horizon = `cutoff`.
Output
  CSV, one row per (series, horizon, target, method), columns
    task,family,metric,shots,series,horizon,method,predicted,observed,error,target_model
  in input order of series (first row of each), then horizon, then target, then method
  (persistence, linear); floats written by repr(); target_model the model(s) at the target
  size, in input order, joined by " + ".
  Summary per method x horizon: count, MAE and median absolute error, both x 100 ("points",
  repr()); then the excluded series with reasons (and, with --x flops, the cutoff and the series
  not back-tested beyond it).
"""
import argparse
import csv
import io
import math
import os
import statistics
import sys
from decimal import Decimal

HEADER = ["task", "family", "metric", "shots", "series", "horizon", "method", "predicted", "observed", "error",
          "target_model"]
METHODS = ["persistence", "linear"]
HORIZONS = [1, 2]
SUFFIX = {"k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}


def parse_params(text):
    """Parameter count as an exact Decimal: `7B`, `1.3b`, `350M`, `2k`, `1T`, `1e9`, `175000000000`."""
    t = text.strip()
    scale = 1
    if t and t[-1].lower() in SUFFIX:
        scale, t = SUFFIX[t[-1].lower()], t[:-1]
    value = Decimal(t) * scale
    if not value > 0:
        raise ValueError(f"params {text!r} is not positive")
    return value


def read_rows(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = [h.strip().lower() for h in next(reader)]
        rows = []
        for line, cells in enumerate(reader, start=2):
            r = dict(zip(header, cells))
            score = r.get("score", "")
            if score == "":
                score = str(Decimal(r["correct"]) / Decimal(r["n"]))
            rows.append({
                "line": line,
                "task": r.get("task", "") or stem,
                "family": r.get("family", "") or "all",
                "metric": r.get("metric", "") or "accuracy",
                "shots": r.get("shots", ""),
                "series": r.get("subtask", "") or "task-level",
                "model": r["model"],
                "params": parse_params(r["params"]),
                "flops": Decimal(r["flops"]) if r.get("flops", "") != "" else None,
                "score": float(score),
            })
    return rows


def group(rows):
    """Series key -> rows, in the order each series first appears."""
    series = {}
    for r in rows:
        series.setdefault((r["task"], r["family"], r["metric"], r["shots"], r["series"]), []).append(r)
    return series


def points(rows, axis):
    """Sorted sizes with their merged scores: [(size, x, score, count, models)]."""
    by_size = {}
    for r in rows:
        by_size.setdefault(r[axis], []).append(r)
    out = []
    for p in sorted(by_size):
        members = by_size[p]
        scores = [m["score"] for m in members]
        models = " + ".join(m["model"] for m in members)
        out.append((p, math.log10(float(p)), math.fsum(scores) / len(scores), len(scores), models))
    return out


def default_cutoff(rows):
    """FLOPs of the largest model left when the top ceil(M / 3) of the M models with FLOPs go."""
    flops = sorted({r["model"]: r["flops"] for r in rows if r["flops"] is not None}.values())
    above = -(-len(flops) // 3)
    kept = len(flops) - above
    return flops[kept - 1] if kept >= 1 else None


def exclusion(pts):
    if pts[-1][3] > 1:
        return "two models at the largest size"
    if len(pts) < 4:
        return "too short"
    if all(p[2] == pts[0][2] for p in pts):
        return "constant"
    return None


def linear(train, x_target):
    xs = [p[1] for p in train]
    ys = [p[2] for p in train]
    xbar = math.fsum(xs) / len(xs)
    ybar = math.fsum(ys) / len(ys)
    sxy = math.fsum((x - xbar) * (y - ybar) for x, y in zip(xs, ys))
    sxx = math.fsum((x - xbar) ** 2 for x in xs)
    pred = ybar + (sxy / sxx) * (x_target - xbar)
    return min(1.0, max(0.0, pred))


def backtest(rows, axis, cutoff):
    """Forecasts, excluded series and series not back-tested beyond the cutoff."""
    forecasts, excluded, beyond = [], [], []
    for key, members in group(rows).items():
        sizes_too = True
        if any(r[axis] is None for r in members):
            excluded.append((key, len({r["model"] for r in members}), "a model has no value on the x axis"))
            if cutoff is None:
                continue
            # Beyond the cutoff, a model without FLOPs is left out of its series (Ruan et al. drop it).
            members = [r for r in members if r[axis] is not None]
            sizes_too = False
        pts = points(members, axis)
        reason = exclusion(pts) if pts else "too short"
        if reason:
            if sizes_too:
                excluded.append((key, len(pts), reason))
            else:
                beyond.append((key, reason))
            continue

        def add(h, train, target):
            predicted = {"persistence": train[-1][2], "linear": linear(train, target[1])}
            for m in METHODS:
                forecasts.append(dict(zip(HEADER, [*key, h, m, predicted[m], target[2], predicted[m] - target[2],
                                                   target[4]])))

        for h in HORIZONS if sizes_too else []:
            train = pts[:-h]
            if len(train) >= 3:
                add(h, train, pts[-1])
        if cutoff is None:
            continue
        train = [p for p in pts if p[0] <= cutoff]
        targets = [p for p in pts if p[0] > cutoff]
        if not targets:
            beyond.append((key, "no model above the cutoff"))
        elif len(train) < 3:
            beyond.append((key, "fewer than 3 sizes at or below the cutoff"))
        else:
            for target in targets:
                add("cutoff", train, target)
    return forecasts, excluded, beyond


def write_csv(forecasts, f):
    w = csv.writer(f, lineterminator="\n")
    w.writerow(HEADER)
    for r in forecasts:
        w.writerow([r["task"], r["family"], r["metric"], r["shots"], r["series"], r["horizon"], r["method"],
                    repr(r["predicted"]), repr(r["observed"]), repr(r["error"]), r["target_model"]])


def summary(path, rows, forecasts, excluded, beyond, cutoff, horizons, out):
    n_series = len(group(rows))
    evaluated = len({tuple(r[k] for k in HEADER[:5]) for r in forecasts})
    reasons = {}
    for _, _, reason in excluded:
        reasons[reason] = reasons.get(reason, 0) + 1
    print(f"== {path}" + ("" if cutoff is None else f" (x: log10 flops, cutoff {cutoff!s} FLOPs)"), file=out)
    print(f"rows {len(rows)}, series {n_series}, evaluated {evaluated}, excluded {len(excluded)}"
          + "".join(f"; {reason}: {k}" for reason, k in sorted(reasons.items())), file=out)
    print("method       horizon  count  mae_points  median_abs_error_points", file=out)
    for m in METHODS:
        for h in horizons:
            errs = [abs(r["error"]) for r in forecasts if r["method"] == m and r["horizon"] == h]
            if errs:
                mae = repr(100 * math.fsum(errs) / len(errs))
                med = repr(100 * statistics.median(errs))
            else:
                mae = med = "-"
            print(f"{m:<12} {h:<8} {len(errs):<6} {mae}  {med}", file=out)
    print("excluded series (task | family | metric | shots | series: sizes, reason):", file=out)
    for (task, family, metric, shots, series), sizes, reason in excluded:
        print(f"  {task} | {family} | {metric} | {shots} | {series}: {sizes} sizes, {reason}", file=out)
    if cutoff is not None:
        print("not back-tested beyond the cutoff (task | family | metric | shots | series: reason):", file=out)
        for (task, family, metric, shots, series), reason in beyond:
            print(f"  {task} | {family} | {metric} | {shots} | {series}: {reason}", file=out)
    print(file=out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="write DIR/backtest_reference_<stem>.csv per input; summaries to stdout")
    ap.add_argument("--x", choices=["params", "flops"], default="params", help="the size axis")
    ap.add_argument("--flops-cutoff", type=Decimal, help="with --x flops; default: a third of the models above")
    ap.add_argument("--tag", help="appended to the output file's stem: <stem>_<TAG>.csv")
    ap.add_argument("inputs", nargs="+")
    args = ap.parse_args()
    if args.out is None and len(args.inputs) != 1:
        ap.error("give --out DIR for more than one input")
    if args.flops_cutoff is not None and args.x != "flops":
        ap.error("--flops-cutoff needs --x flops")
    for path in args.inputs:
        rows = read_rows(path)
        cutoff = None
        if args.x == "flops":
            cutoff = args.flops_cutoff if args.flops_cutoff is not None else default_cutoff(rows)
        forecasts, excluded, beyond = backtest(rows, args.x, cutoff)
        horizons = HORIZONS + ([] if cutoff is None else ["cutoff"])
        if args.out is None:
            write_csv(forecasts, sys.stdout)
            summary(path, rows, forecasts, excluded, beyond, cutoff, horizons, sys.stderr)
        else:
            stem = os.path.splitext(os.path.basename(path))[0] + (f"_{args.tag}" if args.tag else "")
            buf = io.StringIO()
            write_csv(forecasts, buf)
            with open(os.path.join(args.out, f"backtest_reference_{stem}.csv"), "w", encoding="utf-8",
                      newline="") as f:
                f.write(buf.getvalue())
            summary(path, rows, forecasts, excluded, beyond, cutoff, horizons, sys.stdout)


if __name__ == "__main__":
    main()
