#!/usr/bin/env python3
"""`emerge analyze FILE` in pandas + numpy + scipy, for the whole-process comparison.

    python emerge_py.py scores.csv --out py-out/            # like `emerge analyze scores.csv --no-charts`
    python emerge_py.py datasets/seed_example.csv --n 1000  # like `emerge analyze ... --n 1000`

Reads a tidy CSV/TSV (model, params, subtask, score and/or n + correct; optional task, family,
metric, shots; header names case-insensitive), and computes what `emerge analyze` computes with
its defaults (README, "Statistics"): compounds `all` and `mean`, confidence 0.95, Wilson
intervals, bootstrap 2000, thresholds 0.05 and 0.5, verdict operator `all`, no `--chance`
(logistic floor 0), x = log10(params). It writes `summary.json` (same field names as emerge's,
so `check_equivalence.py` can compare them key by key) and `series.csv` (same columns) into
`--out`.

How it is written: as a researcher would turn a notebook into a script. pandas reads, validates
and composes (groupby/merge/unstack, compounds by a groupby over (group, model)); then one
numpy/scipy function analyses one (task, family, metric, shots) group at a time: vectorised
Wilson intervals, the parametric bootstrap drawn for all replicates at once with
`rng.binomial(n, p, size=(B, rows, models))`, emergence scores of all replicates at once,
`scipy.optimize.curve_fit` for every fit, the composed model's delta-method band and its
forecast crossings evaluated on whole grids of x, and the verdict's bootstrap again drawn in
one call; Benjamini-Hochberg in numpy at the end.

Same work as emerge, where the README leaves room (read from src/analyze/, read-only):
- fits: the same deterministic starts (logistic: 2 ceilings x 4 midpoints x 2 slope signs;
  broken power law: 3 breaks x 2 exponents x 2 sharpnesses with limit and scale regressed),
  the same multi-start rule (stop after >= 3 starts once 2 converged starts agree on the RSS
  to 1e-7), the same tolerances (ftol = xtol = gtol = 1e-12) and budget (maxfev = 100 (k + 1)),
  hold-outs warm-started from the full fit like emerge's; the broken power law only from 7
  sizes, its hold-out only from 9;
- curve_fit runs MINPACK's Levenberg-Marquardt (`method="lm"`) with analytic Jacobians on the
  same unconstrained parameters emerge uses (ceiling = floor + (1 - floor) sigmoid(u); log scale
  and log sharpness of the broken power law). `bounds=` would switch curve_fit to its
  pure-Python "trf" solver, measured 5x slower per logistic fit here, so this choice favours
  Python. Standard errors are s^2 (J'J)^-1 from the Jacobian in the natural parameters, via the
  SVD with scipy's cut-off, exactly what curve_fit does (emerge does the same);
- forecasts: the same 0.05-decade grid over 20 decades, then 60 bisection steps, vectorised
  over the curve, its two band edges and both thresholds at once;
- verdict: B = max(2000, 200) replicates, each perturbing every predicted subtask rate on the
  logit scale by its delta-method standard error, drawing the count, composing.

Simplifications, and why they do not make the comparison unfair to Python:
1. No charts. Runs on the large inputs use `emerge analyze ... --no-charts` too; the seed
   example is also timed with emerge drawing its charts (which only adds to emerge's time).
2. No `series.parquet` (it would need pyarrow, outside pandas + numpy + scipy); emerge writes
   it anyway, so emerge does more I/O.
3. `summary.json` is written compact with json's C encoder (`json.dump` without `indent`); emerge
   pretty-prints (more bytes to format and write). `--indent 2` gives emerge's layout (slower).
4. Only tidy CSV/TSV input, only the default options above (plus --n, --bootstrap, --seed,
   --confidence); no located error messages: bad input gets one vectorised check per rule and a
   short message (emerge locates every bad cell by line and column). Less work for Python.
5. Random numbers come from numpy's PCG64 (one stream per group, seeded from --seed and the
   group's index), not emerge's ChaCha8 streams, so bootstrap intervals, verdict statistics and
   p-values agree with emerge's within Monte Carlo error, not bit for bit.
6. A curve_fit start that ends without converging raises RuntimeError and is dropped; emerge
   keeps the best non-converged start and reports it with "converged": false. Both report no
   usable fit for the composed model in that case; it only changes what the JSON says about
   series where no start converges.
7. Python runs in one process (`--jobs 1`, the notebook default) unless `--jobs N` is given;
   emerge uses every core. run.sh reports CPU time (user + sys) beside wall time so the
   per-core ratio is visible too.
8. Progress bars, the terminal summary and the warnings list are left out (emerge prints
   nothing with -q either, and builds its warnings in passing).
9. The composed model's delta method perturbs one subtask rate at a time with emerge's finite
   differences, but gets each perturbed product from prefix and suffix sums of log rates (O(k)
   per x) where emerge recomposes all k rates for each subtask (O(k^2)): less work for Python.

Equivalence: check_equivalence.py compares the outputs of both tools number by number (its
docstring has the rules); benches/compare/run.sh runs it on the outputs of the timed runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import OptimizeWarning, curve_fit
from scipy.special import expit

DEFAULT_SEED = 20230428
THRESHOLDS = (0.05, 0.5)
COMPOSE = ("all", "mean")
FORECAST_DECADES = 20.0
MIN_SIZES_FOR_FIT, MIN_SIZES_FOR_BPL, MIN_SIZES_FOR_BPL_HOLDOUT = 4, 7, 9
MIN_REPLICATES = 200
EDGE = 1e-12
LN10 = math.log(10.0)
GROUP = ["task", "family", "metric", "shots"]
NO_COUNTS = "no item counts: add n (and correct) columns or give --n"

warnings.simplefilter("ignore", OptimizeWarning)


# --------------------------------------------------------------------------------------
# Reading and composing (pandas)
# --------------------------------------------------------------------------------------

SUFFIX = {"k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "b": 1e9, "B": 1e9, "t": 1e12, "T": 1e12}


def parse_params(text: str) -> float:
    t = text.strip()
    try:
        v = float(t)
    except ValueError:
        if len(t) < 2 or t[-1] not in SUFFIX:
            return math.nan
        try:
            v = float(t[:-1]) * SUFFIX[t[-1]]
        except ValueError:
            return math.nan
    if not math.isfinite(v) or v <= 0:
        return math.nan
    return float(round(v)) if v >= 1 else v


def fail(message: str):
    print(f"emerge_py: {message}", file=sys.stderr)
    sys.exit(1)


def read_tidy(path: str, n_common: int | None) -> pd.DataFrame:
    """One row per observation with columns task, family, metric, shots, model, params,
    subtask ('' = task-level), value, n, correct."""
    sep = "\t" if path.endswith(".tsv") else ","
    raw = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    raw.columns = [c.strip().lower() for c in raw.columns]
    for required in ("model", "params", "subtask"):
        if required not in raw.columns:
            fail(f"{path}: no {required!r} column")
    default_task = os.path.splitext(os.path.basename(path))[0]
    df = pd.DataFrame(
        {
            "task": raw["task"].str.strip().replace("", default_task) if "task" in raw else default_task,
            "family": raw["family"].str.strip().replace("", "all") if "family" in raw else "all",
            "metric": raw["metric"].str.strip().replace("", "accuracy") if "metric" in raw else "accuracy",
            "shots": raw["shots"].str.strip() if "shots" in raw else "",
            "model": raw["model"].str.strip(),
            "subtask": raw["subtask"].str.strip(),
        }
    )
    params_text = raw["params"]
    parsed = {u: parse_params(u) for u in params_text.unique()}
    df["params"] = params_text.map(parsed).astype(float)
    num = lambda c: pd.to_numeric(raw[c].str.strip().replace("", None), errors="coerce") if c in raw else pd.Series(np.nan, index=raw.index)  # noqa: E731
    n, correct, score = num("n"), num("correct"), num("score")

    problems = []
    if (df["model"] == "").any():
        problems.append("empty model names")
    if df["params"].isna().any():
        problems.append(f"unparseable params: {params_text[df['params'].isna()].unique()[:5].tolist()}")
    for name, col in (("n", n), ("correct", correct)):
        bad = col.notna() & ((col < 0) | (col % 1 != 0))
        if bad.any():
            problems.append(f"{name} must be whole non-negative counts")
    if (n == 0).any():
        problems.append("n = 0")
    if (correct > n).any():
        problems.append("correct > n")
    if ((score < 0) | (score > 1)).any():
        problems.append("scores outside [0, 1]")
    from_counts = correct / n
    if ((score - from_counts).abs() > 0.01).any():
        problems.append("score disagrees with correct/n")
    value = from_counts.where(from_counts.notna(), score)
    if value.isna().any():
        problems.append(f"{int(value.isna().sum())} rows without a score or counts")
    if problems:
        fail(f"{path}: " + "; ".join(problems))
    df["value"] = value
    df["n"] = n if n_common is None else n.fillna(n_common)
    df["correct"] = correct
    dup = df.duplicated(GROUP + ["model", "subtask"])
    if dup.any():
        fail(f"{path}: {int(dup.sum())} duplicate (task, family, metric, shots, model, subtask) rows")
    sizes = df.groupby("model")["params"].nunique()
    if (sizes > 1).any():
        fail(f"{path}: models with two parameter counts: {sizes[sizes > 1].index[:5].tolist()}")
    return df


def build_groups(df: pd.DataFrame) -> list[dict]:
    """Lays every (task, family, metric, shots) group out as a subtask x model grid, with the
    compounds computed by one groupby over (group, model)."""
    df = df.copy()
    df["gid"] = df.groupby(GROUP, sort=False).ngroup()
    models = (
        df.drop_duplicates(["gid", "model"])[["gid", "model", "params"]]
        .sort_values(["gid", "params", "model"], kind="stable")
        .reset_index(drop=True)
    )
    models["mi"] = models.groupby("gid").cumcount()
    df = df.merge(models[["gid", "model", "mi"]], on=["gid", "model"], how="left")
    sub = df[df["subtask"] != ""]
    task = df[df["subtask"] == ""]
    subtasks = sub.drop_duplicates(["gid", "subtask"])[["gid", "subtask"]].reset_index(drop=True)
    subtasks["si"] = subtasks.groupby("gid").cumcount()
    sub = sub.merge(subtasks, on=["gid", "subtask"], how="left")

    # Compounds per (group, model): every subtask present -> all = exp(sum log p), mean.
    k_of = subtasks.groupby("gid").size()
    with np.errstate(divide="ignore"):
        sub = sub.assign(logv=np.log(sub["value"]))
    comp = sub.groupby(["gid", "mi"]).agg(
        k=("value", "size"), logsum=("logv", "sum"), mean=("value", "mean"), nmin=("n", "min"), ncount=("n", "count")
    )
    complete = comp["k"].to_numpy() == k_of.reindex(comp.index.get_level_values("gid")).to_numpy()
    comp["all"] = np.where(complete, np.exp(comp["logsum"]), np.nan)
    comp["mean"] = np.where(complete, comp["mean"], np.nan)
    comp["n"] = np.where(comp["ncount"] == comp["k"], comp["nmin"], np.nan)

    # Grids: one unstack per quantity, rows (gid, si), columns mi (0 .. largest group - 1).
    n_groups = int(df["gid"].max()) + 1 if len(df) else 0
    width = int(models["mi"].max()) + 1 if len(models) else 0
    cols = range(width)
    by_cell = sub.set_index(["gid", "si", "mi"])
    grids = {q: by_cell[q].unstack("mi").reindex(columns=cols) for q in ("value", "n", "correct")}
    grid_gid = grids["value"].index.get_level_values("gid").to_numpy()
    g_start = np.searchsorted(grid_gid, np.arange(n_groups))
    grid_arr = {q: grids[q].to_numpy(dtype=float) for q in grids}
    comp_wide = {q: comp[q].unstack("mi").reindex(columns=cols) for q in ("all", "mean", "n")}
    comp_row = {g: i for i, g in enumerate(comp_wide["all"].index)}
    comp_arr = {q: comp_wide[q].to_numpy(dtype=float) for q in comp_wide}
    if len(task):
        by_model = task.set_index(["gid", "mi"])
        task_wide = {q: by_model[q].unstack("mi").reindex(columns=cols) for q in ("value", "n", "correct")}
        task_row = {g: i for i, g in enumerate(task_wide["value"].index)}
        task_arr = {q: task_wide[q].to_numpy(dtype=float) for q in task_wide}
    else:
        task_row = {}

    keys = df.drop_duplicates("gid").sort_values("gid")[["gid"] + GROUP].itertuples(index=False)
    model_lists = {g: m for g, m in models.groupby("gid")}
    subtask_names = subtasks.groupby("gid")["subtask"].agg(list)
    out = []
    for gid, task_, family, metric, shots in keys:
        ms = model_lists[gid]
        M = len(ms)
        entry = {
            "gi": int(gid),
            "key": (task_, family, metric, shots or None),
            "models": ms["model"].tolist(),
            "params": ms["params"].to_numpy(dtype=float),
            "subtasks": subtask_names.get(gid, []),
        }
        S = len(entry["subtasks"])
        if S:
            rows = slice(g_start[gid], g_start[gid] + S)
            entry["V"], entry["N"], entry["C"] = (grid_arr[q][rows, :M] for q in ("value", "n", "correct"))
            c = comp_row[gid]
            entry["compounds"] = {op: comp_arr[op][c, :M] for op in COMPOSE}
            entry["compound_n"] = comp_arr["n"][c, :M]
        else:
            entry["V"] = entry["N"] = entry["C"] = np.empty((0, M))
            entry["compounds"], entry["compound_n"] = {}, np.full(M, np.nan)
        if gid in task_row:
            entry["task_level"] = {q: task_arr[q][task_row[gid], :M] for q in ("value", "n", "correct")}
        else:
            entry["task_level"] = None
        out.append(entry)
    return out


# --------------------------------------------------------------------------------------
# Small statistics (numpy / scipy.stats)
# --------------------------------------------------------------------------------------


def wilson(x, n, level):
    """Wilson interval of x correct out of n (arrays), as statsmodels/emerge write it."""
    z = -stats.norm.ppf((1 - level) / 2)
    q = x / n
    z2 = z * z
    denom = 1 + z2 / n
    center = (q + z2 / (2 * n)) / denom
    dist = z * np.sqrt(q * (1 - q) / n + z2 / (4 * n * n)) / denom
    low = np.where(x == 0, 0.0, np.minimum(np.clip(center - dist, 0, 1), q))
    high = np.where(x == n, 1.0, np.maximum(np.clip(center + dist, 0, 1), q))
    return low, high


def detection_floor(n):
    return -np.expm1(-math.log(2) / n)


@lru_cache(maxsize=None)
def t_quantile(df: int, level: float):
    if df <= 0 or not 0 < level < 1:
        return None
    return float(stats.t.ppf(0.5 + level / 2, df))


def emergence_scores(Y):
    """Emergence score along the last axis of Y (finite values); NaN where undefined.
    Also returns the reason code: 0 ok, 1 flat, 2 zero median step."""
    imax, imin = Y.argmax(-1), Y.argmin(-1)
    span = Y.max(-1) - Y.min(-1)
    med = np.median(np.diff(Y, axis=-1) ** 2, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(imax > imin, 1.0, -1.0) * span / np.sqrt(med)
    why = np.where(span == 0, 1, np.where(med == 0, 2, 0))
    return np.where(why == 0, score, np.nan), why


def score_note(why, sizes):
    if sizes < 2:
        return f"needs at least 2 model sizes, has {sizes}"
    return {
        1: "flat series: every value is the same",
        2: "the median squared step between sizes is 0 (most steps are flat), so the score is unbounded",
    }[why]


def all_of(P, axis):
    """Product of rates along axis in log space (0 stays 0)."""
    with np.errstate(divide="ignore"):
        return np.exp(np.log(P).sum(axis=axis))


def logit_c(v):
    p = np.clip(v, EDGE, 1 - EDGE)
    return np.log(p / (1 - p))


def logit_d(v):
    p = np.clip(v, EDGE, 1 - EDGE)
    return 1 / (p * (1 - p))


def benjamini_hochberg(p):
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if ok.size == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    adj = np.minimum.accumulate((p[order] / (np.arange(1, m + 1) / m))[::-1])[::-1]
    out[order] = np.minimum(adj, 1.0)
    return out


# --------------------------------------------------------------------------------------
# Curve fits (scipy.optimize.curve_fit)
# --------------------------------------------------------------------------------------

NAMES = {
    "linear": ["intercept", "slope"],
    "logistic": ["midpoint", "slope", "ceiling"],
    "broken-power-law": ["limit", "scale", "exponent_before", "exponent_change", "break_log10_params", "sharpness"],
}
TOL = 1e-12


def softplus10(w):
    return np.maximum(w, 0) + np.log1p(np.exp(-LN10 * np.abs(w))) / LN10


class Shape:
    """A curve family with fixed facts: floor (logistic), sign and x_ref (broken power law)."""

    def __init__(self, kind, floor=0.0, sign=-1.0, x_ref=0.0):
        self.kind, self.floor, self.sign, self.x_ref = kind, floor, sign, x_ref
        self.k = len(NAMES[kind])

    def bpl_terms(self, th, x):
        c0, c1, delta, f = th[2], th[3], th[4], th[5]
        z = x - self.x_ref
        w = (x - delta) / f
        l10 = softplus10(w)
        return np.exp(LN10 * (-c0 * z - c1 * f * l10)), z, w, l10

    def value(self, th, x):
        if self.kind == "linear":
            return th[0] + th[1] * x
        if self.kind == "logistic":
            return self.floor + (th[2] - self.floor) * expit(th[1] * (x - th[0]))
        return th[0] + self.sign * th[1] * self.bpl_terms(th, x)[0]

    def gradient(self, th, x):
        """d value / d natural parameters, shape (len(x), k)."""
        x = np.asarray(x, dtype=float)
        if self.kind == "linear":
            return np.column_stack([np.ones_like(x), x])
        if self.kind == "logistic":
            m, s, c = th
            t = s * (x - m)
            p = expit(t)
            dp = p * expit(-t)
            return np.column_stack([-(c - self.floor) * dp * s, (c - self.floor) * dp * (x - m), p])
        b, c1, f = th[1], th[3], th[5]
        t, z, w, l10 = self.bpl_terms(th, x)
        sbt = self.sign * b * t
        dl = expit(LN10 * w)
        return np.column_stack(
            [np.ones_like(x), self.sign * t, -sbt * LN10 * z, -sbt * LN10 * f * l10, sbt * LN10 * c1 * dl, sbt * LN10 * c1 * (w * dl - l10)]
        )

    def to_natural(self, phi):
        th = np.array(phi, dtype=float)
        if self.kind == "logistic":
            th[2] = self.floor + (1 - self.floor) * expit(phi[2])
        elif self.kind == "broken-power-law":
            th[1], th[5] = np.exp(phi[1]), np.exp(phi[5])
        return th

    def chain(self, phi):
        d = np.ones(self.k)
        if self.kind == "logistic":
            d[2] = (1 - self.floor) * expit(phi[2]) * expit(-phi[2])
        elif self.kind == "broken-power-law":
            d[1], d[5] = np.exp(phi[1]), np.exp(phi[5])
        return d

    def to_internal(self, th):
        phi = np.array(th, dtype=float)
        if self.kind == "logistic":
            p = (th[2] - self.floor) / (1 - self.floor)
            if not 0 < p < 1:
                return None
            phi[2] = math.log(p / (1 - p))
        elif self.kind == "broken-power-law":
            if not (th[1] > 0 and th[5] > 0):
                return None
            phi[1], phi[5] = math.log(th[1]), math.log(th[5])
        return phi if np.all(np.isfinite(phi)) else None

    def starts(self, x, y):
        x_lo, x_hi = x.min(), x.max()
        x_range = max(x_hi - x_lo, np.finfo(float).eps)
        y_lo, y_hi, y_mean = y.min(), y.max(), y.mean()
        if self.kind == "linear":
            return [[y_mean, 0.0]]
        if self.kind == "logistic":
            fl = self.floor
            far = y_hi if abs(y_hi - fl) >= abs(y_lo - fl) else y_lo
            ceilings = [far, fl + 1.2 * (far - fl)]
            if abs(far - fl) <= np.finfo(float).eps * (1 + abs(fl)):
                ceilings = [fl + 0.5, fl + 1.0]
            top, bottom = fl + 0.999 * (1 - fl), fl + 0.001 * (1 - fl)
            ceilings = [min(max(c, bottom), top) for c in ceilings]
            ceilings = [c for i, c in enumerate(ceilings) if i == 0 or c != ceilings[i - 1]]
            return [
                [x_lo + q * x_range, sign * 4.0 / x_range, c]
                for c in ceilings
                for q in (0.5, 0.25, 0.75, 1.0)
                for sign in (1.0, -1.0)
            ]
        out = []
        n = len(x)
        for q in (0.5, 0.25, 0.75):
            for c0 in (0.5, 0.05):
                for f in (0.2, 1.0):
                    th = np.array([y_mean, 1.0, c0, 1.0, x_lo + q * x_range, f])
                    t = self.bpl_terms(th, x)[0]
                    t_mean = t.sum() / n
                    with np.errstate(all="ignore"):
                        beta = ((t - t_mean) * (y - y_mean)).sum() / ((t - t_mean) ** 2).sum()
                    if np.isfinite(beta) and self.sign * beta > 0:
                        th[0], th[1] = y_mean - beta * t_mean, self.sign * beta
                    else:
                        th[1] = 1e-3 * max(y_hi - y_lo, 1e-6) / max(t_mean, 1e-12)
                        th[0] = y_mean - self.sign * th[1] * t_mean
                    out.append(th)
        return out


class Curve:
    """A fitted curve with curve_fit-style standard errors."""

    def __init__(self, shape, theta, x, y, rss):
        self.shape, self.theta, self.rss = shape, theta, rss
        self.n, self.k = len(x), shape.k
        self.converged = True
        notes = []
        self.s2 = rss / (self.n - self.k) if self.n > self.k else None
        self.cov = None
        if self.s2 is None:
            notes.append(f"standard errors unavailable: {self.n} points leave no degrees of freedom for {self.k} parameters")
        else:
            J = shape.gradient(theta, x)
            if np.all(np.isfinite(J)):
                _, s, vt = np.linalg.svd(J, full_matrices=False)
                if s.size == self.k and not np.any(s <= np.finfo(float).eps * max(J.shape) * s.max()):
                    self.cov = (vt.T / s**2) @ vt * self.s2
            if self.cov is None:
                notes.append("standard errors unavailable: singular Jacobian")
        self.note = "; ".join(notes) or None
        dof = self.n - self.k - 1
        if dof <= 0:
            self.aicc, self.aicc_note = None, f"AICc needs n - k - 1 > 0, got n = {self.n}, k = {self.k}"
        elif rss <= 0:
            self.aicc, self.aicc_note = None, "AICc undefined: the curve passes exactly through every point (RSS = 0)"
        else:
            k = self.k
            self.aicc, self.aicc_note = self.n * math.log(rss / self.n) + 2 * k + 2 * k * (k + 1) / dof, None

    def predict(self, x):
        return self.shape.value(self.theta, x)

    def mean_se(self, x):
        """Delta-method standard error of the fitted mean at each x (array); None without covariance."""
        if self.cov is None:
            return None
        G = self.shape.gradient(self.theta, np.atleast_1d(x))
        return np.sqrt(np.maximum(np.einsum("xi,ij,xj->x", G, self.cov, G), 0))

    def prediction_interval(self, x, level):
        q = t_quantile(self.n - self.k, level)
        se = self.mean_se(x)
        if q is None or se is None or self.s2 is None:
            return None
        mid = self.predict(x)
        half = q * math.sqrt(self.s2 + se[0] ** 2)
        return (mid - half, mid + half) if math.isfinite(mid) and math.isfinite(half) else None

    def json(self):
        se = np.sqrt(np.maximum(np.diag(self.cov), 0)) if self.cov is not None else [None] * self.k
        return {
            "converged": self.converged,
            "convergence_note": self.note,
            "parameters": [
                {"name": nm, "value": float(v), "se": None if s is None else float(s)}
                for nm, v, s in zip(NAMES[self.shape.kind], self.theta, se)
            ],
            "rss": float(self.rss),
            "n": self.n,
            "k": self.k,
            "aicc": self.aicc,
            "aicc_note": self.aicc_note,
        }


def make_shape(kind, x, floor=0.0, higher_is_better=True):
    return Shape(kind, floor=floor, sign=-1.0 if higher_is_better else 1.0, x_ref=float(np.mean(x)))


def fit(kind, x, y, floor=0.0, warm=None):
    """Multi-start least squares by curve_fit; returns a Curve or raises ValueError(reason)."""
    shape = make_shape(kind, x, floor)
    needed = max(shape.k, 4)
    if len(x) < needed:
        raise ValueError(f"needs at least {needed} points with distinct x, got {len(x)}")
    distinct = len(np.unique(x))
    if distinct < 3:
        raise ValueError(f"needs at least 3 points with distinct x, got {distinct}")
    if warm is not None:
        try:
            return _multistart(shape, x, y, [warm])
        except ValueError:
            pass
    return _multistart(shape, x, y, shape.starts(x, y))


def model_functions(shape, x):
    """The curve and its Jacobian in the parameters curve_fit moves (unconstrained: the
    ceiling through a sigmoid, the power law's scale and sharpness through their logs), written
    with the terms the Jacobian shares with the last curve evaluation kept (MINPACK asks for
    the Jacobian at the point it has just evaluated)."""
    if shape.kind == "linear":

        def f(xx, a, b):
            return a + b * xx

        def jac(xx, a, b):
            J = np.empty((xx.size, 2))
            J[:, 0] = 1.0
            J[:, 1] = xx
            return J

        return f, jac
    if shape.kind == "logistic":
        fl = shape.floor

        def f(xx, m, s, u):
            return fl + (1 - fl) * expit(u) * expit(s * (xx - m))

        def jac(xx, m, s, u):
            cu = expit(u)
            t = s * (xx - m)
            p = expit(t)
            span = (1 - fl) * cu
            dp = span * p * expit(-t)
            J = np.empty((xx.size, 3))
            J[:, 0] = -dp * s
            J[:, 1] = dp * (xx - m)
            J[:, 2] = p * span * (1 - cu)
            return J

        return f, jac
    sign = shape.sign
    z = x - shape.x_ref
    last = {}

    def terms(xx, c0, c1, d, lf):
        key = (c0, c1, d, lf)
        if last.get("key") == key and last.get("x") is xx:
            return last["t"], last["w"], last["l"], last["ff"]
        ff = math.exp(min(lf, 700.0))
        w = (xx - d) / ff
        l10 = np.maximum(w, 0) + np.log1p(np.exp(-LN10 * np.abs(w))) / LN10
        t = np.exp(LN10 * (-c0 * (xx - shape.x_ref) - c1 * ff * l10))
        last.update(key=key, x=xx, t=t, w=w, l=l10, ff=ff)
        return t, w, l10, ff

    def f(xx, a, lb, c0, c1, d, lf):
        t = terms(xx, c0, c1, d, lf)[0]
        return a + sign * math.exp(min(lb, 700.0)) * t

    def jac(xx, a, lb, c0, c1, d, lf):
        t, w, l10, ff = terms(xx, c0, c1, d, lf)
        sbt = sign * math.exp(min(lb, 700.0)) * t
        dl = expit(LN10 * w)
        zz = z if xx is x else xx - shape.x_ref
        J = np.empty((xx.size, 6))
        J[:, 0] = 1.0
        J[:, 1] = sbt
        J[:, 2] = -LN10 * sbt * zz
        J[:, 3] = -LN10 * ff * sbt * l10
        J[:, 4] = LN10 * c1 * sbt * dl
        J[:, 5] = LN10 * c1 * ff * sbt * (w * dl - l10)
        return J

    return f, jac


def _multistart(shape, x, y, starts):
    f, jac = model_functions(shape, x)

    best, agreeing, failures = None, 0, []
    maxfev = 100 * (shape.k + 1)
    for tried, start in enumerate(starts):
        if tried >= 3 and agreeing >= 2:
            break
        phi0 = shape.to_internal(start)
        if phi0 is None:
            continue
        try:
            with np.errstate(all="ignore"):
                popt, _ = curve_fit(f, x, y, p0=phi0, jac=jac, method="lm", ftol=TOL, xtol=TOL, gtol=TOL, maxfev=maxfev)
        except (RuntimeError, ValueError) as e:
            failures.append(str(e).split(":")[0])
            continue
        theta = shape.to_natural(popt)
        with np.errstate(all="ignore"):
            rss = float(((shape.value(theta, x) - y) ** 2).sum())
        if not (math.isfinite(rss) and np.all(np.isfinite(theta))):
            failures.append("non-finite result")
            continue
        if best is None or (rss < best[0] and not abs(rss - best[0]) <= 1e-7 * max(best[0], 1e-300) + 1e-300):
            best, agreeing = (rss, theta), 1
        elif abs(rss - best[0]) <= 1e-7 * max(best[0], 1e-300) + 1e-300:
            agreeing += 1
    if best is None:
        raise ValueError("the fit did not converge from any starting point: " + (", ".join(dict.fromkeys(failures)) or "no usable starting point"))
    return Curve(shape, best[1], x, y, best[0])


def holdout(kind, x, y, level, full):
    """Refit without the largest x (warm-started from `full`), predict it."""
    held = int(np.argmax(x))
    keep = np.arange(len(x)) != held
    curve = fit(kind, x[keep], y[keep], warm=None if full is None else full.theta)
    predicted = float(curve.predict(x[held]))
    interval = curve.prediction_interval(x[held], level)
    observed = float(y[held])
    return holdout_json(x[held], observed, predicted, interval)


def holdout_json(x, observed, predicted, interval):
    return {
        "held_out": scale(x),
        "observed": observed,
        "predicted": predicted,
        "error": observed - predicted,
        "interval": None if interval is None else [float(interval[0]), float(interval[1])],
        "inside": None if interval is None else bool(interval[0] <= observed <= interval[1]),
    }


def scale(x):
    return {"log10": float(x), "value": float(10.0**x)}


# --------------------------------------------------------------------------------------
# The composed model: subtask logistic fits composed with `all`
# --------------------------------------------------------------------------------------


class Composed:
    def __init__(self, fits, variances):
        self.fits = fits
        self.m = np.array([f.theta[0] for f in fits])
        self.s = np.array([f.theta[1] for f in fits])
        self.c = np.array([f.theta[2] for f in fits])
        self.floor = fits[0].shape.floor
        self.has_cov = all(f.cov is not None for f in fits)
        self.cov = np.stack([f.cov for f in fits]) if self.has_cov else None
        scale_ = np.ones(len(fits))
        for i, (f, var) in enumerate(zip(fits, variances)):
            dof = f.n - f.k
            if var is not None and dof > 0:
                s2 = f.rss / dof
                scale_[i] = max(math.sqrt(var / s2), 1.0) if s2 > 0 else 1.0
                if s2 == 0 and var > 0:
                    scale_[i] = math.inf
        self.se_scale = scale_
        self.df = min(f.n - f.k for f in fits)

    def rates(self, x):
        """(subtasks, len(x)) clipped logistic predictions."""
        x = np.atleast_1d(x)
        return np.clip(self.floor + (self.c - self.floor)[:, None] * expit(self.s[:, None] * (x[None, :] - self.m[:, None])), 0, 1)

    def predict(self, x):
        return all_of(self.rates(x), axis=0)

    def subtask_se(self, x):
        """(subtasks, len(x)) scaled standard errors of each fit's mean; None without covariances."""
        if not self.has_cov:
            return None
        x = np.atleast_1d(x)
        t = self.s[:, None] * (x[None, :] - self.m[:, None])
        p = expit(t)
        dp = p * expit(-t)
        cf = (self.c - self.floor)[:, None]
        G = np.stack([-cf * dp * self.s[:, None], cf * dp * (x[None, :] - self.m[:, None]), p], axis=-1)  # (S, X, 3)
        var = np.einsum("sxi,sij,sxj->sx", G, self.cov, G)
        return np.sqrt(np.maximum(var, 0)) * self.se_scale[:, None]

    def se_link(self, x):
        """Delta-method standard error of logit(composed) at each x (finite differences per
        subtask, as emerge); NaN where a subtask has no finite standard error."""
        se = self.subtask_se(x)
        if se is None:
            return np.full(np.atleast_1d(x).shape, np.nan)
        P = self.rates(x)
        h = 1e-6 * np.maximum(np.minimum(P, 1 - P), 1e-9)
        lo, hi = np.maximum(P - h, 0), np.minimum(P + h, 1)
        with np.errstate(divide="ignore"):
            L = np.log(P)
            before = np.vstack([np.zeros((1, L.shape[1])), np.cumsum(L, axis=0)[:-1]])
            after = np.vstack([np.cumsum(L[::-1], axis=0)[::-1][1:], np.zeros((1, L.shape[1]))])
            others = before + after
            up = logit_c(np.exp(others + np.log(hi)))
            down = logit_c(np.exp(others + np.log(lo)))
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.where(hi > lo, (up - down) / (hi - lo), 0.0)
        var = (d * d * se * se).sum(axis=0)
        ok = np.all(np.isfinite(se), axis=0) & np.isfinite(var)
        return np.where(ok, np.sqrt(var), np.nan)

    def curves(self, x, q):
        """Prediction and band edges at each x."""
        centre = self.predict(x)
        if q is None:
            nan = np.full(centre.shape, np.nan)
            return centre, nan, nan
        half = q * self.se_link(x)
        lc = logit_c(centre)
        a, b = expit(lc - half), expit(lc + half)
        return centre, np.maximum(a, b), np.minimum(a, b)


def sampling_variance(V, N, skip=None):
    """Per subtask: mean binomial variance p(1 - p)/n over its observed points (None when a
    point lacks a count)."""
    out = []
    for s in range(V.shape[0]):
        present = ~np.isnan(V[s])
        if skip is not None:
            present[skip] = False
        if not present.any() or np.isnan(N[s, present]).any():
            out.append(None)
            continue
        v = V[s, present]
        out.append(float(np.mean(v * (1 - v) / N[s, present])))
    return out


# --------------------------------------------------------------------------------------
# Forecasts: first crossing of a rising curve (grid of 0.05 decade, then 60 bisections)
# --------------------------------------------------------------------------------------


def crossings(curves, thresholds, lo, hi):
    """curves(x) -> (3, len(x)) values of the centre and both band edges. Returns, per
    (curve, threshold), ('before'|'beyond'|x)."""
    steps = max(int(math.ceil((hi - lo) / 0.05)), 1)
    grid = lo + (hi - lo) * np.arange(steps + 1) / steps
    grid[0] = lo
    vals = np.asarray(curves(grid))  # (3, steps + 1)
    T = np.asarray(thresholds)
    above = vals[:, None, :] >= T[None, :, None]  # (3, thresholds, steps + 1)
    res = np.full(above.shape[:2], np.nan)
    status = np.where(above[:, :, 0], 0, 2)  # 0 before, 1 crosses, 2 beyond
    first = np.where(above[:, :, 1:].any(-1), above[:, :, 1:].argmax(-1) + 1, -1)
    crossing = (status == 2) & (first > 0)
    status[crossing] = 1
    ci, ti = np.nonzero(crossing)
    if ci.size:
        l, h = grid[first[ci, ti] - 1], grid[first[ci, ti]]
        thr = T[ti]
        for _ in range(60):
            mid = 0.5 * (l + h)
            v = np.asarray(curves(mid))[ci, np.arange(ci.size)]
            up = v >= thr
            h = np.where(up, mid, h)
            l = np.where(up, l, mid)
        res[ci, ti] = 0.5 * (l + h)
    return status, res


def crossing_json(status, x):
    if status == 0:
        return {"status": "already-above", "at": None}
    if status == 2:
        return {"status": "beyond-range", "at": None}
    return {"status": "crosses", "at": scale(x)}


def forecasts(xs, composed, logistic, level):
    lo, x_max = float(xs.min()), float(xs.max())
    hi = x_max + FORECAST_DECADES
    if composed is not None:
        source = "composed"
        q = t_quantile(composed.df, level)

        def curves(x):
            return composed.curves(x, q)

    elif logistic is not None:
        source = "logistic"
        q = t_quantile(logistic.n - logistic.k, level)

        def curves(x):
            c = logistic.predict(x)
            se = logistic.mean_se(x)
            if q is None or se is None:
                nan = np.full(np.shape(c), np.nan)
                return c, nan, nan
            return c, c + q * se, c - q * se

    else:
        return []
    status, at = crossings(curves, THRESHOLDS, lo, hi)
    edges = np.asarray(curves(np.array([lo])))
    has_band = bool(np.isfinite(edges[1, 0]) and np.isfinite(edges[2, 0]))
    out = []
    for j, t in enumerate(THRESHOLDS):
        x = at[0, j]
        out.append(
            {
                "threshold": t,
                "source": source,
                "crossing": crossing_json(status[0, j], x),
                "interval_low": crossing_json(status[1, j], at[1, j]) if has_band else None,
                "interval_high": crossing_json(status[2, j], at[2, j]) if has_band else None,
                "searched": [scale(lo), scale(hi)],
                "extrapolation_decades": float(x - x_max) if status[0, j] == 1 and x > x_max else None,
            }
        )
    return out


# --------------------------------------------------------------------------------------
# One group
# --------------------------------------------------------------------------------------


def f_or_none(v):
    return None if v is None or not np.isfinite(v) else float(v)


def analyze_group(g, opts):
    level, B = opts["confidence"], opts["bootstrap"]
    key = g["key"]
    models, params = g["models"], g["params"]
    x_all = np.log10(params)
    V, N, C = g["V"], g["N"], g["C"]
    S, M = V.shape[0], len(models)
    tl = g["task_level"]

    # Rows in emerge's order: subtasks, task-level, compounds.
    rows = []  # (kind, name, values, counts n or None, correct or None, k)
    for s in range(S):
        rows.append(("subtask", g["subtasks"][s], V[s], N[s], C[s], None))
    if tl is not None:
        rows.append(("task", "task-level", tl["value"], tl["n"], tl["correct"], None))
    n_obs_rows = len(rows)
    for op in COMPOSE if S else ():
        rows.append(("compound", op, g["compounds"][op], g["compound_n"], None, S))
    R = len(rows)
    values = np.vstack([r[2] for r in rows]) if R else np.empty((0, M))
    present = ~np.isnan(values)

    # Parametric bootstrap: all replicates of the group in one draw.
    obs_n = np.vstack([r[3] for r in rows[:n_obs_rows]]) if n_obs_rows else np.empty((0, M))
    obs_present = present[:n_obs_rows]
    boot_ok = B > 0 and n_obs_rows > 0 and not np.isnan(obs_n[obs_present]).any()
    if B == 0:
        boot_note = "bootstrap off (--bootstrap 0)"
    elif not boot_ok:
        lacking = int(np.isnan(obs_n[obs_present]).sum())
        boot_note = f"no item counts for {lacking} cell{'' if lacking == 1 else 's'}: add n (and correct) columns or give --n"
    else:
        boot_note = None
    draws = None
    if boot_ok:
        rng = np.random.default_rng([opts["seed"], g["gi"]])
        n_int = np.where(obs_present, obs_n, 0).astype(np.int64)
        p = np.where(obs_present, values[:n_obs_rows], 0.0)
        d = rng.binomial(n_int, p, size=(B, n_obs_rows, M)) / np.where(n_int > 0, n_int, 1)
        d[:, ~obs_present] = np.nan
        comp = []
        for i in range(n_obs_rows, R):
            op = rows[i][1]
            sub = d[:, :S, :]
            c = all_of(sub, axis=1) if op == "all" else sub.mean(axis=1)
            c[:, ~present[i]] = np.nan
            comp.append(c)
        draws = np.concatenate([d, np.stack(comp, axis=1)], axis=1) if comp else d  # (B, R, M)
        # Percentile intervals and standard deviations of every present cell at once.
        qs = np.full((2, R, M), np.nan)
        sd = np.full((R, M), np.nan)
        cells = draws[:, present]  # (B, present cells), all finite
        qs[:, present] = np.quantile(cells, [(1 - level) / 2, (1 + level) / 2], axis=0)
        sd[present] = cells.std(axis=0, ddof=1)
        # Emergence scores of every replicate, rows with the same points at once.
        score_ci = [None] * R
        score_undefined = [0] * R
        masks = {}
        for r in range(R):
            masks.setdefault(present[r].tobytes(), []).append(r)
        for mk, rs in masks.items():
            cols = present[rs[0]]
            if cols.sum() < 2 or len(np.unique(params[cols])) < 2:
                for r in rs:
                    score_undefined[r] = B
                continue
            sc, _ = emergence_scores(draws[:, rs][:, :, cols])  # (B, len(rs))
            if np.isfinite(sc).all():
                both = np.quantile(sc, [(1 - level) / 2, (1 + level) / 2], axis=0)
                for j, r in enumerate(rs):
                    score_ci[r] = both[:, j]
                continue
            for j, r in enumerate(rs):
                col = sc[:, j]
                ok = np.isfinite(col)
                score_undefined[r] = int(B - ok.sum())
                if ok.sum() * 2 >= max(B, 1) and ok.sum() >= 2:
                    score_ci[r] = np.quantile(col[ok], [(1 - level) / 2, (1 + level) / 2])

    series_json, csv_parts = [], []
    fits_by_row = {}
    logistic_of_subtask = [None] * S
    logistic_error = [None] * S
    for r, (kind, name, vals, nrow, crow, k) in enumerate(rows):
        pm = present[r]
        y = vals[pm]
        pp = params[pm]
        xs = x_all[pm]
        is_compound = kind == "compound"
        # Points.
        n_pts = nrow[pm] if nrow is not None else np.full(pm.sum(), np.nan)
        floor_pts = detection_floor(n_pts)
        if is_compound:
            if draws is not None:
                ci_low, ci_high, se = qs[0, r, pm], qs[1, r, pm], sd[r, pm]
            else:
                ci_low = ci_high = se = np.full(pm.sum(), np.nan)
            ci_method = "bootstrap-percentile" if draws is not None else None
            ci_note = None if draws is not None else (boot_note or NO_COUNTS)
        else:
            correct = np.where(np.isnan(crow[pm]), y * n_pts, crow[pm]) if crow is not None else y * n_pts
            xr = np.round(correct)
            with np.errstate(invalid="ignore", divide="ignore"):
                ci_low, ci_high = wilson(xr, n_pts, level)
                se = np.sqrt(y * (1 - y) / n_pts)
            ci_method = "wilson" if np.isfinite(ci_low).any() else None
            ci_note = None if ci_method else NO_COUNTS
        implied = y ** (1.0 / k) if (is_compound and name == "all") else np.full(y.shape, np.nan)
        csv_parts.append(
            {
                "kind": kind,
                "name": name,
                "model": np.asarray(models)[pm],
                "params": pp,
                "value": y,
                "implied_subtask_rate": implied,
                "n": n_pts,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "se": se,
                "detection_floor": floor_pts,
            }
        )
        # Emergence score and gains.
        sizes = len(np.unique(pp))
        if len(y) >= 2 and sizes >= 2:
            sc, why = emergence_scores(y[None, :])
            score = f_or_none(sc[0])
            note = None if score is not None else score_note(int(why[0]), sizes)
        else:
            score, note = None, score_note(0, sizes if len(y) else 0)
        if draws is not None:
            sci = score_ci[r]
            sci_note = None
            if sci is None:
                sci_note = "no emergence score" if score is None else f"the score is undefined in {score_undefined[r]} of {B} replicates (flat replicates)"
        else:
            sci, sci_note = None, boot_note or NO_COUNTS
        # Fits.
        fits_json, fit_note = [], None
        logistic_curve = None
        if len(np.unique(xs)) < MIN_SIZES_FOR_FIT:
            fit_note = f"curve fits need at least {MIN_SIZES_FOR_FIT} model sizes; this series has {len(np.unique(xs))}"
            if kind == "subtask":
                logistic_error[r] = f"subtask {name!r} has no logistic fit: {fit_note}"
        else:
            for fk in ("linear", "logistic", "broken-power-law"):
                rep = {"model": fk}
                if fk == "broken-power-law" and len(xs) < MIN_SIZES_FOR_BPL:
                    why_ = f"the broken power law has 6 parameters and needs at least {MIN_SIZES_FOR_BPL} model sizes; this series has {len(xs)}"
                    rep.update({"converged": False, "error": why_, "holdout": None, "holdout_note": why_})
                    fits_json.append(rep)
                    continue
                try:
                    curve = fit(fk, xs, y)
                    rep.update(curve.json())
                except ValueError as e:
                    curve = None
                    rep.update({"converged": False, "error": str(e)})
                    if fk == "logistic" and kind == "subtask":
                        logistic_error[r] = f"subtask {name!r} has no logistic fit: {e}"
                if fk == "broken-power-law" and len(xs) < MIN_SIZES_FOR_BPL_HOLDOUT:
                    rep.update(
                        {
                            "holdout": None,
                            "holdout_note": "the held-out check of the broken power law needs at least "
                            f"{MIN_SIZES_FOR_BPL_HOLDOUT} model sizes (6 parameters and 2 residual degrees of freedom "
                            f"once one is held out); this series has {len(xs)}",
                        }
                    )
                else:
                    try:
                        rep.update({"holdout": holdout(fk, xs, y, level, curve), "holdout_note": None})
                    except ValueError as e:
                        rep.update({"holdout": None, "holdout_note": str(e)})
                if fk == "logistic":
                    logistic_curve = curve
                fits_json.append(rep)
        if kind == "subtask":
            logistic_of_subtask[r] = logistic_curve
        fits_by_row[r] = logistic_curve
        series_json.append(
            {
                "task": key[0],
                "family": key[1],
                "metric": key[2],
                "shots": key[3],
                "kind": kind,
                "name": name,
                "subtasks_composed": k,
                "higher_is_better": True,
                "ci_method": ci_method,
                "ci_note": ci_note,
                "points": [
                    {
                        "model": mname,
                        "params": float(pv),
                        "flops": None,
                        "value": float(v),
                        "implied_subtask_rate": f_or_none(ir),
                        "n": None if np.isnan(nn) else int(nn),
                        "ci_low": f_or_none(lo_),
                        "ci_high": f_or_none(hi_),
                        "se": f_or_none(se_),
                        "detection_floor": f_or_none(fl),
                        "below_detection_floor": None if np.isnan(fl) else bool(v <= fl),
                    }
                    for mname, pv, v, ir, nn, lo_, hi_, se_, fl in zip(
                        np.asarray(models)[pm], pp, y, implied, n_pts, ci_low, ci_high, se, floor_pts
                    )
                ],
                "emergence_score": score,
                "emergence_score_note": note,
                "emergence_score_ci": None if sci is None else [float(sci[0]), float(sci[1])],
                "emergence_score_ci_note": sci_note,
                "gain_abs": float(y[-1] - y[0]) if len(y) >= 2 else None,
                "gain_rel": float(y[-1] / y[0] - 1) if len(y) >= 2 and y[0] != 0 else None,
                "fits": fits_json,
                "fit_note": fit_note,
                "composed": None,
                "composed_note": None,
                "forecasts": [],
            }
        )

    # The composed model (`all`, which is also the verdict's operator).
    composed, composed_why = None, None
    if S:
        bad = [logistic_error[s] for s in range(S) if logistic_error[s] is not None]
        if bad:
            composed_why = bad[0]
        else:
            composed = Composed(logistic_of_subtask, sampling_variance(V, N))
    for r in range(n_obs_rows, R):
        sj = series_json[r]
        pm = present[r]
        xs = x_all[pm]
        if rows[r][1] == "all":
            if composed is None:
                sj["composed_note"] = composed_why
            else:
                sj["composed"] = composed_report(composed, sj, rows[r], pm, x_all, V, N, level, sd[r] if draws is not None else None, logistic_of_subtask)
        if len(xs):
            sj["forecasts"] = forecasts(xs, composed if rows[r][1] == "all" and composed is not None else None, fits_by_row.get(r), level)

    verdict = judge(g, composed, composed_why, x_all, opts) if S else None
    return series_json, csv_parts, verdict


def composed_report(composed, sj, row, pm, x_all, V, N, level, sd_row, full_fits):
    xs = x_all[pm]
    q = t_quantile(composed.df, level)
    centre, upper, lower = composed.curves(xs, q)
    observed = row[2][pm]
    points = [
        {"model": p["model"], "predicted": float(c), "band": None if not np.isfinite(u) else [float(lo_), float(u)]}
        for p, c, u, lo_ in zip(sj["points"], centre, upper, lower)
    ]
    out = {
        "operator": "all",
        "subtask_model": "logistic",
        "points": points,
        "rss": float(((observed - centre) ** 2).sum()),
        "holdout": None,
        "holdout_note": None,
    }
    # Hold-out: refit every subtask without the largest model, compose, predict it.
    models_idx = np.flatnonzero(pm)
    last = int(np.argmax(xs))
    held_m = models_idx[last]
    x_held = float(xs[last])
    refits = []
    for s in range(V.shape[0]):
        keep = ~np.isnan(V[s])
        keep[held_m] = False
        try:
            refits.append(fit("logistic", x_all[keep], V[s, keep], warm=full_fits[s].theta))
        except ValueError as e:
            out["holdout_note"] = f"subtask without the largest model: {e}"
            return out
    refit = Composed(refits, sampling_variance(V, N, skip=held_m))
    predicted = float(refit.predict(x_held)[0])
    se_fit = float(refit.se_link(x_held)[0])
    held_value = float(observed[last])
    se_obs = None if sd_row is None or not np.isfinite(sd_row[held_m]) else float(sd_row[held_m] * logit_d(held_value))
    if not np.isfinite(se_fit):
        note = "no interval: the refitted subtask fits have no standard errors"
    elif se_obs is None:
        note = "the interval omits the observation's sampling error (no item counts)"
    else:
        note = None
    qq = t_quantile(refit.df, level)
    interval = None
    if np.isfinite(se_fit) and qq is not None:
        half = qq * math.sqrt(se_fit**2 + (se_obs or 0.0) ** 2)
        centre_l = float(logit_c(predicted))
        a, b = float(expit(centre_l - half)), float(expit(centre_l + half))
        interval = (min(a, b), max(a, b))
    out["holdout"] = holdout_json(x_held, held_value, predicted, interval)
    out["holdout_note"] = note
    return out


def judge(g, composed, composed_why, x_all, opts):
    level, B = opts["confidence"], opts["bootstrap"]
    key = g["key"]
    tl = g["task_level"]
    observation = "task-level" if tl is not None else "composed-subtasks"
    base = {"task": key[0], "family": key[1], "metric": key[2], "shots": key[3], "operator": "all", "observation": observation}

    def insufficient(why):
        return {**base, "outcome": "insufficient", "verdict": f"insufficient data: {why}", "points": 0, "replicates": 0,
                "statistic": None, "p_value": None, "p_adjusted": None, "largest_residual": None}

    if composed is None:
        return insufficient(composed_why)
    V, N = g["V"], g["N"]
    if tl is not None:
        m_obs = np.flatnonzero(~np.isnan(tl["value"]))
        value = tl["value"][m_obs]
        n_obs = tl["n"][m_obs][:, None]
    else:
        m_obs = np.flatnonzero(~np.isnan(V).any(axis=0))
        value = all_of(V[:, m_obs], axis=0)
        n_obs = N[:, m_obs].T
    if np.isnan(n_obs).any():
        return insufficient(NO_COUNTS)
    if len(m_obs) < 2:
        return insufficient(f"{len(m_obs)} observed point(s); the test needs at least 2")
    if B == 0:
        return insufficient("no p-value with --bootstrap 0")
    reps = max(B, MIN_REPLICATES)
    xo = x_all[m_obs]
    if tl is not None:
        p = composed.predict(xo)[:, None]  # (J, 1)
        se = composed.se_link(xo)[:, None]
    else:
        p = composed.rates(xo).T  # (J, S)
        sub_se = composed.subtask_se(xo)
        se = np.full(p.shape, np.nan) if sub_se is None else sub_se.T * logit_d(p)
    rng = np.random.default_rng([opts["seed"] ^ 0x7665726469637400, g["gi"]])
    z = rng.standard_normal((reps,) + p.shape)
    perturbed = np.where(np.isfinite(se), expit(logit_c(p) + z * np.where(np.isfinite(se), se, 0)), p)
    n_int = n_obs.astype(np.int64)
    drawn = rng.binomial(n_int, perturbed) / n_int
    sims = drawn[:, :, 0] if tl is not None else all_of(drawn, axis=2)  # (reps, J)
    finite = np.isfinite(sims)
    cnt = finite.sum(0)
    centre = np.nansum(sims, axis=0) / np.maximum(cnt, 1)
    var = np.nansum((sims - centre) ** 2, axis=0) / (np.maximum(cnt, 2) - 1)
    var = np.maximum(var, 0.25 / np.maximum(n_obs.min(axis=1), 1) ** 2)
    t_obs = float(((value - centre) ** 2 / var).sum())
    t_sim = ((sims - centre) ** 2 / var).sum(axis=1)
    p_value = (1 + int((t_sim >= t_obs).sum())) / (reps + 1)
    z_res = (value - centre) / np.sqrt(var)
    j = int(np.argmax(np.abs(z_res)))
    return {
        **base,
        "outcome": "explained",
        "verdict": "",
        "points": int(len(m_obs)),
        "replicates": reps,
        "statistic": t_obs,
        "p_value": p_value,
        "p_adjusted": None,
        "largest_residual": {"model": g["models"][m_obs[j]], "observed": float(value[j]), "expected": float(centre[j]), "z": float(z_res[j])},
    }


def finish_verdicts(verdicts, alpha):
    raw = [v["p_value"] if v["p_value"] is not None else np.nan for v in verdicts]
    adjusted = benjamini_hochberg(raw)
    for v, p in zip(verdicts, adjusted):
        if v["outcome"] == "insufficient" or not np.isfinite(p):
            continue
        v["p_adjusted"] = float(p)
        if p < alpha:
            how = "jump beyond subtask trends" if v["largest_residual"]["z"] > 0 else "falls short of subtask trends"
            v["outcome"], v["verdict"] = "not-explained", f"not explained: {how}"
        elif v["observation"] == "composed-subtasks":
            v["verdict"] = ("explained by composition (no task-level rows: the observation is the subtask data "
                            "composed, so this tests that every subtask follows a smooth trend)")
        else:
            v["verdict"] = "explained by composition"


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------

_GROUPS: list = []
_OPTS: dict = {}


def _run(i):
    return analyze_group(_GROUPS[i], _OPTS)


def analyze(groups, opts, jobs=1):
    global _GROUPS, _OPTS
    _GROUPS, _OPTS = groups, opts
    if jobs > 1 and len(groups) > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(jobs) as pool:
            results = pool.map(_run, range(len(groups)), chunksize=max(1, len(groups) // (8 * jobs)))
    else:
        results = [_run(i) for i in range(len(groups))]
    series, parts, verdicts = [], [], []
    for g, (sj, cp, v) in zip(groups, results):
        series.extend(sj)
        for part in cp:
            part["key"] = g["key"]
        parts.extend(cp)
        if v is not None:
            verdicts.append(v)
    finish_verdicts(verdicts, 1 - opts["confidence"])
    return series, parts, verdicts


def series_frame(parts):
    """series.csv as one DataFrame, built column by column."""
    lengths = np.array([len(p["value"]) for p in parts])
    rep = lambda f: np.repeat(np.array([f(p) for p in parts], dtype=object), lengths)  # noqa: E731
    cat = lambda c: np.concatenate([np.asarray(p[c], dtype=float) for p in parts]) if parts else np.array([])  # noqa: E731
    df = pd.DataFrame(
        {
            "task": rep(lambda p: p["key"][0]),
            "family": rep(lambda p: p["key"][1]),
            "metric": rep(lambda p: p["key"][2]),
            "shots": rep(lambda p: p["key"][3] or ""),
            "kind": rep(lambda p: p["kind"]),
            "name": rep(lambda p: p["name"]),
            "model": np.concatenate([p["model"] for p in parts]) if parts else [],
            "params": cat("params"),
            "value": cat("value"),
            "implied_subtask_rate": cat("implied_subtask_rate"),
            "higher_is_better": "true",
            "n": pd.array(cat("n"), dtype="Int64") if parts else [],
            "ci_low": cat("ci_low"),
            "ci_high": cat("ci_high"),
            "se": cat("se"),
            "detection_floor": cat("detection_floor"),
        }
    )
    below = df["value"] <= df["detection_floor"]
    df["below_detection_floor"] = np.where(df["detection_floor"].isna(), "", np.where(below, "true", "false"))
    return df


def write_outputs(out, path, fmt, rows_read, opts, series, parts, verdicts, independence=(), indent=None):
    os.makedirs(out, exist_ok=True)
    summary = {
        "emerge_version": "emerge_py",
        "schema_version": 1,
        "input": {"path": path, "format": fmt, "rows_read": rows_read, "rows_used": rows_read, "rows_dropped": 0, "dropped": []},
        "compose": list(COMPOSE),
        "options": {
            "confidence": opts["confidence"],
            "ci": "wilson",
            "bootstrap": opts["bootstrap"],
            "seed": opts["seed"],
            "n": opts["n"],
            "x": "params",
            "chance": None,
            "thresholds": list(THRESHOLDS),
            "verdict_op": "all",
        },
        "warnings": [],
        "series": series,
        "verdicts": verdicts,
        "independence": list(independence),
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=indent)
        f.write("\n")
    series_frame(parts).to_csv(os.path.join(out, "series.csv"), index=False)


def options_from(args):
    return {"confidence": args.confidence, "bootstrap": args.bootstrap, "seed": args.seed, "n": args.n}


def add_common(ap):
    ap.add_argument("--out", default="emerge-py-out")
    ap.add_argument("--n", type=int, default=None, help="common item count for rows without n (as emerge --n)")
    ap.add_argument("--bootstrap", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--confidence", type=float, default=0.95)
    ap.add_argument("--jobs", type=int, default=1, help="worker processes for the per-group analysis (default 1)")
    ap.add_argument("--indent", type=int, default=None, help="pretty-print summary.json (emerge does; default compact)")
    ap.add_argument("-q", "--quiet", action="store_true")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    add_common(ap)
    args = ap.parse_args(argv)
    opts = options_from(args)
    df = read_tidy(args.input, args.n)
    groups = build_groups(df)
    series, parts, verdicts = analyze(groups, opts, args.jobs)
    write_outputs(args.out, args.input, "tidy", len(df), opts, series, parts, verdicts, indent=args.indent)
    if not args.quiet:
        outcomes = pd.Series([v["outcome"] for v in verdicts]).value_counts().to_dict()
        print(f"{len(df)} rows, {len(groups)} groups, {len(series)} series; verdicts {outcomes}; wrote {args.out}/")


if __name__ == "__main__":
    main()
