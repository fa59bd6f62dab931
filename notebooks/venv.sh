#!/usr/bin/env bash
# Create (or refresh) a virtual environment for the notebooks:
#
#   bash notebooks/venv.sh DIR
#
# Creates DIR with `python3 -m venv` (set PYTHON to use another interpreter) and installs
# notebooks/requirements.txt into it. The sha256 of requirements.txt is written to
# DIR/.emerge-notebooks-requirements.sha256 after a successful install; when it matches, the
# install is skipped, so running this again (as CI does on every run) takes well under a second.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
    echo "usage: bash $0 DIR   (creates a virtual environment for the notebooks at DIR)" >&2
    exit 2
fi
dir=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements="$here/requirements.txt"
python=${PYTHON:-python3}

if ! command -v "$python" >/dev/null 2>&1; then
    echo "venv.sh: $python not found on PATH; install Python 3.11 or newer (with its venv module)," >&2
    echo "or set PYTHON to an interpreter, e.g. PYTHON=/usr/bin/python3.11 bash $0 $dir" >&2
    exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "venv.sh: $python is Python $("$python" -c 'import platform; print(platform.python_version())'); the pinned" >&2
    echo "ipykernel and polars need 3.11 or newer (set PYTHON to another interpreter)" >&2
    exit 1
fi
if [[ ! -f "$requirements" ]]; then
    echo "venv.sh: $requirements is missing" >&2
    exit 1
fi

want=$(sha256sum "$requirements" | cut -d' ' -f1)
stamp="$dir/.emerge-notebooks-requirements.sha256"

if [[ -x "$dir/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "venv.sh: $dir is up to date with requirements.txt (sha256 ${want:0:12})"
    exit 0
fi

if [[ ! -x "$dir/bin/python" ]]; then
    if ! "$python" -m venv "$dir"; then
        echo "venv.sh: '$python -m venv $dir' failed; on Debian/Ubuntu install the python3-venv package" >&2
        exit 1
    fi
fi
rm -f "$stamp"
"$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
printf '%s\n' "$want" > "$stamp.tmp"
mv "$stamp.tmp" "$stamp"
echo "venv.sh: installed requirements.txt into $dir (sha256 ${want:0:12})"
