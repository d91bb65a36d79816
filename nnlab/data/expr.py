"""A safe, vectorized evaluator for small user formulas such as ``sin(3*x) + (x > 0)``.

The text is parsed with :mod:`ast` (``mode="eval"``) and the tree is walked here; nothing is ever
passed to ``eval``/``exec``. Allowed:

* numeric literals (ints and floats; evaluated as float64), the variable names (default ``x``),
  the constants ``pi`` and ``e``;
* unary ``+``/``-``; binary ``+ - * / ** %``; parentheses;
* comparisons ``< <= > >= == !=`` (chains like ``0 < x < 1`` work) giving 0.0/1.0;
* calls (positional arguments only) of ``sin cos tan arcsin arccos arctan sinh cosh tanh exp log
  log10 log2 sqrt abs sign floor ceil round`` (one argument), ``minimum maximum`` (two),
  ``where(cond, a, b)`` (``cond`` is true where non-zero), ``clip(x, lo, hi)`` and
  ``heaviside(x)`` = ``np.heaviside(x, 0.5)`` (an optional second argument replaces the 0.5).

Anything else -- attributes, subscripts, lambdas, strings, keyword arguments, unknown names,
texts longer than 500 characters, nesting deeper than 50 levels -- is a one-line
:class:`~nnlab.errors.DataError` naming the offending part and listing what is allowed.

Evaluation runs under ``np.errstate(all="ignore")``: ``log(-1)`` quietly gives NaN and ``1/0``
gives inf, and the caller decides what a non-finite value means (the toy data sets reject it).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DataError, closest

MAX_LENGTH = 500
MAX_DEPTH = 50

Env = dict[str, np.ndarray]
Node = Callable[[Env], Any]

CONSTANTS: dict[str, float] = {"pi": float(np.pi), "e": float(np.e)}


def _heaviside(x: Any, h0: Any = 0.5) -> Any:
    return np.heaviside(x, h0)


def _where(cond: Any, a: Any, b: Any) -> Any:
    return np.where(np.asarray(cond) != 0, a, b)


# name -> (function, min args, max args)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int]] = {
    "sin": (np.sin, 1, 1),
    "cos": (np.cos, 1, 1),
    "tan": (np.tan, 1, 1),
    "arcsin": (np.arcsin, 1, 1),
    "arccos": (np.arccos, 1, 1),
    "arctan": (np.arctan, 1, 1),
    "sinh": (np.sinh, 1, 1),
    "cosh": (np.cosh, 1, 1),
    "tanh": (np.tanh, 1, 1),
    "exp": (np.exp, 1, 1),
    "log": (np.log, 1, 1),
    "log10": (np.log10, 1, 1),
    "log2": (np.log2, 1, 1),
    "sqrt": (np.sqrt, 1, 1),
    "abs": (np.abs, 1, 1),
    "sign": (np.sign, 1, 1),
    "floor": (np.floor, 1, 1),
    "ceil": (np.ceil, 1, 1),
    "round": (np.round, 1, 1),
    "minimum": (np.minimum, 2, 2),
    "maximum": (np.maximum, 2, 2),
    "where": (_where, 3, 3),
    "clip": (np.clip, 3, 3),
    "heaviside": (_heaviside, 1, 2),
}

_BINARY: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", np.add),
    ast.Sub: ("-", np.subtract),
    ast.Mult: ("*", np.multiply),
    ast.Div: ("/", np.true_divide),
    ast.Pow: ("**", np.power),
    ast.Mod: ("%", np.mod),
}

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}

# readable names for rejected node kinds
_REJECTED: dict[str, str] = {
    "Attribute": "attribute access",
    "Subscript": "subscripts",
    "Lambda": "lambda",
    "BoolOp": "'and'/'or' (use comparisons with * and +, or where())",
    "IfExp": "'if ... else' (use where(cond, a, b))",
    "List": "lists",
    "Tuple": "tuples",
    "Set": "sets",
    "Dict": "dicts",
    "ListComp": "comprehensions",
    "SetComp": "comprehensions",
    "DictComp": "comprehensions",
    "GeneratorExp": "comprehensions",
    "NamedExpr": "assignments (:=)",
    "JoinedStr": "strings",
    "FormattedValue": "strings",
    "Starred": "starred arguments",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
    "Slice": "slices",
}


def _allowed(variables: Sequence[str]) -> str:
    names = ", ".join(variables)
    return (
        f"allowed: numbers, {names}, pi, e, + - * / ** %, comparisons < <= > >= == !=, "
        f"parentheses and the functions {', '.join(FUNCTIONS)}"
    )


def _short(text: str, limit: int = 60) -> str:
    """repr() of ``text`` cut to ``limit`` characters, always on one line."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 3] + "...")


