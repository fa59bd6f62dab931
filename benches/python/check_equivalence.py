#!/usr/bin/env python3
"""Shows that emerge_py.py computes the same analysis as `emerge analyze`, number by number.

    python check_equivalence.py EMERGE_OUT_DIR PYTHON_OUT_DIR

Both directories hold `summary.json` and `series.csv` written from the same input with the same
options. Every series, point, fit, composed model, forecast and verdict is matched by its key
and compared, in three classes:

- deterministic (values, implied rates, item counts, Wilson intervals and standard errors,
  detection floors, emergence scores, gains): relative 1e-9;
- fitted (linear and logistic fits: parameters, RSS, AICc, hold-out predictions; composed
  predictions and bands, composed hold-out prediction; forecast crossings): relative 1e-4, with
  the same convergence status. Rates below 1e-10 count as equal (products of 20 small rates
  reach 1e-40, where a relative comparison measures nothing); RSS is compared as
  |a - b| <= 1e-4 max(a, b) + n (1e-6 range)^2, so two exact interpolations agree. Standard
  errors and prediction intervals, which depend on the Jacobian at the optimum and can be huge
  for ill-conditioned fits, get 1e-3.
  A fit that did not converge in emerge is reported by emerge with its best start and
  "converged": false, while curve_fit raises and emerge_py reports no fit (emerge_py.py,
  simplification 6): counted apart, not compared.
- two situations where emerge's numerics are fragile, found by this comparison and reported
  as diagnostics: (1) the hold-out refit of a logistic whose full fit has its ceiling at the
  bound 1 (emerge warm-starts from a sigmoid-mapped ceiling of 1 - 4e-16, whose derivative is
  4e-16, and can stop short of the optimum; emerge_py's ceiling rounds to 1.0, so it falls back
  to every start), and the composed hold-out of a group with such a subtask; (2) band-edge
  forecast crossings where a subtask's fitted rate is within 1e-6 of 1: the delta method's
  finite-difference step 1e-6 min(p, 1 - p) is then under 1e4 ulps of 1, and the quotient is
  mostly rounding in both tools (emerge_py uses the same finite differences; against the
  analytic derivative 1/((1 - P) p_i) of logit P for `all`, its own quotient is 11% off at a
  rate of 1 - 3e-12), so the two disagree with each other. Everything else must agree as above.
- broken power law: six parameters on 7-8 points have several local optima, and two correct
  Levenberg-Marquardt codes started at the same 12 points (MINPACK here, the levenberg-marquardt
  crate in emerge) can end in different ones; even two versions of emerge_py.py that differ
  only in floating-point rounding do, in a few percent of series. Reported as the share of
  series where both reach the same optimum (RSS within 1e-4) and, where not, which tool's
  optimum is lower; not a pass/fail test.
- Monte Carlo (bootstrap intervals and standard deviations, emergence score intervals, the
  composed hold-out interval, verdict statistic and p-values): the two tools draw different
  random numbers, so these agree only within sampling error. Each difference is scaled by the
  spread it is sampled with (interval bounds by the bootstrap sd or the interval's width,
  standard deviations by themselves, the verdict statistic by max(T, points), p-values
  absolutely); the check fails when the median scaled difference exceeds 0.05 or the 95th
  percentile 0.35 (a systematic difference would move the median). Verdict outcomes must match
  wherever the adjusted p-value is not within 0.02 of the threshold.

Exits 1 when a deterministic or fitted quantity disagrees beyond its tolerance, listing the
worst few.
"""

import json
import math
import sys
from collections import defaultdict

import numpy as np
import pandas as pd

DET, FIT, FIT_SE, TINY = 1e-9, 1e-4, 1e-3, 1e-10
# Monte Carlo bounds on the median and 95th percentile of the scaled differences. For a normal
# bootstrap distribution and B = 2000, a 2.5% or 97.5% percentile has a standard error of
# 0.06 sd, so the difference of two independent runs has a median of about 0.057 sd; a standard
# deviation has a relative standard error of 1.6% (median difference about 1.5%). Heavy-tailed
# compounds (products of 20 small rates) spread more. The bounds are about 2.5x those medians:
# a systematic difference would move the median far beyond them.
MC_BOUNDS = {"/ sd": (0.15, 0.6), "relative": (0.05, 0.35), "/ its width": (0.05, 0.3), "/ width": (0.05, 0.3), "absolute": (0.03, 0.1), "max(T, points)": (0.05, 0.35)}
SATURATED = 1e-12  # a logistic ceiling this close to its bound 1 is "at the bound"
NEAR_ONE = 1e-6  # subtask rates this close to 1 make the delta method's finite differences rounding


