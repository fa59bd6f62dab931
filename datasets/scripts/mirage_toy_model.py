#!/usr/bin/env python3
"""Writes datasets/mirage_toy_model.csv: the toy model of Schaeffer, Miranda & Koyejo (2023), Fig. 2.

Cross-entropy per token falls as a power law in parameters, L_CE(N) = (N / c) ** alpha, so the
per-token probability of the right token is p(N) = exp(-L_CE(N)) = exp(-(N / c) ** alpha).
The paper publishes no constants; alpha = -0.5 and c = 2e9 reproduce its Fig. 2 points at the
four GPT-3 API sizes (ada ~350M, babbage ~1.3B, curie ~6.7B, davinci ~175B). These are computed
numbers, not measurements. The formula is the same as tests/reference/spine_reference.py §4.

Pure Python, no dependencies. Usage (from anywhere):
    python3 datasets/scripts/mirage_toy_model.py [OUTPUT_CSV]
"""

import math
import os
import sys

ALPHA = -0.5
C = 2e9
MODELS = [  # (name, parameters), ascending
    ("ada", 350_000_000),
    ("babbage", 1_300_000_000),
    ("curie", 6_700_000_000),
    ("davinci", 175_000_000_000),
]
HEADER = ["model", "params", "family", "task", "subtask", "metric", "score"]


def per_token_probability(n: float) -> float:
    return math.exp(-((n / C) ** ALPHA))


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "mirage_toy_model.csv")
    lines = [",".join(HEADER)]
    for name, n in MODELS:
        p = per_token_probability(float(n))
        assert 0.0 < p < 1.0
        score = "%.17g" % p
        assert float(score) == p  # 17 significant digits round-trip exactly
        lines.append(",".join([name, str(n), "GPT-3 (OpenAI API)", "mirage_toy", "token",
                               "per_token_probability", score]))
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