class Expr:
    """A compiled expression: ``Expr(x_array)`` (one positional array per variable).

    The result is a new float64 array with the broadcast shape of the inputs (a constant
    expression like ``"2"`` is broadcast too). ``text`` and ``variables`` are kept for messages,
    ``repr`` and pickling (the expression is recompiled on unpickling).
    """

    __slots__ = ("text", "variables", "_fn")

    def __init__(self, text: str, variables: tuple[str, ...], fn: Node) -> None:
        self.text = text
        self.variables = variables
        self._fn = fn

    def __call__(self, *args: Any) -> np.ndarray:
        if len(args) != len(self.variables):
            raise TypeError(
                f"expression {self.text!r} takes {len(self.variables)} array(s) "
                f"({', '.join(self.variables)}), got {len(args)}"
            )
        arrays = [np.asarray(a, dtype=np.float64) for a in args]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        with np.errstate(all="ignore"):
            out = np.asarray(
                self._fn(dict(zip(self.variables, arrays, strict=True))), dtype=np.float64
            )
        return np.array(np.broadcast_to(out, shape), dtype=np.float64)  # always a fresh copy

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (compile_expr, (self.text, self.variables))


def compile_expr(text: str, variables: Sequence[str] = ("x",)) -> Expr:
    """Parse ``text`` into a vectorized function of ``variables`` (see the module docstring).

    Raises :class:`DataError` (one readable line) for syntax errors (with the column), texts over
    500 characters, nesting deeper than 50, and anything outside the whitelist.
    """
    variables = tuple(variables)
    for var in variables:
        if not isinstance(var, str) or not var.isidentifier():
            raise DataError(f"expression variable names must be identifiers, got {var!r}")
        if var in CONSTANTS or var in FUNCTIONS:
            raise DataError(f"expression variable name {var!r} clashes with a built-in name")
    if not isinstance(text, str):
        raise DataError(f"expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise DataError(
            f"expression {_short(text)} is {len(text)} characters long; "
            f"at most {MAX_LENGTH} are allowed"
        )
    if not text.strip():
        raise DataError(f"expression is empty; write a formula of {', '.join(variables)}")
    source = text.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        if err.offset:
            where = f"column {err.offset}"
        else:
            where = f"column {len(source) + 1} (end of the text)"
        if err.lineno and err.lineno > 1:
            where = f"line {err.lineno}, {where}"
        raise DataError(f"cannot parse expression {_short(text)}: {err.msg} at {where}") from None
    except (ValueError, RecursionError, MemoryError) as err:
        raise DataError(f"cannot parse expression {_short(text)}: {err}") from None
    return Expr(text, variables, _Compiler(source, variables).build(tree.body, 1))


