#!/usr/bin/env python3
"""Converts the published numbers in shared/data/ into emerge's tidy schema.

Usage (from anywhere; Python 3 standard library only):
    python3 datasets/scripts/convert_shared.py [SOURCE_DIR]

SOURCE_DIR defaults to ../shared/data relative to the repository root when that directory
exists, and otherwise to datasets/source/ (the bundled, unchanged copies), so the tidy files
can always be regenerated from what the repository holds.

What it writes (all under datasets/, '\n' line endings, rows in source order):
  source/<file>                    byte-for-byte copies of every source CSV (and its README.md)
  gpt3_arithmetic.csv              tidy
  flan_bbh_subtasks_by_size.csv    tidy
  mmlu_multifamily_by_size.csv     tidy
  wei2022_cot_arithmetic_reasoning_by_size.csv   tidy
  wei2022_emergence_scales.csv     NOT tidy: Wei et al. 2022 Table 1 (scales, not scores), verbatim

Every number is the source's own: scores are the source percentage divided by 100 exactly
(decimal arithmetic, written as repr() of the nearest double), and the percentage as written in
the source is kept in `score_pct`. `source_line` is the row's line in source/<file> (header = 1).
Rows that cannot go into a tidy file (no parameter count, not a [0, 1] score, or a second copy of
a number already present) are left out and listed on standard output with the reason; the
README documents them. The script checks each tidy file before writing it: no duplicate
(model, task, subtask, metric, shots), one params value per model, scores in [0, 1], and no two
models at the same size in one (task, family, metric, shots) series.
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
BUNDLED = os.path.join(DATASETS, "source")

SOURCES = [
    "gpt3_arithmetic.csv",
    "flan_bbh_subtasks_by_size.csv",
    "mmlu_multifamily_by_size.csv",
    "wei2022_cot_arithmetic_reasoning_by_size.csv",
    "wei2022_emergent_table1.csv",
]

# `metric` in the sources names the unit (`accuracy_pct`); the tidy score is a fraction.
METRICS = {"accuracy_pct": "accuracy", "exact_match_pct": "exact_match", "solve_rate_pct": "solve_rate"}


def fraction(pct: str) -> str:
    """The percentage divided by 100 exactly, written as repr() of the nearest double."""
    value = float(Decimal(pct) / Decimal(100))
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"score {pct}% is outside [0, 100]")
    return repr(value)


def spans(lines):
    """[2, 3, 4, 9] -> '2-4, 9'."""
    out, start = [], lines[0]
    for prev, cur in zip(lines, lines[1:] + [None]):
        if cur != prev + 1:
            out.append(f"{start}-{prev}" if start != prev else f"{start}")
            start = cur
    return ", ".join(out)


def read(src_dir: str, name: str):
    with open(os.path.join(src_dir, name), encoding="utf-8", newline="") as f:
        # Line numbers: the header is line 1 and no field spans lines (checked below).
        rows = list(csv.DictReader(f))
    with open(os.path.join(src_dir, name), encoding="utf-8", newline="") as f:
        assert sum(1 for _ in f) == len(rows) + 1, f"{name}: a quoted field spans lines"
    for i, row in enumerate(rows):
        row["_line"] = str(i + 2)
    return rows


class Tidy:
    """One tidy output file: rows, the rows left out, and the checks."""

    def __init__(self, name: str, columns):
        self.name = name
        self.columns = columns
        self.rows = []
        self.left_out = []  # (source line, model, reason)

    def add(self, **row):
        assert set(row) == set(self.columns), set(row) ^ set(self.columns)
        self.rows.append(row)

    def leave_out(self, src_row, reason: str):
        self.left_out.append((src_row["_line"], src_row.get("model", ""), reason))

    def check(self):
        keys, sizes, series = {}, {}, {}
        for r in self.rows:
            key = (r["model"], r["task"], r["subtask"], r["metric"], r["shots"])
            assert key not in keys, f"{self.name}: duplicate {key} (lines {keys[key]} and {r['source_line']})"
            keys[key] = r["source_line"]
            assert sizes.setdefault(r["model"], r["params"]) == r["params"], f"{self.name}: {r['model']} two sizes"
            assert 0.0 <= float(r["score"]) <= 1.0
            assert float(r["score"]) == float(Decimal(r["score_pct"]) / Decimal(100))
            at = (r["task"], r["family"], r["metric"], r["shots"], r["subtask"], r["params"])
            other = series.setdefault(at, r["model"])
            assert other == r["model"], f"{self.name}: {other} and {r['model']} share one size in one series"

    def write(self):
        self.check()
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=self.columns, lineterminator="\n")
        w.writeheader()
        w.writerows(self.rows)
        with open(os.path.join(DATASETS, self.name), "w", encoding="utf-8", newline="") as f:
            f.write(buf.getvalue())
        print(f"{self.name}: {len(self.rows)} rows, {len(self.left_out)} left out")
        groups = {}  # (model, reason) -> source lines, in order
        for line, model, reason in self.left_out:
            groups.setdefault((model, reason), []).append(int(line))
        for (model, reason), lines in groups.items():
            print(f"  left out {model}, {len(lines)} row(s), line(s) {spans(lines)}: {reason}")


def gpt3_arithmetic(src_dir):
    """Brown et al. 2020: task `arithmetic`, the ten operations as subtasks, shots 0/1/50."""
    t = Tidy("gpt3_arithmetic.csv", ["model", "params", "family", "task", "subtask", "metric", "shots",
                                     "score", "score_pct", "source", "verified", "note", "source_line"])
    for r in read(src_dir, "gpt3_arithmetic.csv"):
        t.add(model=r["model"], params=r["params"], family="GPT-3", task="arithmetic", subtask=r["task"],
              metric=METRICS[r["metric"]], shots=r["shots"], score=fraction(r["score"]), score_pct=r["score"],
              source=r["source"], verified=r["verified"], note=r["note"], source_line=r["_line"])
    t.write()


PROMPTING = {"Direct": "direct", "direct": "direct", "CoT": "cot", "standard": "standard"}


def flan_bbh(src_dir):
    """Chung et al. 2022 Tables 17-18: task `bbh-direct` / `bbh-cot`, the 18 subtasks."""
    t = Tidy("flan_bbh_subtasks_by_size.csv",
             ["model", "params", "family", "task", "subtask", "metric", "shots", "score", "score_pct",
              "prompting", "architecture", "source", "verified", "note", "source_line"])
    for r in read(src_dir, "flan_bbh_subtasks_by_size.csv"):
        if not r["params"]:
            t.leave_out(r, "no parameter count in the source (OpenAI API model; size not stated)")
            continue
        prompting = PROMPTING[r["prompting"]]
        t.add(model=r["model"], params=r["params"], family=r["family"], task=f"bbh-{prompting}",
              subtask=r["subtask"], metric=METRICS[r["metric"]], shots=r["shots"], score=fraction(r["score"]),
              score_pct=r["score"], prompting=prompting, architecture=r["architecture"], source=r["source"],
              verified=r["verified"], note=r["note"], source_line=r["_line"])
    t.write()


# LLaMA Table 10 lists PaLM-cont and Flan-PaLM-cont under the PaLM / Flan-PaLM families; Chung
# et al. (and this file's own Chung rows) call these models cont-PaLM and Flan-cont-PaLM. Left
# in PaLM, each would sit at 62B next to PaLM 62B in one series.
MMLU_FAMILY = {"PaLM-cont 62B": "cont-PaLM", "Flan-PaLM-cont 62B": "Flan-cont-PaLM"}

# Rows that repeat a number already in the file for the same model and setting.
MMLU_REPEATS = {
    ("Chinchilla 70B", "Table 10"): "repeats LLaMA Table 9's Chinchilla 70B MMLU average (67.5), kept from Table 9",
    ("LLaMA 65B", "Table 10"): "repeats LLaMA Table 9's LLaMA 65B MMLU average (63.4), kept from Table 9",
    ("PaLM 62B", "Table 10"): "a second evaluation of PaLM 62B (Flan paper re-evaluation, 55.1) where Table 9 gives "
                              "the PaLM paper's 53.7; task `mmlu` keeps Table 9's, and 55.1 is in task `mmlu-direct` "
                              "(Chung et al. Table 5)",
    ("GPT-3 X-Large (Davinci)", "5"): "the same model and number as LLaMA Table 9's GPT-3 175B (43.9, 5-shot), "
                                      "kept from Table 9 with its four category scores",
}


def mmlu_multifamily(src_dir):
    """MMLU (and Flan Table 5's BBH, TyDiQA, MGSM averages) across families.

    task: `mmlu` for the LLaMA Tables 9-10 and Hendrycks et al. rows; `<benchmark>-direct` and
    `<benchmark>-cot` for Chung et al. Table 5, whose own evaluation differs from the others'.
    `Average` rows are task-level (empty subtask); MMLU's four categories are subtasks.
    """
    t = Tidy("mmlu_multifamily_by_size.csv",
             ["model", "params", "family", "task", "subtask", "metric", "shots", "score", "score_pct",
              "prompting", "architecture", "source", "verified", "note", "source_line"])
    for r in read(src_dir, "mmlu_multifamily_by_size.csv"):
        if r["metric"] not in METRICS:
            t.leave_out(r, f"metric {r['metric']} (Flan Table 5 'Norm. avg.') is not a rate in [0, 1]; "
                           f"it is negative for some models")
            continue
        if not r["params"]:
            t.leave_out(r, "no parameter count in the source" +
                        (" (the random-chance baseline, 25%: use --chance 0.25)" if r["family"] == "Random" else ""))
            continue
        table = "Table 10" if "Table 10" in r["source"] else None
        repeat = MMLU_REPEATS.get((r["model"], table)) or MMLU_REPEATS.get((r["model"], r["shots"]))
        if repeat:
            t.leave_out(r, repeat)
            continue
        subset = r["subset"]
        if subset.endswith("(direct)") or subset.endswith("(CoT)"):
            prompting = "direct" if subset.endswith("(direct)") else "cot"
            task = f"{r['benchmark'].lower()}-{prompting}"
            subset = subset.rsplit(" (", 1)[0]
        else:
            assert r["benchmark"] == "MMLU"
            prompting, task = "", "mmlu"
        subtask = "" if subset == "Average" else subset
        t.add(model=r["model"], params=r["params"], family=MMLU_FAMILY.get(r["model"], r["family"]), task=task,
              subtask=subtask, metric=METRICS[r["metric"]], shots=r["shots"], score=fraction(r["score"]),
              score_pct=r["score"], prompting=prompting, architecture=r["architecture"], source=r["source"],
              verified=r["verified"], note=r["note"], source_line=r["_line"])
    t.write()


def wei_cot(src_dir):
    """Wei et al. 2022 (CoT) Table 2: task `arithmetic-reasoning-standard` / `-cot`, the five
    benchmarks as subtasks."""
    t = Tidy("wei2022_cot_arithmetic_reasoning_by_size.csv",
             ["model", "params", "family", "task", "subtask", "metric", "shots", "score", "score_pct",
              "prompting", "architecture", "source", "verified", "note", "source_line"])
    for r in read(src_dir, "wei2022_cot_arithmetic_reasoning_by_size.csv"):
        if not r["params"]:
            t.leave_out(r, "no parameter count in the source (Codex, an OpenAI API model)")
            continue
        prompting = PROMPTING[r["prompting"]]
        assert r["shots"] == "few-shot (8 exemplars per paper setup; not re-checked)", r["shots"]
        t.add(model=r["model"], params=r["params"], family=r["family"],
              task=f"arithmetic-reasoning-{prompting}", subtask=r["benchmark"], metric=METRICS[r["metric"]],
              shots="few-shot", score=fraction(r["score"]), score_pct=r["score"], prompting=prompting,
              architecture=r["architecture"], source=r["source"], verified=r["verified"], note=r["note"],
              source_line=r["_line"])
    t.write()


def wei_table1(src_dir):
    """Wei et al. 2022 Table 1 holds the scale at which abilities emerged, not scores: kept as it
    is, under a name that says so."""
    shutil.copyfile(os.path.join(src_dir, "wei2022_emergent_table1.csv"),
                    os.path.join(DATASETS, "wei2022_emergence_scales.csv"))
    print("wei2022_emergence_scales.csv: verbatim copy of wei2022_emergent_table1.csv (not tidy)")


def main():
    if len(sys.argv) > 1:
        src_dir = sys.argv[1]
    else:
        shared = os.path.normpath(os.path.join(REPO, "..", "shared", "data"))
        src_dir = shared if os.path.isdir(shared) else BUNDLED
    print(f"reading {src_dir}")
    if os.path.abspath(src_dir) != os.path.abspath(BUNDLED):
        os.makedirs(BUNDLED, exist_ok=True)
        for name in SOURCES + ["README.md"]:
            shutil.copyfile(os.path.join(src_dir, name), os.path.join(BUNDLED, name))
    gpt3_arithmetic(src_dir)
    flan_bbh(src_dir)
    mmlu_multifamily(src_dir)
    wei_cot(src_dir)
    wei_table1(src_dir)


if __name__ == "__main__":
    main()