class Tally:
    def __init__(self):
        self.stats = defaultdict(lambda: {"n": 0, "max": 0.0, "bad": []})
        self.mc = defaultdict(list)
        self.bpl = {"same optimum": 0, "emerge lower": 0, "python lower": 0, "both non-converged": 0, "converged differs": 0}

    def num(self, cls, what, a, b, tol, scale=0.0, where="", floor=0.0):
        s = self.stats[(cls, what)]
        s["n"] += 1
        if a is None or b is None:
            if (a is None) != (b is None):
                s["bad"].append((math.inf, where, a, b))
            return
        if not (math.isfinite(a) and math.isfinite(b)):
            if a != b:
                s["bad"].append((math.inf, where, a, b))
            return
        if abs(a - b) <= floor:
            return
        denom = max(abs(a), abs(b), abs(scale), 1e-300)
        rel = abs(a - b) / denom
        s["max"] = max(s["max"], rel)
        if rel > tol:
            s["bad"].append((rel, where, a, b))

    def rss(self, cls, what, a, b, n, span, where=""):
        s = self.stats[(cls, what)]
        s["n"] += 1
        ok = abs(a - b) <= FIT * max(a, b) + n * (1e-6 * span) ** 2
        rel = abs(a - b) / max(a, b, 1e-300)
        if not ok:
            s["max"] = max(s["max"], rel)
            s["bad"].append((rel, where, a, b))
        return ok

    def same(self, cls, what, a, b, where=""):
        s = self.stats[(cls, what)]
        s["n"] += 1
        if a != b:
            s["bad"].append((math.inf, where, a, b))

    def montecarlo(self, what, a, b, scale):
        """|a - b| / scale (scale: the spread the value is sampled with)."""
        if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
            return
        if scale is None or not math.isfinite(scale) or scale <= 0:
            scale = max(abs(a), abs(b), 1e-300)
        self.mc[what].append(abs(a - b) / scale)


def key_of(s):
    return (s["task"], s["family"], s["metric"], s["shots"], s["kind"], s["name"])


def compare_bpl(t, x, y, span, where):
    """The broken power law: same optimum, or whose is lower."""
    if "parameters" not in x and "parameters" not in y:
        t.same("fitted", "broken-power-law: no fit in either (same reason)", x.get("error"), y.get("error"), where)
        return
    if x.get("converged") is False and "parameters" in x and "parameters" not in y:
        t.bpl["both non-converged"] += 1
        return
    if "parameters" not in x or "parameters" not in y or x.get("converged") != y.get("converged"):
        t.bpl["converged differs"] += 1
        return
    if abs(x["rss"] - y["rss"]) <= FIT * max(x["rss"], y["rss"]) + x["n"] * (1e-6 * span) ** 2:
        t.bpl["same optimum"] += 1
        for p, q in zip(x["parameters"], y["parameters"]):
            t.num("diagnostic", "broken-power-law parameters (same optimum)", p["value"], q["value"], FIT, scale=1e-3, where=f"{where} {p['name']}")
    elif x["rss"] < y["rss"]:
        t.bpl["emerge lower"] += 1
    else:
        t.bpl["python lower"] += 1


