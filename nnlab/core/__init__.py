"""The numeric core: registries of building blocks, layers, the network, metrics, gradient checks.

NumPy only — no config, no printing, no run directories. One module per family, each with its
registry and ``get(spec)``: `activations`, `initializers`, `losses`, `optimizers`, `schedules`.
"""
