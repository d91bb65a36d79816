"""Tools over finished runs: evaluation and prediction, comparison, sweeps, pictures, traces,
word vectors, gradient checks of configs and runs, and what a run leaves when it ends."""
