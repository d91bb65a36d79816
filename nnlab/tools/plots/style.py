"""The house style of every picture: fixed pixel sizes, margins, palette, PNG bytes.

Every figure is a matplotlib `Figure` on its own Agg canvas (no pyplot, no global state), sized
in pixels, rendered to PNG bytes without a timestamp or software tag, so the same data always
give the same bytes.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from ...files import atomic_write

DPI = 100
SIZES = {"curves": (1000, 420), "fit": (800, 480), "boundary": (640, 560), "speed": (760, 460)}
"""Width × height in pixels of each kind (``weights`` depends on the number of images)."""
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # matplotlib's tab10
STYLE = {"font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "legend.fontsize": 9,
         "axes.grid": True, "grid.alpha": 0.3, "savefig.dpi": DPI, "figure.dpi": DPI,
         "image.interpolation": "nearest", "axes.formatter.limits": (-3, 4)}
PNG_METADATA = {"Software": None}  # no version string: the bytes depend on the data only


def figure(size: tuple[int, int], *, left: int = 72, right: int = 18, bottom: int = 48,
           top: int = 40, gap: int = 0) -> Figure:
    """A figure of ``size`` pixels on its own Agg canvas, margins given in pixels.

    Fixed margins (wide enough for tick labels kept short by ``axes.formatter.limits``) cost
    nothing and keep the axes the same size whatever the legend holds; a layout engine would
    double the drawing time. ``gap`` is the space between side-by-side panels.
    """
    w, h = size
    fig = Figure(figsize=(w / DPI, h / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h,
                        top=1 - top / h, wspace=gap / max((w - left - right - gap) / 2, 1))
    return fig


def wrap_title(text: str, width_px: float, size: float = 10) -> tuple[str, int]:
    """``text`` wrapped (at spaces) to fit ``width_px``; also returns the number of lines."""
    chars = max(int(width_px / (0.62 * size * DPI / 72)), 20)
    lines = [part for line in text.split("\n")
             for part in (textwrap.wrap(line, chars, break_long_words=False) or [""])]
    return "\n".join(lines), len(lines)


def top_margin(lines: int, size: float = 10) -> int:
    """Top margin in pixels for a title of ``lines`` lines."""
    return int(14 + lines * 1.25 * size * DPI / 72)


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes (fixed metadata: deterministic)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata=PNG_METADATA)
    return buf.getvalue()


def save(fig: Figure, path: str | Path) -> Path:
    """Render ``fig`` to PNG bytes and write them atomically."""
    atomic_write(path, png_bytes(fig))
    return Path(path)


def series(records: Sequence[Mapping[str, Any]], key: str) -> np.ndarray:
    """One metric per epoch as floats, null/missing → NaN."""
    return np.array([np.nan if r.get(key) is None else float(r[key]) for r in records])


def none_nan(v: Any) -> float:
    return np.nan if v is None else float(v)


def fmt(value: Any) -> str:
    """A config value, compactly: ``leaky_relu(alpha=0.2)``, ``[64, 64]``, ``0.01``."""
    if isinstance(value, Mapping):
        rest = ", ".join(f"{k}={fmt(v)}" for k, v in value.items() if k != "name")
        return f"{value.get('name', '')}({rest})" if "name" in value else "{" + rest + "}"
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def log_axis(ax: Any, values: Sequence[np.ndarray]) -> None:
    """Log y axis from one power of ten to another, labelled only at the powers (short labels)."""
    ax.set_yscale("log")
    v = np.concatenate([np.ravel(s) for s in values]) if values else np.array([])
    v = v[np.isfinite(v) & (v > 0)]
    if v.size:
        lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
        ax.set_ylim(10.0 ** lo, 10.0 ** max(hi, lo + 1))
    ax.yaxis.set_minor_formatter(NullFormatter())


def auto_log(values: np.ndarray) -> bool:
    """Log scale when the positive finite values span more than two decades."""
    v = values[np.isfinite(values) & (values > 0)]
    return v.size > 1 and v.max() / v.min() > 100


def colors(n: int) -> list[Any]:
    """``n`` distinct colours: tab10, or viridis steps beyond ten."""
    if n <= len(PALETTE):
        return list(PALETTE[:n])
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(x) for x in np.linspace(0, 0.92, n)]


def light(color: str, amount: float = 0.55) -> tuple[float, float, float]:
    """``color`` mixed with white (``amount`` = share of white) for backgrounds."""
    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)
