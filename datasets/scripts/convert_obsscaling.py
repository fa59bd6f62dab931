#!/usr/bin/env python3
"""Converts the observational-scaling evaluation tables into emerge's tidy schema.

Source: Ruan, Maddison & Hashimoto (2024), "Observational Scaling Laws and the Predictability of
Language Model Performance" (NeurIPS 2024), repository ryoungj/ObsScaling, `eval_results/` at
commit 4d6e1e4, Apache-2.0.

Usage (from anywhere; Python 3 standard library only):
    python3 datasets/scripts/convert_obsscaling.py [SOURCE_DIR]

SOURCE_DIR defaults to ../shared/data/obsscaling relative to the repository root when that
directory exists, and otherwise to datasets/obsscaling/source/ (the bundled, unchanged copies).

What it writes (under datasets/obsscaling/, '\n' line endings, rows in source order):
  source/<file>                    byte-for-byte copies of the three CSVs, README.md and LICENSE
  obsscaling_base_llm.csv          tidy: base_llm_benchmark_eval.csv, one row per model x benchmark
  obsscaling_leaderboard_v2.csv    tidy: base_llm_leaderboard_v2_eval.csv, one row per model x task,
                                   with params, family and FLOPs joined by Model from
                                   base_llm_benchmark_eval.csv

Numbers:
  params = Model Size (B) x 10^9, exact (decimal arithmetic), written as a whole number;
  flops  = FLOPs (1E21) x 10^21, exact, written as repr() of the nearest double (empty when the
           source cell is empty);
  score  = the source cell, unchanged (the source already writes fractions).
`params_b`, `data_tokens_t` and `flops_1e21` keep the source cells as written. `source_line` is the
row's line in source/<file> (header = 1); in the leaderboard file, `size_source_line` is the line in
source/base_llm_benchmark_eval.csv that params, family and flops come from.

Empty score cells (missing evaluations) give no row; they are counted per benchmark on standard
output. base_llm_benchmark_eval_sub_10b.csv is copied into source/ but not converted: the script
checks that it is a subset of base_llm_benchmark_eval.csv with the same numbers, and says so.
Models that share a size within a family are kept (emerge treats them as distinct models); the
script lists them.
"""

import csv
import io
import os
import shutil
import sys
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
DATASETS = os.path.normpath(os.path.join(HERE, ".."))
REPO = os.path.normpath(os.path.join(DATASETS, ".."))
OUT = os.path.join(DATASETS, "obsscaling")
BUNDLED = os.path.join(OUT, "source")

MAIN = "base_llm_benchmark_eval.csv"
SUB10B = "base_llm_benchmark_eval_sub_10b.csv"
LEADERBOARD = "base_llm_leaderboard_v2_eval.csv"
COPIED = [MAIN, SUB10B, LEADERBOARD, "README.md", "LICENSE"]

SOURCE = "Ruan, Maddison & Hashimoto 2024 (Observational Scaling Laws), ryoungj/ObsScaling eval_results/{} @ 4d6e1e4"

# The eight benchmarks of the main table, in its column order. The source README: "accuracy or
# pass@1 as a fraction"; the ObsScaling README says HumanEval was run with EvalPlus (pass@1).
BENCHMARKS = ["MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA", "GSM8K", "XWinograd", "HumanEval"]
METRIC = {b: "accuracy" for b in BENCHMARKS}
METRIC["HumanEval"] = "pass@1"

# The leaderboard file's task columns. Neither the file nor the source README names the metric
# of each task, so the metric is the neutral `score`.
LEADERBOARD_TASKS = ["leaderboard_bbh", "leaderboard_gpqa", "leaderboard_ifeval", "leaderboard_math_hard",
                     "leaderboard_mmlu_pro", "leaderboard_musr"]

COLUMNS = ["model", "params", "family", "task", "subtask", "metric", "shots", "score", "flops",
           "params_b", "data_tokens_t", "flops_1e21", "source", "source_line"]


def read(src_dir, name):
    path = os.path.join(src_dir, name)
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path, encoding="utf-8", newline="") as f:
        assert sum(1 for _ in f) == len(rows) + 1, f"{name}: a quoted field spans lines"
    for i, row in enumerate(rows):
        row["_line"] = str(i + 2)
    return rows


def whole(value: str, scale: int) -> str:
    """value x 10^scale, exact; must be a whole number."""
    d = Decimal(value) * (Decimal(10) ** scale)
    assert d == d.to_integral_value() and d > 0, (value, scale)
    return str(int(d))


def flops(value: str) -> str:
    """FLOPs (1E21) x 10^21, exact, written as repr() of the nearest double."""
    if value == "":
        return ""
    d = Decimal(value) * (Decimal(10) ** 21)
    assert d > 0, value
    return repr(float(d))


def score(value: str, where: str) -> str:
    v = float(value)
    assert 0.0 <= v <= 1.0, f"{where}: score {value} outside [0, 1]"
    return value


def check_and_write(name, columns, rows):
    keys, sizes = {}, {}
    for r in rows:
        key = (r["model"], r["task"], r["subtask"], r["metric"], r["shots"])
        assert key not in keys, f"{name}: duplicate {key}"
        keys[key] = r["source_line"]
        assert sizes.setdefault(r["model"], r["params"]) == r["params"], f"{name}: {r['model']} has two sizes"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def shared_sizes(rows):
    """(family, params) -> models, for every size that more than one model of a family holds."""
    at = {}
    for r in rows:
        models = at.setdefault((r["family"], r["params"]), [])
        if r["model"] not in models:
            models.append(r["model"])
    return {k: v for k, v in at.items() if len(v) > 1}


