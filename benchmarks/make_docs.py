"""Regenerate every generated page under docs/ (the lessons of the source texts).

    NNLAB_DATA_DIR=/data python benchmarks/make_docs.py     # MNIST is needed for speed of learning

Runs, in order: speed_of_learning.py (seed 003), fitting_functions.py (seed 004) and
lecture_claims.py (seeds 000/001). The MNIST table in README comes from mnist_table.py and the
speed ratios from train_speed.py; they print their results instead of writing pages.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["speed_of_learning.py", "fitting_functions.py", "lecture_claims.py"]


def main() -> None:
    for script in SCRIPTS:
        print(f"== {script}", flush=True)
        subprocess.run([sys.executable, str(HERE / script)], check=True,
                       stdout=subprocess.DEVNULL)
    print("docs/ regenerated")


if __name__ == "__main__":
    main()
