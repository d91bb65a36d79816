"""What ``nnlab train`` shows while a run goes, in the manner of Keras' ``fit``.

A line per epoch that stays (``epoch 12/300 0.21s loss=… val_loss=… lr=…``, every
``train.log_every`` epochs plus the first and the last) and, on a terminal, one live bar under
them for the epoch under way: steps done, steps per second, time left in the epoch and in the
run. When stdout is not a terminal the same lines are written plainly, never wrapped.
"""

from __future__ import annotations

import math
import sys
import time
from typing import TYPE_CHECKING, Any

from ..runs.format import duration, epoch_line

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress


class Display:
    """Receives the run's callbacks; ``mode`` is ``live`` (terminal), ``plain`` or ``quiet``."""

    def __init__(self, mode: str, console: Console) -> None:
        real = getattr(console, "real", None)  # the CLI's lazily made console
        self.mode, self.console = mode, real() if real else console
        self.bar: Progress | None = None
        self.task: Any = None
        self.epochs = self.every = self.steps = 1
        self.last_shown = -1
        self.t_epoch = self.t_end = time.monotonic()  # start of this epoch, end of the last
        self.current, self.eval_every = 1, 1
        self.epoch_times: list[float] = []

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Display:
        if self.mode == "live":
            self.bar = _bar(self.console)
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def print(self, text: str, markup: str | None = None) -> None:
        """A line that stays: above the bar on a terminal, plain and unwrapped otherwise."""
        if self.mode == "quiet":
            return
        if self.mode == "plain":
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        else:
            self.console.print(markup or text, soft_wrap=True, highlight=False)

    # ------------------------------------------------------------------ callbacks
    def start(self, exp: Any, run_dir: Any, first_epoch: int) -> None:
        c, d = exp.config, exp.dataset
        self.epochs = c.train.epochs
        self.eval_every = int(getattr(c.train, "eval_every", 1) or 1)
        self.current = first_epoch + 1
        self.every = c.train.log_every if isinstance(c.train.log_every, int) else 1
        n = len(d.x_train)
        bs = n if c.train.batch_size == "full" else min(int(c.train.batch_size), n)
        self.steps = math.ceil(n / bs)
        self.last_shown = first_epoch
        val = 0 if d.x_val is None else len(d.x_val)
        data = (f"data {d.name}: {n} train, {val} val, {self.steps} steps per epoch"
                + (f"; continuing after epoch {first_epoch}" if first_epoch else ""))
        self.print(f"run {run_dir}\n{exp.network!r}\n{data}",
                   f"[bold]run[/] {run_dir}\n{exp.network!r}\n{data}")
        if self.bar is not None:
            self.task = self.bar.add_task("epoch 0", total=None, steps="", rate="",
                                          left="evaluating the initial network")
        self.t_epoch = time.monotonic()

    def epoch(self, rec: dict[str, Any]) -> None:
        k = rec["epoch"]
        if k > 0:
            self.epoch_times.append(float(rec.get("time") or 0))
        if k == 0 or k == self.epochs or k % self.every == 0:
            self.print(epoch_line(rec, self.epochs))
            self.last_shown = k
        self._last = rec
        if self.bar is not None and k < self.epochs:
            self.bar.reset(self.task, total=self.steps, completed=0,
                           description=f"epoch {k + 1}/{self.epochs}", steps="", rate="",
                           left="")
        self.t_epoch = self.t_end = time.monotonic()
        self.current = k + 1

    def step(self, epoch: int, step: int, steps: int) -> None:
        if self.bar is None:
            return
        now = time.monotonic()
        if epoch != self.current:  # an epoch without metrics (train.eval_every) ended unseen
            self.current, self.t_epoch = epoch, self.t_end
        spent = max(now - self.t_epoch, 1e-9)
        rate = step / spent
        if step >= steps:
            self.t_end = now
            measured = epoch % self.eval_every == 0 or epoch == self.epochs
            left = "evaluating" if measured else "done"
        else:
            left = f"eta {duration((steps - step) / rate)}"
        rest = self.epochs - epoch
        if rest:
            per = (sum(self.epoch_times[-5:]) / len(self.epoch_times[-5:])
                   if self.epoch_times else spent * steps / step)
            left += f" · run {duration(rest * per + (steps - step) / rate)}"
        self.bar.update(self.task, total=steps, completed=step,
                        description=f"epoch {epoch}/{self.epochs}",
                        steps=f"{step}/{steps}", rate=f"{_rate(rate)} steps/s", left=left)

    def download(self, name: str, done: int, total: int | None) -> None:
        """A data file being downloaded: a bar of its own on a terminal, one line otherwise."""
        tasks = self.__dict__.setdefault("_downloads", {})
        if self.bar is None:
            if name not in tasks:
                tasks[name] = True
                print(f"downloading {name} …", file=sys.stderr)
            return
        if name not in tasks:
            tasks[name] = self.bar.add_task(f"download {name}", total=total, steps="", rate="",
                                            left="")
        self.bar.update(tasks[name], completed=done)
        if total is not None and done >= total:
            self.bar.remove_task(tasks[name])
            tasks[name] = None

    def finish(self) -> None:
        """Show the last epoch's line if ``log_every`` skipped it (early stopping, Ctrl-C)."""
        rec = getattr(self, "_last", None)
        if rec is not None and rec["epoch"] != self.last_shown:
            self.print(epoch_line(rec, self.epochs))
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _rate(per_second: float) -> str:
    return f"{per_second / 1000:.1f}k" if per_second >= 10_000 else f"{per_second:.0f}"


def _bar(console: Console) -> Progress:
    """One line: ``epoch 12/300 ━━━━━━━━━━━━━━ 150/313 4210 steps/s eta 97ms · run 9.8s``; the
    bar takes the width the text leaves (24 characters at 80 columns, at most 40)."""
    from rich.progress import BarColumn, Progress, TextColumn

    width = max(10, min(40, console.width - 56))  # what the text columns leave, at most 40
    return Progress(TextColumn("[bold blue]{task.description}"), BarColumn(bar_width=width),
                    TextColumn("{task.fields[steps]}"), TextColumn("{task.fields[rate]}"),
                    TextColumn("{task.fields[left]}"), console=console, transient=True,
                    refresh_per_second=8)
