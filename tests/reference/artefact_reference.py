#!/usr/bin/env python3
"""Independent reference values for question 3 (`--pair`, src/analyze/artefact.rs).

Computed with numpy from the definitions, NOT from the Rust code:

1. each side's normalised emergence score B/(n - 1) in its preferred direction
   (Srivastava et al. 2022; -y when lower is better), D = S(strict) - S(continuous);
2. pseudo-counts of a side without counts: round(goodness * n), goodness = value, or
   1 - value when lower is better;
3. the Bhatia-Davis standard deviation of a [0, 1] mean without counts:
   sqrt(m (1 - m) / n), m = (n * value + 1/2) / (n + 1);
4. pooled subtasks: n = sum n_j, correct = sum k_j, continuous value = sum v_j n_j / sum n_j.

Output: one `key value` pair per line, floats printed with f"{x:.17g}".
Run:  python3 artefact_reference.py > artefact_reference.txt
"""
import math

import numpy as np


def out(key, x):
    print(f"{key} {float(x):.17g}")


def normalised(y, higher_is_better=True):
    y = np.asarray(y, dtype=float)
    if not higher_is_better:
        y = -y
    sign = np.sign(np.argmax(y) - np.argmin(y))
    b = sign * (y.max() - y.min()) / math.sqrt(np.median(np.diff(y) ** 2))
    return b / (len(y) - 1)


strict = [0.0, 0.01, 0.02, 0.1, 0.4, 0.8]
edit = [0.9, 0.8, 0.65, 0.5, 0.3, 0.15]
s, c = normalised(strict), normalised(edit, higher_is_better=False)
out("strict_normalized", s)
out("edit_normalized", c)
out("difference", s - c)
n = 300
for i, v in enumerate(edit):
    out(f"edit_pseudo_count:{i}", round((1 - v) * n))
for v in [0.0, 0.15, 0.5]:
    m = (n * v + 0.5) / (n + 1)
    out(f"bhatia_davis_sd:{v}", math.sqrt(m * (1 - m) / n))
# Two subtasks pooled: strict 12/100 and 30/200, continuous 0.4 on 100 and 0.25 on 200.
out("pooled_strict_rate", (12 + 30) / (100 + 200))
out("pooled_continuous", (0.4 * 100 + 0.25 * 200) / 300)
