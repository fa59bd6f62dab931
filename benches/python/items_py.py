#!/usr/bin/env python3
"""`emerge analyze ITEMS.csv` for item-level data, in pandas + numpy + scipy.

    python items_py.py items.csv --out py-items-out/    # like `emerge analyze items.csv --no-charts`

Input: one row per (model, subtask, item) with columns model, params, subtask, item, correct
(0/1 or a score in [0, 1]) and optionally task, family, metric, shots, as `emerge simulate`
writes them. Aggregated the way emerge's item reader does it (src/ingest/items/), with
pandas groupbys over the whole frame:

- checks: no empty key, `correct` a number in [0, 1], no (model, task, family, metric, shots,
  item, subtask) twice (emerge counts distinct subtasks per item for this), one size per model;
- per (model, subtask): items n, sum of outcomes (the subtask's rate, with counts);
- per (model, item): how many subtasks it has, the lowest outcome (the joint outcome: all
  subtasks correct), the row sum and the sum of squares; then per model: items, complete items,
  joint successes and the sums ICC(3,1) needs. (Items that lack a subtask would need a second
  pass over the complete items, as in emerge; the simulated file has none, so neither tool makes
  that pass.)

Then the same analysis as emerge_py.py on the aggregated table (each subtask with its counts,
the items' joint rate as the task-level series, compounds `all` and `mean`, bootstrap 2000,
fits, composed model, forecasts, verdict against the task-level rows) and the independence
check per model: the joint rate with its Clopper-Pearson interval (scipy.stats.beta), the
product of the subtask rates over the complete items, and ICC(3,1) with the Shrout-Fleiss F
interval (scipy.stats.f). Writes summary.json and series.csv like emerge_py.py.

Reading: `pd.read_csv` with the key columns as `category` (what a pandas user does with a
10-million-row file of repeated names; it also makes the groupbys faster) and `correct` as
float64; `item` is left to inference (integers here). See emerge_py.py for the general
simplifications (no charts, no Parquet, compact JSON).
"""

import argparse
import os
import sys

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emerge_py as E  # noqa: E402

KEYS = ["model", "params", "task", "family", "metric", "shots"]


def read_items(path):
    sep = "\t" if path.endswith(".tsv") else ","
    header = pd.read_csv(path, sep=sep, nrows=0).columns
    lower = {c: c.strip().lower() for c in header}
    cat = {c: "category" for c in header if lower[c] in ("model", "params", "task", "family", "metric", "shots", "subtask")}
    df = pd.read_csv(path, sep=sep, dtype={**cat, **{c: "float64" for c in header if lower[c] == "correct"}})
    df.columns = [lower[c] for c in df.columns]
    default_task = os.path.splitext(os.path.basename(path))[0]
    for col, default in (("task", default_task), ("family", "all"), ("metric", "accuracy"), ("shots", "")):
        if col not in df:
            df[col] = pd.Categorical([default] * len(df)) if len(df) else pd.Categorical([])
        elif df[col].isna().any():
            df[col] = df[col].cat.add_categories([default]).fillna(default) if default not in df[col].cat.categories else df[col].fillna(default)
    return df


def check(df, path):
    problems = []
    for c in ("model", "params", "subtask", "item"):
        if df[c].isna().any():
            problems.append(f"empty {c} cells")
    bad = df["correct"].isna() | (df["correct"] < 0) | (df["correct"] > 1)
    if bad.any():
        problems.append(f"{int(bad.sum())} rows whose correct is not a number in [0, 1]")
    repeated = df.duplicated(KEYS + ["item", "subtask"])
    if repeated.any():
        problems.append(f"{int(repeated.sum())} repeated (model, item, subtask) rows")
    if problems:
        E.fail(f"{path}: " + "; ".join(problems))


def aggregate(df):
    """Per-subtask rates and per-model joint counts, as emerge's reader."""
    df["binary"] = (df["correct"] == 0) | (df["correct"] == 1)
    df["sq"] = df["correct"] * df["correct"]
    rates = (
        df.groupby(KEYS + ["subtask"], observed=True)
        .agg(n=("correct", "size"), sum=("correct", "sum"), binary=("binary", "all"))
        .reset_index()
    )
    items = df.groupby(KEYS + ["item"], observed=True).agg(
        k=("correct", "size"), joint=("correct", "min"), row_sum=("correct", "sum"), sq_sum=("sq", "sum")
    )
    items["row_sq"] = items["row_sum"] ** 2
    hist = (
        items.groupby(KEYS + ["k"], observed=True)
        .agg(items=("joint", "size"), joint_sum=("joint", "sum"), row_sq_sum=("row_sq", "sum"), sq_sum=("sq_sum", "sum"))
        .reset_index()
    )
    per_key = rates.groupby(KEYS, observed=True).agg(
        subtasks=("subtask", "size"), binary=("binary", "all"), subtask_sums=("sum", list), subtask_names=("subtask", list)
    )
    hist = hist.merge(per_key[["subtasks"]].reset_index(), on=KEYS)
    complete = hist[hist["k"] == hist["subtasks"]]
    joint = per_key.join(hist.groupby(KEYS, observed=True)["items"].sum().rename("items")).join(
        complete.groupby(KEYS, observed=True)[["items", "joint_sum", "row_sq_sum", "sq_sum"]].sum().rename(columns={"items": "complete"})
    ).fillna({"complete": 0, "joint_sum": 0.0, "row_sq_sum": 0.0, "sq_sum": 0.0}).reset_index()
    if (joint["complete"] < joint["items"]).any():
        E.fail("items lacking a subtask: the complete-item pass is not implemented here (emerge_py simplification)")
    # One size per model.
    parsed = {u: E.parse_params(str(u)) for u in rates["params"].unique()}
    rates["params_v"] = rates["params"].map(parsed).astype(float)
    joint["params_v"] = joint["params"].map(parsed).astype(float)
    if rates["params_v"].isna().any() or (rates.groupby("model", observed=True)["params_v"].nunique() > 1).any():
        E.fail("bad or inconsistent params")
    return rates, joint