class _Compiler:
    """Turns a checked AST into nested closures ``env -> array``."""

    def __init__(self, text: str, variables: tuple[str, ...]) -> None:
        self.text = text
        self.variables = variables

    def fail(self, node: ast.AST, what: str, hint: str = "") -> DataError:
        col = getattr(node, "col_offset", None)
        at = f" at column {col + 1}" if col is not None else ""
        tail = hint or _allowed(self.variables)
        return DataError(f"expression {_short(self.text)}: {what}{at} is not allowed; {tail}")

    def segment(self, node: ast.AST) -> str:
        seg = ast.get_source_segment(self.text, node) or type(node).__name__
        return _short(seg, 40)

    def build(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise DataError(
                f"expression {_short(self.text)} is nested deeper than {MAX_DEPTH} levels; "
                "simplify it"
            )
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return lambda env: np.negative(operand(env))
            if isinstance(node.op, ast.UAdd):
                return operand
            sym = {ast.Not: "not", ast.Invert: "~"}.get(type(node.op), type(node.op).__name__)
            raise self.fail(node, f"operator '{sym}' in {self.segment(node)}")
        if isinstance(node, ast.BinOp):
            return self.binop(node, depth)
        if isinstance(node, ast.Compare):
            return self.compare(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        kind = type(node).__name__
        what = _REJECTED.get(kind, f"'{kind}' syntax")
        raise self.fail(node, f"{what} {self.segment(node)}")

    def constant(self, node: ast.Constant) -> Node:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if isinstance(value, (str, bytes)):
                raise self.fail(node, f"strings {self.segment(node)}")
            raise self.fail(node, f"the literal {self.segment(node)}")
        try:
            number = np.float64(float(value))
        except OverflowError:
            raise self.fail(node, f"the number {self.segment(node)} (too large)") from None
        return lambda env: number

    def name(self, node: ast.Name) -> Node:
        ident = node.id
        if ident in self.variables:
            return lambda env: env[ident]
        if ident in CONSTANTS:
            number = np.float64(CONSTANTS[ident])
            return lambda env: number
        if ident in FUNCTIONS:
            raise self.fail(node, f"the bare function name '{ident}'", f"call it: {ident}(...)")
        names = [*self.variables, *CONSTANTS, *FUNCTIONS]
        raise DataError(
            f"expression {_short(self.text)}: unknown name '{ident}' at column "
            f"{node.col_offset + 1}{closest(ident, names)}; {_allowed(self.variables)}"
        )

    def binop(self, node: ast.BinOp, depth: int) -> Node:
        # a left-associative chain (a + b - c * d ...) is built iteratively and counts as one level
        chain: list[tuple[Callable[[Any, Any], Any], ast.AST]] = []
        base: ast.AST = node
        while isinstance(base, ast.BinOp):
            entry = _BINARY.get(type(base.op))
            if entry is None:
                sym = {
                    ast.FloorDiv: "//",
                    ast.MatMult: "@",
                    ast.LShift: "<<",
                    ast.RShift: ">>",
                    ast.BitAnd: "&",
                    ast.BitOr: "|",
                    ast.BitXor: "^",
                }.get(type(base.op), type(base.op).__name__)
                raise self.fail(base, f"operator '{sym}' in {self.segment(base)}")
            chain.append((entry[1], base.right))
            base = base.left
        first = self.build(base, depth + 1)
        steps = [(func, self.build(right, depth + 1)) for func, right in reversed(chain)]

        def evaluate(env: Env) -> Any:
            value = first(env)
            for func, right in steps:
                value = func(value, right(env))
            return value

        return evaluate

    def compare(self, node: ast.Compare, depth: int) -> Node:
        funcs = []
        for op in node.ops:
            func = _COMPARE.get(type(op))
            if func is None:
                sym = {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
                raise self.fail(node, f"'{sym.get(type(op), type(op).__name__)}' comparison")
            funcs.append(func)
        operands = [self.build(n, depth + 1) for n in (node.left, *node.comparators)]

        def evaluate(env: Env) -> Any:
            values = [f(env) for f in operands]
            result = funcs[0](values[0], values[1])
            for i in range(1, len(funcs)):
                result = np.logical_and(result, funcs[i](values[i], values[i + 1]))
            return np.asarray(result, dtype=np.float64)

        return evaluate

    def call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            what = _REJECTED.get(type(node.func).__name__, "calling an expression")
            raise self.fail(node.func, f"{what} {self.segment(node.func)}")
        fname = node.func.id
        if fname not in FUNCTIONS:
            if fname in self.variables or fname in CONSTANTS:
                raise self.fail(node, f"calling '{fname}'", f"'{fname}' is not a function")
            raise DataError(
                f"expression {_short(self.text)}: unknown function '{fname}' at column "
                f"{node.col_offset + 1}{closest(fname, list(FUNCTIONS))}; "
                f"allowed functions: {', '.join(FUNCTIONS)}"
            )
        if node.keywords:
            kw = node.keywords[0]
            label = f"'{kw.arg}='" if kw.arg else "'**'"
            raise self.fail(node, f"keyword argument {label} in {self.segment(node)}")
        func, lo, hi = FUNCTIONS[fname]
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail(arg, f"starred argument {self.segment(arg)}")
        if not lo <= len(node.args) <= hi:
            count = str(lo) if lo == hi else f"{lo} or {hi}"
            raise DataError(
                f"expression {_short(self.text)}: {fname}() takes {count} argument"
                f"{'' if count == '1' else 's'}, got {len(node.args)} at column "
                f"{node.col_offset + 1}"
            )
        args = [self.build(a, depth + 1) for a in node.args]
        if len(args) == 1:
            (only,) = args
            return lambda env: func(only(env))
        return lambda env: func(*(a(env) for a in args))


__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "Expr", "compile_expr"]
