"""nnlab: train and study NumPy neural networks described by YAML experiment files.

The Python API mirrors the CLI::

    import nnlab
    cfg = nnlab.load_config("configs/sine.yaml", overrides=["optimizer.lr=0.05"])
    exp = nnlab.build(cfg)                      # dataset, network, loss, optimizer, schedule
    result = nnlab.train(cfg)                   # trains into runs/<name>-<time>-<id>/
    result.network.predict(x)
    net = nnlab.Network.build([2, 8, 1], "tanh", "sigmoid")   # or by hand
"""

__version__ = "0.1.0"

from .config import Config, load_config, resolve  # noqa: E402
from .errors import CheckpointError, ConfigError, DataError, NnlabError  # noqa: E402
from .experiment import Experiment, RunResult, build, load_run, train  # noqa: E402
from .network import Network  # noqa: E402

__all__ = [
    "__version__", "Config", "load_config", "resolve", "build", "train", "load_run",
    "Experiment", "RunResult", "Network", "NnlabError", "ConfigError", "DataError",
    "CheckpointError",
]
