#!/usr/bin/env python3
"""Independent reference values for emerge's series emergence scores (`score_series`).

Computed with numpy, NOT derived from the Rust code. The rule being checked:

1. models of one size are merged into the mean of their values (numpy.unique + bincount
   here; a sort and a run scan in Rust);
2. the merged series is scored in its preferred direction: y, or -y when lower is better;
3. B = sign(argmax - argmin) * (max - min) / sqrt(median of squared successive differences)
   (Srivastava et al. 2022, as used by Schaeffer et al. 2023), first-occurrence argmax/argmin,
   even-count median = mean of the two middle values;
4. per step: B / (n - 1), n the number of distinct sizes.

Output: one `key value` pair per line, floats printed with f"{x:.17g}".
Run:  /tmp/refvenv/bin/python emergence_reference.py > emergence_reference.txt
"""
import math

import numpy as np


def out(key, x):
    print(f"{key} {float(x):.17g}")


def breakthroughness(y):
    y = np.asarray(y, dtype=float)
    sign = np.sign(np.argmax(y) - np.argmin(y))
    return sign * (y.max() - y.min()) / math.sqrt(np.median(np.diff(y) ** 2))


def score_series(sizes, y, higher_is_better):
    """(B, B / (n - 1)) of the merged series in its preferred direction."""
    sizes, y = np.asarray(sizes, dtype=float), np.asarray(y, dtype=float)
    distinct, which = np.unique(sizes, return_inverse=True)
    merged = np.bincount(which, weights=y) / np.bincount(which)
    b = breakthroughness(merged if higher_is_better else -merged)
    return b, b / (len(distinct) - 1)


# ---- 1. A smooth 30 -> 42% series with a 60% chat model beside the 7B base model ----------
chat_sizes = [1e9, 2e9, 7e9, 7e9, 13e9, 30e9]
chat_y = [0.30, 0.33, 0.36, 0.60, 0.39, 0.42]
out("chat_unmerged", breakthroughness(chat_y))
b, per_step = score_series(chat_sizes, chat_y, True)
out("chat_merged", b)
out("chat_merged_normalized", per_step)

# ---- 2. Steady change: B = n - 1, per step 1 -------------------------------------------
for n in [4, 8, 16]:
    b, per_step = score_series([1e8 * 2**i for i in range(n)], [0.25 + 0.5 * i / 16 for i in range(n)], True)
    out(f"steady:n={n}", b)
    out(f"steady_normalized:n={n}", per_step)

# ---- 3. The Mirage toy model's edit distance L(1 - p), lower is better -------------------
# p = exp(-(N/c)^alpha), alpha = -0.5, c = 2e9 (as spine_reference.py).
toy_sizes = [350e6, 1.3e9, 6.7e9, 175e9]
p = np.exp(-((np.array(toy_sizes) / 2e9) ** -0.5))
for L in range(1, 6):
    b, per_step = score_series(toy_sizes, L * (1 - p), False)
    out(f"editdist_improving:L={L}", b)
    out(f"editdist_improving_normalized:L={L}", per_step)

# ---- 4. The seed example's compounds, six sizes: per step of the spine's scores ---------
# log10 params x in [8.0 .. 10.0], p = 0.4 + 0.2*(x-8)/2 evaluated as in spine_reference.py.
xs = [8.0, 8.4, 8.8, 9.2, 9.6, 10.0]
seed_p = [0.4 + 0.2 * (x - 8) / 2 for x in xs]
seed_sizes = [10**x for x in xs]
out("seed_all_normalized", score_series(seed_sizes, [q**5 for q in seed_p], True)[1])
out("seed_mean_normalized", score_series(seed_sizes, seed_p, True)[1])
