"""README and docs/ stay true: their commands exist, their links resolve, a few examples run.

Every ``nnlab …`` line of a ```bash / ```console block (and every inline `nnlab …` span) in
README.md and docs/*.md is checked against the real command line: the command and subcommand
exist and every ``--option`` it uses belongs to that command. A few fast examples are run end
to end, and their documented output lines must appear in the real output. Every relative link
must name an existing file (and heading). A failure names the file and line to fix.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer

from nnlab.cli import app

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_BLOCKS = ("bash", "sh", "shell", "console")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w-]*)")
# tokens that end one shell command inside a line
SEPARATORS = {";", "&&", "||", "|", "&", ">", ">>", "<", "2>", "(", ")", "do", "done", "then"}


@dataclass(frozen=True)
class Use:
    """One `nnlab …` command written in a page."""

    page: Path
    line: int
    words: tuple[str, ...]   # the words after `nnlab`
    text: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


@dataclass(frozen=True)
class Block:
    page: Path
    line: int            # line of the opening fence
    lang: str
    lines: tuple[str, ...]


def blocks(page: Path) -> Iterator[Block]:
    """The fenced code blocks of a Markdown page."""
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang, start = m.group(2), m.group(3).lower(), i
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        yield Block(page, start + 1, lang, tuple(body))
        i += 1


def prose(page: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of the lines outside code blocks."""
    inside = None
    for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        m = FENCE.match(line)
        if m and inside is None:
            inside = m.group(2)
        elif inside is not None and line.strip().startswith(inside):
            inside = None
        elif inside is None:
            yield n, line


