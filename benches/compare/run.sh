#!/usr/bin/env bash
# Whole-process comparison of `emerge analyze` with the pandas + numpy + scipy implementation
# of the same analysis in benches/python/, on the same inputs, in the same run, alternating.
#
#   EMERGE_BIN=target/release/emerge bash benches/compare/run.sh
#
# Inputs (README.md in this directory): (c) the seed example with --n 1000, (b) 10 million
# item-level rows from `emerge simulate`, (a) the multi-family corpus of make_corpus_a.py.
# Every run is timed with /usr/bin/time (wall, max RSS, user and system CPU) and the 1-minute
# load average is recorded before it; the Markdown table at the end gives medians and the ratio
# Python / emerge. The outputs of the timed runs are then compared number by number
# (benches/python/check_equivalence.py): the table only stands if they agree.
#
# Environment, with defaults:
#   EMERGE_BIN     the emerge binary, a release build [$CARGO_TARGET_DIR/release/emerge, else target/release/emerge]
#   PYTHON         interpreter the virtual environment is made with, 3.11+ [python3]
#   BENCH_VENV     virtual environment for benches/python/requirements.txt
#                  [${XDG_CACHE_HOME:-$HOME/.cache}/emerge-bench-venv]
#   BENCH_DIR      generated inputs, outputs and the recorded runs
#                  [${XDG_CACHE_HOME:-$HOME/.cache}/emerge-bench-compare]
#   INPUTS         which inputs, in order ["c b a"]
#   RUNS_C RUNS_B RUNS_A   runs per tool on each input [3 3 1]
#   SCALE          families of corpus (a) both tools run on, 1..40 [4]; 40 is the full corpus.
#                  Python takes about 3 min per family on a 2-core EPYC (125-142 ms per series,
#                  about 2 h for all 40, single process), hence the default; see README.md.
#   EMERGE_FULL_A  1: also time emerge alone on the full 40-family corpus, so that the full-size
#                  ratio rests on emerge measured at full size and Python's measured per-series
#                  cost [1]
#   PY_JOBS        worker processes for the Python analysis (emerge_py.py --jobs) [1]
#   CHECK          1: compare the timed runs' outputs (fails the run if they differ) [1]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
emerge=${EMERGE_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/emerge}
python=${PYTHON:-python3}
cache=${XDG_CACHE_HOME:-$HOME/.cache}
venv=${BENCH_VENV:-$cache/emerge-bench-venv}
work=${BENCH_DIR:-$cache/emerge-bench-compare}
inputs=${INPUTS:-c b a}
runs_a=${RUNS_A:-1}
runs_b=${RUNS_B:-3}
runs_c=${RUNS_C:-3}
scale=${SCALE:-4}
emerge_full_a=${EMERGE_FULL_A:-1}
py_jobs=${PY_JOBS:-1}
check=${CHECK:-1}
pydir=$root/benches/python

die() { echo "run.sh: $*" >&2; exit 1; }

[[ -x $emerge ]] || die "no emerge binary at $emerge: build one with 'cargo build --release' or set EMERGE_BIN"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: it records max RSS and CPU time; install the 'time' package (nothing is installed for you)"
command -v "$python" >/dev/null 2>&1 || die "$python not found; set PYTHON to a Python 3.11+ interpreter"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "$python is older than 3.11; set PYTHON"
[[ $scale =~ ^[0-9]+$ && $scale -ge 1 && $scale -le 40 ]] || die "SCALE must be a number of families, 1..40 (got $scale)"

