"""One self-contained HTML page: inline CSS and JS, pictures as ``data:`` URIs, nothing fetched.

The page opens from a file anywhere, offline: no CDN, no server, no external script. The only
script is the frame player below (a slider and a play button per animation), plain JS. The
output is a pure function of what is added, so the same run gives the same bytes.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...runs.format import number

CSS = """
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1120px; padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 36px 0 10px;
     padding-bottom: 4px; border-bottom: 1px solid var(--line); } h3 { font-size: 16px; }
nav { font-size: 14px; margin: 8px 0 18px; } nav a { margin-right: 12px; white-space: nowrap; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
.muted, .note { color: var(--muted); } .note { font-size: 14px; }
table { border-collapse: collapse; font-size: 14px; margin: 8px 0 12px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
th { background: var(--bg); } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; max-width: 100%; }
img { max-width: 100%; height: auto; display: block; margin: 8px 0; }
img[hidden] { display: none; }
pre { background: var(--bg); border: 1px solid var(--line); padding: 10px; font-size: 13px;
      overflow: auto; max-height: 420px; }
details > summary { cursor: pointer; color: #0969da; margin: 6px 0; }
.frames { display: inline-block; border: 1px solid var(--line); padding: 8px 10px; }
.frames .controls { display: flex; align-items: center; gap: 12px; font-size: 14px; }
.frames input[type=range] { flex: 1; min-width: 200px; }
.frames button { font: inherit; padding: 2px 12px; cursor: pointer; }
.grid2 { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
"""

JS = """
document.querySelectorAll('.frames').forEach(function (box) {
  var imgs = box.querySelectorAll('img');
  var slider = box.querySelector('input');
  var label = box.querySelector('.frame-label');
  var button = box.querySelector('button');
  var timer = null;
  function show(i) {
    imgs.forEach(function (im, j) { im.hidden = j !== i; });
    slider.value = String(i);
    label.textContent = imgs[i].getAttribute('data-label');
  }
  function stop() { clearInterval(timer); timer = null; button.textContent = '\\u25B6 play'; }
  slider.addEventListener('input', function () {
    if (timer) { stop(); }
    show(Number(slider.value));
  });
  button.addEventListener('click', function () {
    if (timer) { stop(); return; }
    if (Number(slider.value) === imgs.length - 1) { show(0); }
    button.textContent = '\\u275A\\u275A pause';
    timer = setInterval(function () {
      var i = Number(slider.value) + 1;
      show(i);
      if (i >= imgs.length - 1) { stop(); }
    }, 450);
  });
  show(imgs.length - 1);
});
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def cell(value: Any) -> str:
    """A table cell: numbers right-aligned with 4 significant digits, None as a dash."""
    if value is None:
        return '<td class="muted">–</td>'
    if isinstance(value, bool):
        return f"<td>{esc(value)}</td>"
    if isinstance(value, (int, float)):
        return f'<td class="num">{esc(number(value))}</td>'
    return f"<td>{esc(value)}</td>"


def table(columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]],
          headers: Sequence[str] | None = None) -> str:
    """A table of ``rows`` (mappings by column, or sequences in column order)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in (headers or columns))
    body = []
    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, Mapping) else list(row)
        body.append("<tr>" + "".join(cell(v) for v in values) + "</tr>")
    return f'<div class="scroll"><table><tr>{head}</tr>{"".join(body)}</table></div>'


def pairs(items: Iterable[tuple[str, Any]]) -> str:
    """A two-column table of names and values."""
    rows = "".join(f"<tr><th>{esc(k)}</th>{cell(v)}</tr>" for k, v in items)
    return f'<div class="scroll"><table>{rows}</table></div>'


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def img(png: bytes, alt: str) -> str:
    return f'<img src="{data_uri(png)}" alt="{esc(alt)}">'


def frames(shots: Sequence[tuple[str, bytes]], alt: str) -> str:
    """An animation: every frame an image, one shown at a time, a slider and a play button."""
    imgs = "".join(f'<img src="{data_uri(png)}" alt="{esc(alt)} — {esc(label)}" '
                   f'data-label="{esc(label)}">' for label, png in shots)
    return (f'<div class="frames">{imgs}<div class="controls"><button type="button">'
            f'&#9654; play</button><input type="range" min="0" max="{len(shots) - 1}" '
            f'value="{len(shots) - 1}" aria-label="frame"><span class="frame-label">'
            f'{esc(shots[-1][0])}</span></div></div>')


def pre(text: str) -> str:
    return f"<pre>{esc(text)}</pre>"


class Page:
    """Sections in order, each with an anchor in the navigation bar."""

    def __init__(self, title: str, subtitle: str = "") -> None:
        self.title, self.subtitle = title, subtitle
        self.sections: list[tuple[str, str, str]] = []

    def add(self, anchor: str, heading: str, *parts: str) -> None:
        """A section; parts that are empty strings are left out (nothing to show)."""
        body = "\n".join(p for p in parts if p)
        if body:
            self.sections.append((anchor, heading, body))

    def render(self) -> str:
        nav = " ".join(f'<a href="#{a}">{esc(h)}</a>' for a, h, _ in self.sections)
        body = "\n".join(f'<section id="{a}"><h2>{esc(h)}</h2>\n{b}\n</section>'
                         for a, h, b in self.sections)
        sub = f'<p class="muted">{esc(self.subtitle)}</p>' if self.subtitle else ""
        return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f'<title>{esc(self.title)}</title>\n<link rel="icon" href="data:,">\n'
                f'<style>{CSS}</style>\n</head>\n<body>\n<h1>{esc(self.title)}</h1>\n{sub}\n'
                f'<nav>{nav}</nav>\n{body}\n<script>{JS}</script>\n</body>\n</html>\n')
