#!/usr/bin/env bash
# Checks that two emerge binaries write the same bytes: the rule for every performance change
# ("results must not change"). Run it with the binary before a change and the binary after:
#
#   cp "$CARGO_TARGET_DIR/release/emerge" /tmp/emerge-before    # before the change
#   cargo build --release                                        # after it
#   bash benches/same_outputs.sh /tmp/emerge-before "$CARGO_TARGET_DIR/release/emerge"
#
# Inputs, each analysed by both binaries with charts, PNG and SVG:
#   - `emerge figures` (every dataset under datasets/, through the whole pipeline);
#   - the seed example with --n 1000 (bootstrap, verdict);
#   - 200,000 simulated item rows (the item reader's one pass);
#   - corpus (a) of benches/compare with FAMILIES families [1] (1,320 series per family:
#     noisy fits, many that run out of budget).
# Prints one line per input and exits 1 if any output file differs, naming the files.
# WORK (a scratch directory) defaults to a new temporary directory, removed at the end.
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: bash benches/same_outputs.sh OLD_EMERGE NEW_EMERGE" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
for bin in "$old" "$new"; do
    [[ -x $bin ]] || { echo "same_outputs.sh: $bin is not an executable" >&2; exit 2; }
done
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
families=${FAMILIES:-1}
work=${WORK:-$(mktemp -d)}
[[ -n ${WORK:-} ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/inputs"

"$new" simulate --items 2000 --steps 20 --rho 0.3 --seed 1 --out "$work/inputs/items.csv"
python3 "$root/benches/compare/make_corpus_a.py" --families "$families" > "$work/inputs/corpus_a.csv"

status=0
compare() {  # name, then the arguments after the binary
    local name=$1
    shift
    for side in old new; do
        local bin=$old
        [[ $side == new ]] && bin=$new
        rm -rf "$work/$side/$name"
        mkdir -p "$work/$side/$name"
        (cd "$root" && "$bin" "$@" --out "$work/$side/$name" >/dev/null)
    done
    if diff -rq "$work/old/$name" "$work/new/$name" >"$work/$name.diff"; then
        echo "same: $name ($(find "$work/new/$name" -type f | wc -l) files)"
    else
        echo "DIFFERENT: $name"
        sed 's/^/  /' "$work/$name.diff"
        status=1
    fi
}

compare figures figures --chart-format png,svg
compare seed analyze datasets/seed_example.csv --n 1000 -q --chart-format png,svg
compare items analyze "$work/inputs/items.csv" -q --chart-format png,svg
compare corpus_a analyze "$work/inputs/corpus_a.csv" -q --no-charts
exit $status
