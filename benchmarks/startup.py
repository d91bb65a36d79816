"""How fast the command line starts: ``nnlab --help`` and ``nnlab train --help`` against
``python -c "import numpy"``, interleaved, median of N runs each, in one run (ratios only mean
something within one run on a shared machine).

    python benchmarks/startup.py            # target: both ratios <= 1.3
    python benchmarks/startup.py --runs 15

The commands run as an installed nnlab runs after its first start: with its bytecode cached
(``__pycache__``, which pip writes for numpy too). An environment with PYTHONDONTWRITEBYTECODE
set never caches it, and every start then compiles nnlab's modules again; the script compiles
them first so that this does not count, and says so.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
    "nnlab --help": [sys.executable, "-m", "nnlab.cli", "--help"],
    "nnlab train --help": [sys.executable, "-m", "nnlab.cli", "train", "--help"],
}
HEAVY = ("numpy", "pydantic", "yaml", "matplotlib")
PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nnlab")


def wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def heavy_imports(args: list[str]) -> list[str]:
    """Which heavy packages the CLI imports for ``args``."""
    code = ("import sys\nfrom nnlab.cli import app\nsys.argv = ['nnlab', *sys.argv[1:]]\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    err = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True).stderr.strip().splitlines()
    return [m for m in (err[-1] if err else "").split(",") if m]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    n = ap.parse_args().runs
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("PYTHONDONTWRITEBYTECODE is set: compiling nnlab's bytecode once first, as an "
              "installed nnlab has it after its first start")
    compileall.compile_dir(PACKAGE, quiet=1)
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for cmd in COMMANDS.values():  # warm the file cache
        wall(cmd)
    for _ in range(n):
        for name, cmd in COMMANDS.items():
            times[name].append(wall(cmd))
    base = statistics.median(times["python -c 'import numpy'"])
    print(f"{'command':<28} {'median s':>9} {'ratio':>7}   heavy imports")
    for name, ts in times.items():
        med = statistics.median(ts)
        args = COMMANDS[name][3:] if name.startswith("nnlab") else None
        heavy = "-" if args is None else (", ".join(heavy_imports(args)) or "none")
        print(f"{name:<28} {med:>9.3f} {med / base:>7.2f}   {heavy}")
    print(f"(median of {n} runs each, interleaved; target: nnlab commands <= 1.3x numpy)")


if __name__ == "__main__":
    main()
