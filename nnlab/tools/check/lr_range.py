"""The learning-rate range test (L. Smith, "Cyclical Learning Rates for Training Neural
Networks", 2017; fastai's ``lr_find``): train from the initial weights while the learning rate
grows exponentially from ``lr_min`` to ``lr_max``,

    ηₖ = η_min · (η_max/η_min)^(k/(K−1)),   k = 0 … K−1,

recording each mini-batch's loss before its update, smoothed by an exponential moving average
with bias correction, L̄ₖ = EMAₖ/(1 − βᵏ⁺¹) (β = 0.9). The loss first stays flat (η too small to
matter), then falls, then blows up; the test stops once L̄ exceeds 4× its minimum or becomes
NaN. The suggested learning rate is the one at the minimum of L̄ divided by 10 — the classic
rule: well below the point where training becomes unstable, yet in the steep part of the curve.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .report import Check, Settings
from .setup import Setup

BETA = 0.9
BLOW_UP = 4.0
FELL = 0.9


@dataclass
class LRFind:
    """The range test's curve and its reading: ``lrs`` and raw/smoothed batch ``losses``,
    ``suggested`` = lr at the smoothed minimum / 10, ``blow_up`` = the first lr where the
    smoothed loss passed 4× its minimum (None if it never did), ``configured`` = optimizer.lr."""

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    suggested: float | None
    min_lr: float | None
    blow_up: float | None
    configured: float
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def lr_range_test(s: Setup, cfg: Settings) -> LRFind:
    """Run the test on a copy of the experiment (its optimizer, batch size, L2, dropout)."""
    exp = s.fresh()
    net, opt, loss, rng = exp.network, exp.optimizer, exp.loss, exp.rng
    x, t = s.x, s.t
    bs = len(x) if exp.config.train.batch_size == "full" else min(int(exp.config.train.batch_size),
                                                                   len(x))
    l2 = exp.config.regularization.l2 / len(x)
    params, grads, weights = net.params(), net.grads(), [(ly.W, ly.gW) for ly in net.layers]
    order, pos = rng.permutation(len(x)), 0
    lrs = np.geomspace(cfg.lr_min, cfg.lr_max, cfg.lr_steps)
    raw, smooth, ema, low, blow = [], [], 0.0, math.inf, None
    with np.errstate(all="ignore"):
        for k, lr in enumerate(lrs):
            if pos + bs > len(x):
                order, pos = rng.permutation(len(x)), 0
            rows = order[pos:pos + bs]
            pos += bs
            out = net.forward(x[rows], rng)
            last = net.layers[-1]
            value = float(loss.value(last.z, out, t[rows], last.activation))
            ema = BETA * ema + (1 - BETA) * value
            smooth_k = ema / (1 - BETA ** (k + 1))
            raw.append(value)
            smooth.append(smooth_k)
            if not math.isfinite(smooth_k) or smooth_k > BLOW_UP * low:
                blow = float(lr)
                break
            low = min(low, smooth_k)
            net.backward(t[rows], loss)
            for w, gw in weights:
                gw += l2 * w
            opt.step(params, grads, float(lr))
    return _reading(lrs[:len(raw)], raw, smooth, blow, opt.lr, bs)


def _reading(lrs: np.ndarray, raw: list[float], smooth: list[float], blow: float | None,
             configured: float, bs: int) -> LRFind:
    """Where the smoothed loss is lowest (after its first ``warm`` steps, while the average is
    still young) — provided it fell there at all: a minimum above 0.9× the mean loss of the
    first steps is noise on a flat curve, and nothing is suggested."""
    warm = max(5, len(raw) // 20)
    first = [v for v in raw[:max(warm, len(raw) // 10)] if math.isfinite(v)]
    finite = [(v, i) for i, v in enumerate(smooth) if math.isfinite(v) and i >= warm]
    i_min = min(finite)[1] if finite else None
    fell = i_min is not None and bool(first) and smooth[i_min] < FELL * float(np.mean(first))
    min_lr = float(lrs[i_min]) if fell else None
    return LRFind([float(v) for v in lrs], raw, smooth,
                  None if min_lr is None else min_lr / 10, min_lr, blow, float(configured),
                  {"batch_size": bs, "steps": len(raw), "beta": BETA,
                   "finite": bool(first)})


def lr_check(found: LRFind) -> Check:
    """The configured learning rate against the range test's reading."""
    lr, sug = found.configured, found.suggested
    values = {"configured": lr, "suggested": sug, "blow_up": found.blow_up,
              "loss_min_at": found.min_lr, "lr_find": found.to_dict()}
    where = (f"loss lowest at lr {found.min_lr:.2g}" if found.min_lr else
             "the loss never fell" if found.info.get("finite", True) else "no finite loss")
    blow = f", blows up from {found.blow_up:.2g}" if found.blow_up else ", never blew up"
    measured = f"optimizer.lr {lr:g}; range test: {where}{blow}" + (
        f" → suggested lr {sug:.2g}" if sug else "")
    if sug is None:
        if not found.info.get("finite", True):
            return Check("learning rate", "FAIL", measured, "the loss was never finite",
                         "check the data scale and the initialization", values)
        return Check("learning rate", "WARN", measured + f" (lr {found.lrs[0]:.0e} to "
                     f"{found.lrs[-1]:.2g})", "the loss did not fall at any learning rate: "
                     "the network cannot learn yet", "see units at init and the baseline",
                     values)
    if found.blow_up is not None and lr >= found.blow_up:
        return Check("learning rate", "FAIL", measured, "the configured lr is where the loss "
                     "blows up", f"lower optimizer.lr to about {sug:.2g}", values)
    if lr > 30 * sug or lr < sug / 100:
        side = "far above" if lr > sug else "far below"
        return Check("learning rate", "WARN", measured, f"the configured lr is {side} the "
                     "range where the loss falls fastest", f"try optimizer.lr ≈ {sug:.2g}",
                     values)
    return Check("learning rate", "PASS", measured, "the configured lr is in the range where "
                 "the loss falls", values=values)