def compare(emerge_dir, py_dir):
    t = Tally()
    # series.csv, row by row.
    ce = pd.read_csv(f"{emerge_dir}/series.csv", keep_default_na=False, na_values=[""], dtype={"shots": str})
    cp = pd.read_csv(f"{py_dir}/series.csv", keep_default_na=False, na_values=[""], dtype={"shots": str})
    keys = ["task", "family", "metric", "shots", "kind", "name", "model"]
    for c in (ce, cp):
        c["shots"] = c["shots"].fillna("")
    m = ce.merge(cp, on=keys, how="outer", suffixes=("_e", "_p"), indicator=True)
    t.same("deterministic", "csv rows present in both", int((m["_merge"] != "both").sum()), 0)
    m = m[m["_merge"] == "both"]
    for c in ("params", "value", "implied_subtask_rate", "n", "detection_floor"):
        for a, b, w in zip(m[c + "_e"], m[c + "_p"], m["name"]):
            t.num("deterministic", f"series.csv {c}", None if pd.isna(a) else float(a), None if pd.isna(b) else float(b), DET, where=w)
    for a, b in zip(m["below_detection_floor_e"].astype(str).str.lower(), m["below_detection_floor_p"].astype(str).str.lower()):
        t.same("deterministic", "series.csv below_detection_floor", a, b)
    observed = m["kind"] != "compound"
    for c in ("ci_low", "ci_high", "se"):
        for a, b, w in zip(m.loc[observed, c + "_e"], m.loc[observed, c + "_p"], m.loc[observed, "name"]):
            t.num("deterministic", f"series.csv {c} (Wilson / binomial)", None if pd.isna(a) else float(a), None if pd.isna(b) else float(b), DET, where=w)
        sub = m[~observed]
        label = f"compound {c} (bootstrap), / sd" if c != "se" else "compound se (bootstrap sd), relative"
        for a, b, se in zip(sub[c + "_e"], sub[c + "_p"], sub["se_e"]):
            if not pd.isna(a) and not pd.isna(b):
                t.montecarlo(label, float(a), float(b), None if c == "se" else float(se))

    # summary.json, series by series.
    se_ = json.load(open(f"{emerge_dir}/summary.json"))
    sp = json.load(open(f"{py_dir}/summary.json"))
    pe = {key_of(s): s for s in se_["series"]}
    pp = {key_of(s): s for s in sp["series"]}
    subtask_fits = defaultdict(list)  # group -> [(midpoint, slope, ceiling)] of emerge_py's subtask logistics
    saturated = defaultdict(bool)  # group -> a subtask's logistic ceiling sits at 1 (either tool)
    for side in (pe, pp):
        for k, s in side.items():
            if s["kind"] != "subtask":
                continue
            for f in s["fits"]:
                if f["model"] == "logistic" and "parameters" in f:
                    theta = [p["value"] for p in f["parameters"]]
                    saturated[k[:4]] |= theta[2] > 1 - SATURATED
                    if side is pp:
                        subtask_fits[k[:4]].append(theta)

    def near_one(group, x):
        """Whether a subtask's fitted rate is within NEAR_ONE of 1 at x."""
        return any(c / (1 + math.exp(-s * (x - m))) > 1 - NEAR_ONE for m, s, c in subtask_fits[group])

    t.same("deterministic", "series present in both", sorted(set(pe) ^ set(pp)), [])
    for k in pe.keys() & pp.keys():
        a, b = pe[k], pp[k]
        where = "/".join(str(v) for v in k)
        ys = [p["value"] for p in a["points"]]
        span = (max(ys) - min(ys)) if ys else 1.0
        for f in ("emergence_score", "gain_abs", "gain_rel"):
            t.num("deterministic", f, a[f], b[f], DET, where=where)
        t.same("deterministic", "emergence_score_note", a["emergence_score_note"], b["emergence_score_note"], where)
        t.same("deterministic", "ci_method", a["ci_method"], b["ci_method"], where)
        t.mc["emergence_score_ci presence differs (share of series)"].append(float((a["emergence_score_ci"] is None) != (b["emergence_score_ci"] is None)))
        if a["emergence_score_ci"] and b["emergence_score_ci"]:
            width = a["emergence_score_ci"][1] - a["emergence_score_ci"][0]
            for i in (0, 1):
                t.montecarlo("emergence_score_ci, / its width", a["emergence_score_ci"][i], b["emergence_score_ci"][i], width)
        fe = {f["model"]: f for f in a["fits"]}
        fp = {f["model"]: f for f in b["fits"]}
        t.same("fitted", "fitted models", sorted(fe), sorted(fp), where)
        for name in fe.keys() & fp.keys():
            x, y = fe[name], fp[name]
            w = f"{where} {name}"
            if name == "broken-power-law":
                compare_bpl(t, x, y, span, w)
                continue
            if x.get("converged") is False and "parameters" in x and "parameters" not in y:
                t.stats[("fitted", f"{name}: not converged in either (not compared)")]["n"] += 1
                continue
            t.same("fitted", f"{name} converged", x.get("converged"), y.get("converged"), w)
            if "parameters" in x and "parameters" in y:
                xv = [p["value"] for p in x["parameters"]]
                for p, q in zip(x["parameters"], y["parameters"]):
                    t.num("fitted", f"{name} parameter value", p["value"], q["value"], FIT, scale=1e-3 * max(1.0, *map(abs, xv)), where=f"{w} {p['name']}")
                    t.num("fitted", f"{name} parameter se", p["se"], q["se"], FIT_SE, where=f"{w} {p['name']}")
                t.rss("fitted", f"{name} rss", x["rss"], y["rss"], x["n"], span, where=w)
                t.num("fitted", f"{name} aicc", x["aicc"], y["aicc"], FIT, where=w)
            if x.get("holdout") and y.get("holdout"):
                hx, hy = x["holdout"], y["holdout"]
                # A full fit with its ceiling at the bound is a poor warm start: emerge's
                # sigmoid-mapped ceiling then sits at 1 - 4e-16, where it cannot move (see the
                # docstring); emerge_py's happened to round to 1.0 and fell back to every start.
                at_bound = name == "logistic" and any(p["name"] == "ceiling" and p["value"] > 1 - SATURATED for f in (x, y) for p in f.get("parameters", []))
                hcls, tag = ("diagnostic", " (full fit's ceiling at the bound)") if at_bound else ("fitted", "")
                t.num(hcls, f"{name} holdout predicted{tag}", hx["predicted"], hy["predicted"], FIT, scale=span, where=w, floor=TINY)
                if hx["interval"] and hy["interval"]:
                    for i in (0, 1):
                        t.num(hcls, f"{name} holdout interval{tag}", hx["interval"][i], hy["interval"][i], FIT_SE, scale=span, where=w, floor=TINY)
                t.same(hcls, f"{name} holdout inside{tag}", hx["inside"], hy["inside"], w)
            elif x.get("holdout") and "did not converge" in (y.get("holdout_note") or ""):
                # emerge reports its refit's best start, converged or not (the hold-out JSON
                # does not say which); curve_fit raises.
                t.stats[("fitted", f"{name} holdout: emerge_py refit not converged (not compared)")]["n"] += 1
            else:
                t.same("fitted", f"{name} holdout presence", x.get("holdout") is None, y.get("holdout") is None, w)
        if a["composed"] or b["composed"]:
            ca, cb = a["composed"], b["composed"]
            t.same("fitted", "composed presence", ca is None, cb is None, where)
            if ca and cb:
                for p, q in zip(ca["points"], cb["points"]):
                    t.num("fitted", "composed predicted", p["predicted"], q["predicted"], FIT, where=where, floor=TINY)
                    if p["band"] and q["band"]:
                        for i in (0, 1):
                            t.num("fitted", "composed band", p["band"][i], q["band"][i], FIT_SE, where=where, floor=TINY)
                t.rss("fitted", "composed rss", ca["rss"], cb["rss"], len(ca["points"]), span, where=where)
                if ca["holdout"] and cb["holdout"]:
                    ccls, tag = ("diagnostic", " (a subtask's ceiling at the bound)") if saturated[k[:4]] else ("fitted", "")
                    t.num(ccls, f"composed holdout predicted{tag}", ca["holdout"]["predicted"], cb["holdout"]["predicted"], FIT, where=where, floor=TINY)
                    if ca["holdout"]["interval"] and cb["holdout"]["interval"]:
                        width = ca["holdout"]["interval"][1] - ca["holdout"]["interval"][0]
                        for i in (0, 1):
                            t.montecarlo("composed holdout interval (bootstrap sd), / width", ca["holdout"]["interval"][i], cb["holdout"]["interval"][i], width)
                else:
                    t.same("fitted", "composed holdout presence", ca["holdout"] is None, cb["holdout"] is None, where)
        t.same("fitted", "forecast count", len(a["forecasts"]), len(b["forecasts"]), where)
        for p, q in zip(a["forecasts"], b["forecasts"]):
            t.same("fitted", "forecast source", p["source"], q["source"], where)
            for f in ("crossing", "interval_low", "interval_high"):
                if p[f] is None or q[f] is None:
                    t.same("fitted", f"forecast {f} presence", p[f] is None, q[f] is None, where)
                    continue
                # A band edge where a subtask's rate is within 1e-6 of 1 hangs on finite
                # differences below 1e4 ulps: mostly rounding, in both tools (see above).
                xs_ = [c["at"]["log10"] for c in (p[f], q[f]) if c["at"]]
                fragile = f != "crossing" and p["source"] == "composed" and any(near_one(k[:4], v) for v in xs_)
                cls, tag = ("diagnostic", " (a subtask rate within 1e-6 of 1)") if fragile else ("fitted", "")
                t.same(cls, f"forecast {f} status{tag}", p[f]["status"], q[f]["status"], f"{where} t={p['threshold']}")
                if p[f]["at"] and q[f]["at"]:
                    t.num(cls, f"forecast {f} log10{tag}", p[f]["at"]["log10"], q[f]["at"]["log10"], FIT, where=where)

    ve = {(v["task"], v["family"], v["metric"], v["shots"]): v for v in se_["verdicts"]}
    vp = {(v["task"], v["family"], v["metric"], v["shots"]): v for v in sp["verdicts"]}
    t.same("deterministic", "verdicts present in both", sorted(set(ve) ^ set(vp), key=str), [])
    alpha = 1 - se_["options"]["confidence"]
    outcome_mismatch = 0
    for k in ve.keys() & vp.keys():
        a, b = ve[k], vp[k]
        t.same("deterministic", "verdict observation", a["observation"], b["observation"], str(k))
        t.same("deterministic", "verdict replicates", a["replicates"], b["replicates"], str(k))
        # T is about the number of points under the hypothesis, p-values are in [0, 1]:
        # differences are measured on those scales, not relative to values near 0.
        t.montecarlo("verdict statistic, / max(T, points)", a["statistic"], b["statistic"], max(abs(a["statistic"] or 0.0), a["points"] or 1.0))
        for f in ("p_value", "p_adjusted"):
            t.montecarlo(f"verdict {f} (absolute)", a[f], b[f], 1.0)
        near = a["p_adjusted"] is not None and abs(a["p_adjusted"] - alpha) < 0.02
        if a["outcome"] != b["outcome"] and not near:
            outcome_mismatch += 1
    t.same("monte carlo", "verdict outcomes differing (away from the threshold)", outcome_mismatch, 0)
    if "independence" in se_ and se_["independence"]:
        ie = {(v["model"], v["task"]): v for v in se_["independence"]}
        ip = {(v["model"], v["task"]): v for v in sp.get("independence", [])}
        t.same("deterministic", "independence rows", sorted(ie), sorted(ip))
        for k in ie.keys() & ip.keys():
            for f in ("items", "complete_items", "joint_rate", "independence_prediction", "ratio", "icc"):
                t.num("deterministic", f"independence {f}", ie[k][f], ip[k][f], DET, where=str(k))
            for f in ("joint_ci", "icc_ci"):
                if ie[k][f] and ip[k][f]:
                    for i in (0, 1):
                        t.num("deterministic", f"independence {f}", ie[k][f][i], ip[k][f][i], 1e-7, where=str(k))
    return t