def tidy_from(rates, joint):
    """The aggregated data as emerge_py's tidy table: subtask rows, then task-level rows."""
    sub = pd.DataFrame(
        {
            "task": rates["task"].astype(str),
            "family": rates["family"].astype(str),
            "metric": rates["metric"].astype(str),
            "shots": rates["shots"].astype(str),
            "model": rates["model"].astype(str),
            "subtask": rates["subtask"].astype(str),
            "params": rates["params_v"],
            "value": rates["sum"] / rates["n"],
            "n": rates["n"].astype(float),
            "correct": np.where(rates["binary"], rates["sum"].round(), np.nan),
        }
    ).sort_values(["model", "task", "family", "metric", "shots", "subtask"], kind="stable")
    done = joint[joint["complete"] > 0]
    task = pd.DataFrame(
        {
            "task": done["task"].astype(str),
            "family": done["family"].astype(str),
            "metric": done["metric"].astype(str),
            "shots": done["shots"].astype(str),
            "model": done["model"].astype(str),
            "subtask": "",
            "params": done["params_v"],
            "value": done["joint_sum"] / done["complete"],
            "n": done["complete"].astype(float),
            "correct": np.where(done["binary"], done["joint_sum"].round(), np.nan),
        }
    ).sort_values(["model", "params", "task", "family", "metric", "shots"], kind="stable")
    return pd.concat([sub, task], ignore_index=True)


def clopper_pearson(x, n, level):
    a = (1 - level) / 2
    low = 0.0 if x == 0 else stats.beta.ppf(a, x, n - x + 1)
    high = 1.0 if x == n else stats.beta.ppf(1 - a, x + 1, n - x)
    return float(low), float(high)


def independence(joint, level):
    out = []
    for j in joint[joint["complete"] > 0].itertuples(index=False):
        n, k = float(j.complete), len(j.subtask_sums)
        sums = np.array(j.subtask_sums, dtype=float)
        rate = j.joint_sum / n
        pred = float(np.prod(sums / n))
        ci = clopper_pearson(round(j.joint_sum), n, level) if j.binary else None
        notes, icc, icc_ci = [], None, None
        if not j.binary:
            notes.append("outcomes are graded scores: the joint score is each item's lowest, and no exact interval applies")
        if k < 2 or n < 2:
            notes.append("the intra-class correlation needs at least two subtasks and two complete items")
        else:
            corr = sums.sum() ** 2 / (n * k)
            ss_rows = j.row_sq_sum / k - corr
            ss_err = (j.sq_sum - corr) - ss_rows - ((sums**2).sum() / n - corr)
            df1, df2 = n - 1, (n - 1) * (k - 1)
            msr, mse = ss_rows / df1, ss_err / df2
            scale_ = max(j.sq_sum, 1.0) * 1e-12
            if mse <= scale_ or msr < -scale_:
                notes.append("every item has the same outcome pattern across subtasks; the correlation is undefined")
            else:
                msr = max(msr, 0.0)
                icc = (msr - mse) / (msr + (k - 1) * mse)
                f = msr / mse
                q = 1 - (1 - level) / 2
                fl, fu = f / stats.f.ppf(q, df1, df2), f * stats.f.ppf(q, df2, df1)
                icc_ci = [float((fl - 1) / (fl + k - 1)), float((fu - 1) / (fu + k - 1))]
        out.append(
            {
                "model": j.model,
                "params": float(j.params_v),
                "task": j.task,
                "family": j.family,
                "metric": j.metric,
                "shots": j.shots or None,
                "subtasks": k,
                "items": int(j.items),
                "complete_items": int(j.complete),
                "joint_rate": float(rate),
                "joint_ci": None if ci is None else list(ci),
                "independence_prediction": pred,
                "ratio": float(rate / pred) if pred > 0 else None,
                "prediction_in_ci": None if ci is None else bool(ci[0] <= pred <= ci[1]),
                "icc": None if icc is None else float(icc),
                "icc_ci": icc_ci,
                "note": "; ".join(notes) or None,
            }
        )
    out.sort(key=lambda c: (c["task"], c["family"], c["metric"], c["shots"] or "", c["params"], c["model"]))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    E.add_common(ap)
    args = ap.parse_args(argv)
    opts = E.options_from(args)
    df = read_items(args.input)
    check(df, args.input)
    rates, joint = aggregate(df)
    rows = len(df)
    del df
    tidy = tidy_from(rates, joint)
    groups = E.build_groups(tidy)
    series, parts, verdicts = E.analyze(groups, opts, args.jobs)
    E.write_outputs(args.out, args.input, "items", rows, opts, series, parts, verdicts, independence(joint, opts["confidence"]), indent=args.indent)
    if not args.quiet:
        print(f"{rows} item rows, {len(rates)} subtask rates, {len(joint)} models; {len(series)} series; wrote {args.out}/")


if __name__ == "__main__":
    main()