# The virtual environment, reused while requirements.txt is unchanged (as notebooks/venv.sh).
requirements=$pydir/requirements.txt
want=$(sha256sum "$requirements" | cut -d' ' -f1)
stamp=$venv/.emerge-bench-requirements.sha256
if [[ -x $venv/bin/python && -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
    echo "run.sh: $venv is up to date with requirements.txt (sha256 ${want:0:12})" >&2
else
    [[ -x $venv/bin/python ]] || "$python" -m venv "$venv" || die "'$python -m venv $venv' failed (Debian/Ubuntu: install python3-venv)"
    rm -f "$stamp"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
    printf '%s\n' "$want" > "$stamp.tmp" && mv "$stamp.tmp" "$stamp"
    echo "run.sh: installed requirements.txt into $venv" >&2
fi
vpy=$venv/bin/python

mkdir -p "$work/inputs" "$work/out"
tsv=$work/runs.tsv
printf 'input\ttool\trun\twall_s\tmax_rss_kb\tuser_s\tsys_s\tload1\tseries\n' > "$tsv"

# Generated inputs are kept while the command that made them is unchanged.
generate() {  # file, command...
    local file=$1; shift
    local recipe
    recipe="$* $(sha256sum "$here/make_corpus_a.py" | cut -c1-16) $("$emerge" --version)"
    if [[ -f $file && -f $file.recipe && "$(cat "$file.recipe")" == "$recipe" ]]; then
        return
    fi
    echo "run.sh: generating $file" >&2
    "$@" > "$file.tmp"
    mv "$file.tmp" "$file"
    printf '%s\n' "$recipe" > "$file.recipe"
}

measure() {  # input, tool, run, series, command...
    local input=$1 tool=$2 run=$3 series=$4; shift 4
    local load wall rss user sys
    load=$(cut -d' ' -f1 /proc/loadavg)
    if ! /usr/bin/time -f '%e %M %U %S' -o "$work/time.txt" "$@" > "$work/log.txt" 2>&1; then
        tail -20 "$work/log.txt" >&2
        die "$tool on $input failed: $*"
    fi
    read -r wall rss user sys < <(tail -1 "$work/time.txt")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$input" "$tool" "$run" "$wall" "$rss" "$user" "$sys" "$load" "$series" >> "$tsv"
    printf 'run.sh: %s, %s, run %s: %s s wall, %s s CPU, %s MB max RSS (load %s)\n' \
        "$input" "$tool" "$run" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')" "$((rss / 1024))" "$load" >&2
}

equivalent() {  # label, emerge out, python out
    [[ $check == 1 ]] || return 0
    local log=$work/check-$1.txt
    if "$vpy" "$pydir/check_equivalence.py" "$2" "$3" > "$log"; then
        echo "run.sh: $1: outputs agree ($(grep -c '' "$log") lines in $log)" >&2
    else
        cat "$log" >&2
        die "$1: emerge and the Python implementation disagree (see $log)"
    fi
}

fresh() { rm -rf "$1"; }

{
    echo "## Machine"
    echo
    echo "- $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, Linux $(uname -r)"
    echo "- $("$emerge" --version) ($emerge); $("$vpy" -c 'import sys, numpy, pandas, scipy; print(f"Python {sys.version.split()[0]}, numpy {numpy.__version__}, pandas {pandas.__version__}, scipy {scipy.__version__}")')"
    echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); at start: $(uptime)"
    echo "- Python analysis in $py_jobs process(es) (PY_JOBS); emerge uses every core"
} > "$work/machine.md"
cat "$work/machine.md" >&2

seed=$root/datasets/seed_example.csv
for input in $inputs; do
    case $input in
    c)
        cat "$seed" > /dev/null
        for ((i = 1; i <= runs_c; i++)); do
            fresh "$work/out/c-emerge"; measure "(c) seed, --n 1000" "emerge, charts" "$i" "" \
                "$emerge" analyze "$seed" --n 1000 -q --out "$work/out/c-emerge"
            fresh "$work/out/c-python"; measure "(c) seed, --n 1000" "python" "$i" "" \
                "$vpy" "$pydir/emerge_py.py" "$seed" --n 1000 -q --jobs "$py_jobs" --out "$work/out/c-python"
            fresh "$work/out/c-emerge-nc"; measure "(c) seed, --n 1000" "emerge, --no-charts" "$i" "" \
                "$emerge" analyze "$seed" --n 1000 -q --no-charts --out "$work/out/c-emerge-nc"
        done
        equivalent c "$work/out/c-emerge-nc" "$work/out/c-python"
        ;;
    b)
        items=$work/inputs/items_10m.csv
        generate "$items" "$emerge" simulate --rates 0.4:0.6 --sizes 100M:100B --steps 20 --items 100000 \
            --rho 0.3 --seed 1 --out -
        cat "$items" > /dev/null
        for ((i = 1; i <= runs_b; i++)); do
            fresh "$work/out/b-emerge"; measure "(b) 10M item rows" "emerge, --no-charts" "$i" "" \
                "$emerge" analyze "$items" -q --no-charts --out "$work/out/b-emerge"
            fresh "$work/out/b-python"; measure "(b) 10M item rows" "python" "$i" "" \
                "$vpy" "$pydir/items_py.py" "$items" -q --jobs "$py_jobs" --out "$work/out/b-python"
        done
        equivalent b "$work/out/b-emerge" "$work/out/b-python"
        ;;
    a)
        corpus=$work/inputs/corpus_a_${scale}.csv
        generate "$corpus" "$python" "$here/make_corpus_a.py" --families "$scale"
        series=$((1320 * scale))
        label="(a) corpus, $scale of 40 families"
        cat "$corpus" > /dev/null
        for ((i = 1; i <= runs_a; i++)); do
            fresh "$work/out/a-emerge"; measure "$label" "emerge, --no-charts" "$i" "$series" \
                "$emerge" analyze "$corpus" -q --no-charts --out "$work/out/a-emerge"
            fresh "$work/out/a-python"; measure "$label" "python" "$i" "$series" \
                "$vpy" "$pydir/emerge_py.py" "$corpus" -q --jobs "$py_jobs" --out "$work/out/a-python"
        done
        equivalent a "$work/out/a-emerge" "$work/out/a-python"
        if [[ $emerge_full_a == 1 && $scale != 40 ]]; then
            full=$work/inputs/corpus_a_40.csv
            generate "$full" "$python" "$here/make_corpus_a.py" --families 40
            cat "$full" > /dev/null
            for ((i = 1; i <= runs_a; i++)); do
                fresh "$work/out/a-emerge-full"; measure "(a) corpus, all 40 families" "emerge, --no-charts" "$i" 52800 \
                    "$emerge" analyze "$full" -q --no-charts --out "$work/out/a-emerge-full"
            done
        fi
        ;;
    *) die "unknown input '$input' in INPUTS (use a, b, c)" ;;
    esac
done

{
    cat "$work/machine.md"
    echo "- at end: $(uptime)"
    echo
    echo "## Runs"
    echo
    "$vpy" "$here/summarize.py" "$tsv"
} > "$work/report.md"
echo >&2
cat "$work/report.md"
echo >&2
echo "run.sh: every run is in $tsv; this report is $work/report.md" >&2