def _shell_words(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|<>()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote in an excerpt: fall back to plain splitting
        return text.split("#")[0].split()


WRAPPERS = {"xargs", "time", "env", "exec"}  # commands that run the command after them


def _commands(words: list[str]) -> Iterator[tuple[str, ...]]:
    """The argument lists of every `nnlab` (or `.venv/bin/nnlab`) call among shell words.

    `nnlab` counts where a simple command starts (after `VAR=value` assignments or a wrapper
    such as `xargs -P 2`), not as an argument (`ruff check nnlab tests`).
    """
    current: list[str] | None = None
    head: list[str] = []  # the words of the current simple command before `nnlab`
    for w in words:
        if w in SEPARATORS:
            if current is not None:
                yield tuple(current)
            current, head = None, []
        elif current is not None:
            current.append(w)
        elif (w == "nnlab" or w.endswith("/nnlab")) and (
                all("=" in h for h in head) or head[0] in WRAPPERS):
            current = []
        else:
            head.append(w)
    if current is not None:
        yield tuple(current)


def shell_uses() -> Iterator[Use]:
    for page in PAGES:
        for b in blocks(page):
            if b.lang not in SHELL_BLOCKS:
                continue
            for k, line in enumerate(b.lines, b.line + 1):
                text = line.strip()
                if b.lang == "console":
                    if not text.startswith("$ "):
                        continue  # output, not a command
                    text = text[2:]
                for words in _commands(_shell_words(text)):
                    yield Use(page, k, words, text)


INLINE = re.compile(r"`(nnlab [^`]*)`")


def inline_uses() -> Iterator[Use]:
    """`nnlab …` spans in prose and tables; `a\\|b` is an alternative, `[…]` optional syntax."""
    for page in PAGES:
        for n, line in prose(page):
            for m in INLINE.finditer(line):
                text = m.group(1).split(" | ")[0].split(" > ")[0]
                words = tuple(text.replace("\\|", "|").replace("[", " ").replace("]", " ")
                              .replace("(", " ").replace(")", " ").split()[1:])
                yield Use(page, n, words, m.group(1))


# typer's click command tree (typer may vendor its own click, so no isinstance on click classes)
Command = Any


@cache
def root() -> Command:
    return typer.main.get_command(app)


def ctx(cmd: Command) -> Any:
    return cmd.context_class(cmd, info_name=cmd.name)


def is_group(cmd: Command) -> bool:
    return hasattr(cmd, "list_commands")


def subcommands(cmd: Command) -> list[str]:
    return list(cmd.list_commands(ctx(cmd))) if is_group(cmd) else []


def option_names(cmd: Command) -> set[str]:
    names: set[str] = set()
    for p in cmd.get_params(ctx(cmd)):
        if p.param_type_name == "option" and not getattr(p, "hidden", False):
            names.update(p.opts)
            names.update(p.secondary_opts)
    return names


PLACEHOLDER = re.compile(r"^(<.*>|[A-Z][A-Z_.]*|…|\.\.\.|\{.*\}|\$.*)$")
NUMBER = re.compile(r"^-?\d")


def resolve(use: Use) -> tuple[list[Command], list[str], list[str]]:
    """The commands a use names (several for `list|compare|show`), its remaining words, and
    what is wrong with its command path."""
    cmds: list[Command] = [root()]
    words = list(use.words)
    while words and all(is_group(c) for c in cmds):
        head = words[0]
        if head.startswith("-") or PLACEHOLDER.match(head):
            break
        found = []
        for c in cmds:
            for name in head.split("|"):
                sub = c.get_command(ctx(c), name)
                if sub is None:
                    valid = ", ".join(sorted(subcommands(c)))
                    return [], [], [f"{use.where}: `nnlab {' '.join(use.words)}`: no command "
                                     f"'{name}' under '{c.name or 'nnlab'}' (commands: {valid})"]
                found.append(sub)
        cmds = found
        words.pop(0)
    return cmds, words, []


def problems(use: Use, inline: bool) -> list[str]:
    """What is stale in one use: an unknown command, or options its command does not have."""
    cmds, words, wrong = resolve(use)
    if inline:
        used = re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", " ".join(words))
    else:
        used = [w.split("=", 1)[0] for w in words if w.startswith("-") and not NUMBER.match(w)
                and w not in ("-", "--")]
    for cmd in cmds:
        valid = option_names(cmd)
        wrong += [f"{use.where}: `nnlab {' '.join(use.words)}`: '{cmd.name or 'nnlab'}' has no "
                  f"option {opt} (options: {', '.join(sorted(valid))})"
                  for opt in used if opt not in valid]
    return wrong


def test_pages_have_commands():
    uses = list(shell_uses())
    assert len(uses) > 50, "the parser found too few nnlab commands in README and docs"
    assert {u.words[0] for u in uses if u.words} >= {"train", "eval", "sweep", "trace"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_shell_examples_match_the_cli(page):
    stale = [p for use in shell_uses() if use.page == page for p in problems(use, inline=False)]
    assert not stale, "stale commands:\n" + "\n".join(stale)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_inline_commands_match_the_cli(page):
    stale = [p for use in inline_uses() if use.page == page for p in problems(use, inline=True)]
    assert not stale, "stale commands:\n" + "\n".join(stale)


def test_every_command_is_in_the_readme_table_and_every_option_in_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    docs = "\n".join(p.read_text(encoding="utf-8") for p in PAGES)
    missing = [f"README.md: the command table lacks `nnlab {name}`"
               for name in subcommands(root()) if f"`nnlab {name}" not in readme]
    stack: list[tuple[str, Command]] = [("nnlab", root())]
    while stack:
        path, cmd = stack.pop()
        for opt in sorted(option_names(cmd) - {"--help", "-h"}):
            if opt.startswith("--") and not re.search(re.escape(opt) + r"(?![\w-])", docs):
                missing.append(f"`{path} {opt}` is documented nowhere in README.md or docs/ "
                               f"(the command's page: docs/cli.md or the page it links)")
        stack += [(f"{path} {n}", cmd.get_command(ctx(cmd), n)) for n in subcommands(cmd)]
    assert not missing, "undocumented:\n" + "\n".join(missing)


# ---------------------------------------------------------------- links

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces → hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, line in prose(page):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            s = slug(m.group(1))
            out.add(s if s not in seen else f"{s}-{seen[s]}")
            seen[s] = seen.get(s, 0) + 1
    return frozenset(out)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    broken = []
    for n, line in prose(page):
        for target in LINK.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue  # http:, https:, mailto:
            path, _, frag = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}:{n}: link to {target}"
            if ROOT not in file.parents:
                broken.append(f"{where}: points outside the repository")
            elif not file.exists():
                broken.append(f"{where}: no such file")
            elif frag and file.suffix == ".md" and frag not in anchors(file):
                broken.append(f"{where}: no heading '{frag}' in {file.relative_to(ROOT)}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_development_page_lists_every_module():
    page = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    missing = []
    for layer in sorted(p for p in (ROOT / "nnlab").iterdir() if (p / "__init__.py").exists()):
        for item in sorted(layer.iterdir()):
            name = item.name + "/" if item.is_dir() else item.name
            if item.name.startswith("__") or (item.is_dir() and not any(item.iterdir())):
                continue
            if (item.suffix == ".py" or (item / "__init__.py").exists()) and not (
                    f"`{name}`" in page or f"`{item.stem}" in page):
                missing.append(f"nnlab/{layer.name}/{name}")
    assert not missing, ("docs/development.md: 'What each sub-package holds' does not mention "
                         + ", ".join(missing))


# ---------------------------------------------------------------- examples run for real

def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "nnlab.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _documented(line: str) -> Iterator[tuple[Block, int]]:
    """Every console block showing `$ <line>`, with the index of that line in the block."""
    for page in PAGES:
        for b in blocks(page):
            if b.lang == "console":
                for i, text in enumerate(b.lines):
                    if text.strip() == f"$ {line}":
                        yield b, i


def _shown_output(b: Block, i: int) -> list[str]:
    """The output lines a page shows after command i, minus elisions and per-run values."""
    shown = []
    for text in b.lines[i + 1:]:
        if text.startswith("$ "):
            break
        if "…" in text or "..." in text or re.search(r"runs/|wall time|^saved ", text):
            continue
        shown.append(_norm(text))
    return [s for s in shown if s]


def _norm(text: str) -> str:
    """Whitespace collapsed and rules' ─ padding dropped (rules fill the terminal width)."""
    return " ".join(text.strip().strip("─").split())


RUN_AND_COMPARE = [
    "nnlab trace configs/lessons/backprop_2321.yaml",
    "nnlab trace configs/lessons/word2vec_example.yaml",
    "nnlab train configs/xor.yaml --quiet",
    "nnlab gradcheck configs/sine.yaml",
    "nnlab check configs/moons.yaml",
]


@pytest.mark.parametrize("line", RUN_AND_COMPARE)
def test_documented_output_is_real(line, tmp_path):
    found = list(_documented(line))
    assert found, f"no page shows `$ {line}` any more: update RUN_AND_COMPARE in this test"
    args = shlex.split(line)[1:] + (["--runs-dir", str(tmp_path)] if "train" in line else [])
    result = _run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    real = {_norm(t) for t in result.stdout.splitlines()}
    for b, i in found:
        for shown in _shown_output(b, i):
            assert shown in real, (f"{b.page.relative_to(ROOT)} (block at line {b.line}): "
                                   f"`{line}` no longer prints {shown!r}")


def test_config_show_example_runs(tmp_path):
    line = "nnlab config show configs/sine.yaml --set train.epochs=5"
    assert any(line in u.text for u in shell_uses()), f"no page shows `{line}` any more"
    result = _run(shlex.split(line)[1:], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "epochs: 5" in result.stdout