def base_llm(src_dir):
    out, empty = [], {b: 0 for b in BENCHMARKS}
    source = SOURCE.format(MAIN)
    src = read(src_dir, MAIN)
    for r in src:
        for b in BENCHMARKS:
            if r[b] == "":
                empty[b] += 1
                continue
            out.append(dict(model=r["Model"], params=whole(r["Model Size (B)"], 9), family=r["Model Family"],
                            task=b, subtask="", metric=METRIC[b], shots="",
                            score=score(r[b], f"{MAIN}:{r['_line']}"), flops=flops(r["FLOPs (1E21)"]),
                            params_b=r["Model Size (B)"], data_tokens_t=r["Pretraining Data Size (T)"],
                            flops_1e21=r["FLOPs (1E21)"], source=source, source_line=r["_line"]))
    check_and_write("obsscaling_base_llm.csv", COLUMNS, out)
    print(f"obsscaling_base_llm.csv: {len(out)} rows from {len(src)} models x {len(BENCHMARKS)} benchmarks; "
          f"{sum(empty.values())} empty cells give no row")
    for b in BENCHMARKS:
        if empty[b]:
            print(f"  {b}: {empty[b]} empty")
    no_flops = sum(1 for r in src if r["FLOPs (1E21)"] == "")
    for r in src:
        # FLOPs and data size are given together, and FLOPs = 6 N D (to the source's float residue).
        assert (r["FLOPs (1E21)"] == "") == (r["Pretraining Data Size (T)"] == ""), r["Model"]
        if r["FLOPs (1E21)"]:
            six_nd = 6 * Decimal(r["Model Size (B)"]) * Decimal(r["Pretraining Data Size (T)"])
            assert abs(Decimal(r["FLOPs (1E21)"]) - six_nd) <= Decimal("1e-12") * six_nd, r["Model"]
    print(f"  {no_flops} models have no FLOPs (and no data size) in the source; their rows have an empty flops cell; "
          f"for the other {len(src) - no_flops}, FLOPs (1E21) = 6 x Model Size (B) x Pretraining Data Size (T)")
    for (family, params), models in shared_sizes(out).items():
        print(f"  shared size: {family} {params}: {', '.join(models)}")
    return src


def leaderboard_v2(src_dir, main_rows):
    by_model = {r["Model"]: r for r in main_rows}
    out = []
    source = SOURCE.format(LEADERBOARD)
    src = read(src_dir, LEADERBOARD)
    for r in src:
        m = by_model.get(r["Model"])
        assert m is not None, f"{LEADERBOARD}:{r['_line']}: {r['Model']} is not in {MAIN}"
        for t in LEADERBOARD_TASKS:
            assert r[t] != "", f"{LEADERBOARD}:{r['_line']}: empty {t}"
            out.append(dict(model=r["Model"], params=whole(m["Model Size (B)"], 9), family=m["Model Family"],
                            task=t, subtask="", metric="score", shots="",
                            score=score(r[t], f"{LEADERBOARD}:{r['_line']}"), flops=flops(m["FLOPs (1E21)"]),
                            params_b=m["Model Size (B)"], data_tokens_t=m["Pretraining Data Size (T)"],
                            flops_1e21=m["FLOPs (1E21)"], source=source, source_line=r["_line"],
                            size_source_line=m["_line"]))
    check_and_write("obsscaling_leaderboard_v2.csv", COLUMNS + ["size_source_line"], out)
    print(f"obsscaling_leaderboard_v2.csv: {len(out)} rows from {len(src)} models x {len(LEADERBOARD_TASKS)} tasks; "
          f"no empty cells; every model found in {MAIN}")
    for (family, params), models in shared_sizes(out).items():
        print(f"  shared size: {family} {params}: {', '.join(models)}")


def sub_10b(src_dir, main_rows):
    """The sub-10B table must be a subset of the main table with the same numbers."""
    by_model = {r["Model"]: r for r in main_rows}
    sub = read(src_dir, SUB10B)
    reprinted = 0
    for r in sub:
        m = by_model.get(r["Model"])
        assert m is not None, f"{SUB10B}:{r['_line']}: {r['Model']} not in {MAIN}"
        assert float(r["Model Size (B)"]) < 10
        differs = False
        for k, v in r.items():
            if k == "_line":
                continue
            if v != m[k]:
                # Same number printed with one digit fewer (the main table has 17 significant digits).
                assert v != "" and m[k] != "" and abs(float(v) - float(m[k])) <= 1e-15, (r["Model"], k, v, m[k])
                differs = True
        reprinted += differs
    missing = [r["Model"] for r in main_rows if float(r["Model Size (B)"]) < 10 and r["Model"] not in
               {s["Model"] for s in sub}]
    print(f"{SUB10B}: not converted: its {len(sub)} models are all in {MAIN} with the same numbers "
          f"({reprinted} models print some cells with one digit fewer, |difference| <= 1e-15); "
          f"{len(missing)} models under 10B of {MAIN} are not in it: {', '.join(missing)}")


def main():
    if len(sys.argv) > 1:
        src_dir = sys.argv[1]
    else:
        shared = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "obsscaling"))
        src_dir = shared if os.path.isdir(shared) else BUNDLED
    print(f"reading {src_dir}")
    os.makedirs(BUNDLED, exist_ok=True)
    if os.path.abspath(src_dir) != os.path.abspath(BUNDLED):
        for name in COPIED:
            shutil.copyfile(os.path.join(src_dir, name), os.path.join(BUNDLED, name))
    main_rows = base_llm(src_dir)
    leaderboard_v2(src_dir, main_rows)
    sub_10b(src_dir, main_rows)


if __name__ == "__main__":
    main()
