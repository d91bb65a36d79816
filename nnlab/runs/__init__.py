"""Runs: the trainer, the experiment a config builds, run directories, training into them.

Modules: `trainer` (the loop), `experiment` (config → dataset, network, optimizer), `rundir`
(the files of a run), `training` (train/resume/load_run), `signals`, `format`.
"""
