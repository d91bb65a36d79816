"""Regenerate every generated page under docs/ (the lessons of the source texts).

    NNLAB_DATA_DIR=/data python benchmarks/make_docs.py     # MNIST is needed for speed of learning

Runs, in order: speed_of_learning.py (Nielsen, Neural Networks and Deep Learning, ch. 5),
fitting_functions.py (the "Neural networks in pictures" article) and lecture_claims.py (the
lecture "Introduction to neural networks" and the popular article on what "training" means). The
MNIST table in docs/mnist.md comes from mnist_table.py and the ratios in docs/speed.md from
train_speed.py and startup.py; they print their results instead of writing pages.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["speed_of_learning.py", "fitting_functions.py", "lecture_claims.py", "recipe_checks.py"]


def main() -> None:
    for script in SCRIPTS:
        print(f"== {script}", flush=True)
        subprocess.run([sys.executable, str(HERE / script)], check=True,
                       stdout=subprocess.DEVNULL)
    print("docs/ regenerated")


if __name__ == "__main__":
    main()