def report(t):
    failed = False
    print(f"{'class':<14} {'quantity':<58} {'compared':>9} {'max rel diff':>13}  result")
    for (cls, what), s in sorted(t.stats.items()):
        ok = not s["bad"]
        if cls != "diagnostic":
            failed |= not ok
        res = "ok" if ok else f"{len(s['bad'])} differ" + (" (diagnostic)" if cls == "diagnostic" else "")
        print(f"{cls:<14} {what:<58} {s['n']:>9} {s['max']:>13.2e}  {res}")
    print(f"{'class':<14} {'quantity (scaled difference)':<58} {'compared':>9} {'median':>9} {'95%':>9} {'max':>9}  result (bounds on median, 95%)")
    for what, v in sorted(t.mc.items()):
        v = np.array(v)
        if v.size == 0:
            continue
        if "presence" in what:
            ok = v.mean() <= 0.02
            print(f"{'monte carlo':<14} {what:<58} {v.size:>9} {'':>9} {'':>9} {v.mean():>9.2e}  {'ok' if ok else 'TOO MANY'}")
        else:
            med, p95 = np.median(v), np.quantile(v, 0.95)
            bound = next(b for k, b in MC_BOUNDS.items() if k in what)
            ok = med <= bound[0] and p95 <= bound[1]
            print(f"{'monte carlo':<14} {what:<58} {v.size:>9} {med:>9.2e} {p95:>9.2e} {v.max():>9.2e}  {'ok' if ok else 'TOO FAR'} {bound}")
        failed |= not ok
    total = sum(t.bpl.values())
    if total:
        parts = ", ".join(f"{k} {v} ({100 * v / total:.1f}%)" for k, v in t.bpl.items())
        print(f"broken power law over {total} series: {parts}")
    for (cls, what), s in sorted(t.stats.items()):
        for rel, where, a, b in sorted(s["bad"], key=lambda r: -r[0])[:3]:
            print(f"  {cls}/{what}: {where}: emerge {a!r} vs python {b!r} (rel {rel:.2e})")
    print("EQUIVALENT" if not failed else "DIFFERENCES BEYOND TOLERANCE")
    return 0 if not failed else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(report(compare(sys.argv[1], sys.argv[2])))
