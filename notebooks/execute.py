#!/usr/bin/env python3
"""Execute the notebooks of this directory and report which pass.

    EMERGE_BIN=target/release/emerge .venv/bin/python notebooks/execute.py [NOTEBOOK ...]

Without arguments, every *.ipynb in this directory runs, in sorted order; with arguments,
just those notebooks (paths relative to the current directory). Each runs in a fresh
Python 3 kernel of this interpreter (the one running this script, so a virtual environment
made by venv.sh is used), with the working directory set to this directory whatever the
notebook's own location, so `../datasets/...` and `out/...` resolve inside the repository.
Every cell may take up to 600 s.

The kernel inherits this process's environment: EMERGE_BIN, the emerge binary the notebooks
call, is passed through (made absolute first, since the kernel runs in another directory).

The .ipynb files are read and never written: the outputs stay in memory (with
--output-dir DIR, executed copies are written to DIR instead, which must be another
directory). One line per notebook gives its wall time. A failing cell prints the notebook,
the cell's number and source, and the traceback; the remaining notebooks still run, and the
exit status is 1 if any notebook failed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from traitlets import default
from traitlets.config import Config

HERE = Path(__file__).resolve().parent
CELL_TIMEOUT = 600
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: every *.ipynb here)")
    parser.add_argument("--output-dir", type=Path, help="also write the executed notebooks to this directory")
    return parser.parse_args()


class NativeKernelManager(AsyncKernelManager):
    """This interpreter's own ipykernel ("python3"), whatever other kernel specs are installed."""

    @default("kernel_spec_manager")
    def _native_only(self) -> KernelSpecManager:
        # With no kernel directories, the only spec is the native one: sys.executable -m ipykernel_launcher.
        return KernelSpecManager(kernel_dirs=[])


def kernel_config(sockets: str) -> Config:
    config = Config()
    if os.name == "posix":
        # Unix sockets in a private directory rather than unencrypted TCP ports on localhost.
        config.NativeKernelManager.transport = "ipc"
        config.NativeKernelManager.ip = os.path.join(sockets, "kernel")
    return config


def run_notebook(path: Path, output_dir: Path | None) -> bool:
    nb = nbformat.read(path, as_version=4)
    current: dict[str, object] = {}

    def on_cell_start(cell, cell_index, **_kwargs):
        current["index"], current["cell"] = cell_index, cell

    sockets = tempfile.TemporaryDirectory(prefix="emerge-nb-")
    client = NotebookClient(
        nb,
        kernel_manager_class=NativeKernelManager,
        config=kernel_config(sockets.name),
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(HERE)}},
        on_cell_start=on_cell_start,
    )
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except Exception as exc:  # a cell's error, a timeout, a dead kernel, a kernel that would not start
        error = exc
    finally:
        sockets.cleanup()
    elapsed = time.perf_counter() - start

    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, output_dir / path.name)

    if error is None:
        print(f"PASS  {path.name}  {elapsed:6.1f} s", flush=True)
        return True

    print(f"FAIL  {path.name}  {elapsed:6.1f} s", flush=True)
    cell = current.get("cell")
    if cell is not None:
        print(f"--- {path.name}, cell {current['index'] + 1} of {len(nb.cells)} ({cell.cell_type}), source:")
        print(cell.source)
        tracebacks = [
            "\n".join(out.get("traceback", [])) for out in cell.get("outputs", []) if out.get("output_type") == "error"
        ]
        print("--- traceback:")
        print(ANSI.sub("", "\n".join(tracebacks) if tracebacks else f"{type(error).__name__}: {error}"))
    else:
        print(f"--- {path.name}: {type(error).__name__}: {ANSI.sub('', str(error))}")
    print("---", flush=True)
    return False


def main() -> int:
    args = parse_args()
    output_dir = args.output_dir.resolve() if args.output_dir else None
    if output_dir is not None and output_dir == HERE:
        sys.exit("execute.py: --output-dir must not be the notebooks directory (the committed notebooks stay without outputs)")

    emerge_bin = os.environ.get("EMERGE_BIN")
    if emerge_bin:
        if os.sep in emerge_bin:
            os.environ["EMERGE_BIN"] = str(Path(emerge_bin).resolve())
        print(f"EMERGE_BIN={os.environ['EMERGE_BIN']}")
    else:
        print("EMERGE_BIN is not set: the notebooks look for `emerge` on PATH, then ../target/release/emerge")

    notebooks = [p.resolve() for p in args.notebooks] if args.notebooks else sorted(HERE.glob("*.ipynb"))
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing:
        sys.exit(f"execute.py: no such notebook: {', '.join(missing)}")
    if not notebooks:
        sys.exit(f"execute.py: no notebooks in {HERE}")
    if output_dir is not None and any(p.parent == output_dir for p in notebooks):
        sys.exit("execute.py: --output-dir must not be a directory the notebooks are read from")

    failed = [p.name for p in notebooks if not run_notebook(p, output_dir)]
    if failed:
        print(f"{len(failed)} of {len(notebooks)} notebooks failed: {', '.join(failed)}")
        return 1
    print(f"all {len(notebooks)} notebooks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
